"""Where provider keys come from: request, then server environment, then SSM (through Powertools)."""

import pytest
from lambdachat.config import Settings
from lambdachat.providers.keys import request_credentials, server_credentials

from tests.aws import mocked_aws
from tests.fakes.providers import FakeProvider

OPENAI = FakeProvider(name="OpenAI", needs_auth=True)
CUSTOM = FakeProvider(name="Custom")


def test_request_key_wins_over_the_server_key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-server")
    assert request_credentials(OPENAI, "sk-request", None).api_key == "sk-request"
    assert request_credentials(OPENAI, None, None).api_key == "sk-server"


def test_only_custom_takes_a_base_url_from_the_client(monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "https://proxy.example/v1")
    assert request_credentials(OPENAI, None, "http://169.254.169.254/").base_url == "https://proxy.example/v1"
    assert request_credentials(CUSTOM, None, "http://127.0.0.1:11434/v1").base_url == "http://127.0.0.1:11434/v1"


def test_alias_names_are_read(monkeypatch):
    monkeypatch.setenv("GOOGLE_API_KEY", "AIza-from-google-name")
    assert server_credentials(FakeProvider(name="Gemini", needs_auth=True)).api_key == "AIza-from-google-name"


def test_keys_come_from_ssm_when_a_prefix_is_configured(monkeypatch):
    with mocked_aws(monkeypatch) as client:
        client("ssm").put_parameter(Name="/lambdachat/test/providers/OpenAI/api_key", Value="sk-from-ssm",
                                    Type="SecureString")
        settings = Settings.from_env({"LAMBDACHAT_PARAMETER_PREFIX": "/lambdachat/test"})
        assert server_credentials(OPENAI, settings).api_key == "sk-from-ssm"
        # A provider with no parameter is simply unconfigured, not an error.
        assert server_credentials(FakeProvider(name="Groq", needs_auth=True), settings).api_key is None


def test_the_environment_wins_over_ssm(monkeypatch):
    settings = Settings.from_env({"LAMBDACHAT_PARAMETER_PREFIX": "/never/read", "OPENAI_API_KEY": "sk-env"})
    assert server_credentials(OPENAI, settings).api_key == "sk-env"


@pytest.mark.parametrize("creds_repr", [repr(request_credentials(OPENAI, "sk-secret-123456789", None))])
def test_credentials_never_show_the_key(creds_repr):
    assert "sk-secret" not in creds_repr


def test_the_embedded_model_consults_no_key_source():
    from lambdachat.identity import Principal
    from lambdachat.providers.local import LocalModel

    def no_lookup(*args, **kwargs):
        raise AssertionError("the uploaded keys were read for a provider that takes none")

    creds = request_credentials(LocalModel(), None, None, Principal("alice"), uploaded=no_lookup)
    assert creds.api_key is None and creds.base_url is None
    # A keyed provider still reads them (the principal's own keys come before the server's).
    uploaded = request_credentials(OPENAI, None, None, Principal("alice"),
                                   uploaded=lambda principal, name: f"sk-{principal.id}")
    assert uploaded.api_key == "sk-alice"
