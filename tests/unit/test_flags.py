import pytest
from lambdachat.config import Settings
from lambdachat.errors import BadRequest
from lambdachat.flags import request_flag


@pytest.mark.parametrize("raw, expected", [
    (None, True), ("", False), ("  ", False), ("false", False), ("0", False), ("Off", False),
    ("true", True), ("YES", True), (" 1 ", True), (False, False),
])
def test_request_flags_are_real_booleans(raw, expected):
    assert request_flag("delete_files", raw, default=True) is expected


def test_an_unrecognised_request_flag_is_a_bad_request():
    with pytest.raises(BadRequest, match="'stream' must be true or false"):
        request_flag("stream", "maybe", default=False)


def test_env_flags_default_when_unset_and_stop_on_garbage():
    assert Settings.from_env({}).warm_model is True
    assert Settings.from_env({"LAMBDACHAT_WARM_MODEL": "off"}).warm_model is False
    with pytest.raises(RuntimeError, match="LAMBDACHAT_WARM_MODEL"):
        Settings.from_env({"LAMBDACHAT_WARM_MODEL": "perhaps"})
