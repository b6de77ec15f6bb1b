import pytest
from lambdachat.errors import BadRequest
from lambdachat.flags import env_flag, request_flag


@pytest.mark.parametrize("raw, expected", [
    (None, True), ("", False), ("  ", False), ("false", False), ("0", False), ("Off", False),
    ("true", True), ("YES", True), (" 1 ", True), (False, False),
])
def test_request_flags_are_real_booleans(raw, expected):
    assert request_flag("delete_files", raw, default=True) is expected


def test_an_unrecognised_request_flag_is_a_bad_request():
    with pytest.raises(BadRequest, match="'stream' must be true or false"):
        request_flag("stream", "maybe", default=False)


def test_env_flags_default_when_unset_and_stop_on_garbage(monkeypatch):
    assert env_flag("LAMBDACHAT_TEST_FLAG", default=True) is True
    monkeypatch.setenv("LAMBDACHAT_TEST_FLAG", "off")
    assert env_flag("LAMBDACHAT_TEST_FLAG", default=True) is False
    monkeypatch.setenv("LAMBDACHAT_TEST_FLAG", "perhaps")
    with pytest.raises(RuntimeError, match="LAMBDACHAT_TEST_FLAG"):
        env_flag("LAMBDACHAT_TEST_FLAG", default=True)
