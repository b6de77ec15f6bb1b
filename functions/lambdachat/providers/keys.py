"""Where a provider's key and base URL come from, in order of precedence.

1. The request (`api_key` / `api_base` / `base_url` in the body, `x-api-key` / `x_api_key`,
   `x-api-base` headers). A client base URL is honoured only for `Custom`, and a server-held
   key never goes to it: only the client's own key (from the request or its uploads) does.
2. The principal's own uploaded keys (`upload_cookies`: `lambdachat.credentials`), never
   another principal's.
3. Server configuration: `<NAME>_API_KEY` / `<NAME>_BASE_URL` in the environment
   (`OPENAI_API_KEY`, `OLLAMA_BASE_URL`, ...), then, when `LAMBDACHAT_PARAMETER_PREFIX` is set,
   SSM Parameter Store `<prefix>/providers/<Name>/api_key` (SecureString) through Powertools
   Parameters, cached for five minutes. Powertools' parameters module imports boto3, so it is
   imported only on that path.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from lambdachat.config import Settings, get_settings
from lambdachat.errors import BadRequest
from lambdachat.providers.base import Credentials, Provider

if TYPE_CHECKING:
    from lambdachat.identity import Principal

# Names other tools already use for the same keys.
_ALIASES: dict[str, tuple[str, ...]] = {
    "Gemini": ("GEMINI_API_KEY", "GOOGLE_API_KEY"),
}


def env_prefix(provider_name: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "_", provider_name.upper()).strip("_")


def _from_parameters(provider_name: str, settings: Settings) -> str | None:
    prefix = settings.parameter_prefix
    if not prefix:
        return None
    from aws_lambda_powertools.utilities import parameters

    try:
        value = parameters.get_parameter(
            f"{prefix.rstrip('/')}/providers/{provider_name}/api_key", decrypt=True, max_age=300
        )
    except parameters.exceptions.GetParameterError:
        return None
    return str(value) if value else None


def server_credentials(provider: Provider, settings: Settings | None = None) -> Credentials:
    settings = settings or get_settings()
    prefix = env_prefix(provider.name)
    key_names = _ALIASES.get(provider.name, (f"{prefix}_API_KEY",))
    api_key = next((k for k in map(settings.provider_variable, key_names) if k), None)
    if api_key is None and provider.needs_auth:
        api_key = _from_parameters(provider.name, settings)
    base_url = settings.provider_variable(f"{prefix}_BASE_URL")
    return Credentials(api_key=api_key, base_url=base_url)


# The principal's uploaded key for a provider (`Services.uploaded_key`): passed in, so this
# module knows nothing of where uploads live.
KeyLookup = Callable[["Principal", str], "str | None"]


def request_credentials(provider: Provider, api_key: str | None, base_url: str | None,
                        principal: Principal | None = None, *, uploaded: KeyLookup | None = None,
                        settings: Settings | None = None) -> Credentials:
    """Credentials for one request: the request's, then the principal's uploads, then the server's.

    The server's key goes only to the server's base URL: with a base URL of the client's own
    (Custom's `api_base`), only a key of the client's own goes along (the request's, or one this
    principal uploaded), else none. Otherwise `x-api-base: https://attacker.example` would hand
    the operator's `CUSTOM_API_KEY` to whoever asks (issue 11, #1).
    """
    if not provider.uses_keys:
        return Credentials()
    if not api_key and principal is not None and uploaded is not None:
        api_key = uploaded(principal, provider.name)
    server = server_credentials(provider, settings)
    client_base = _client_base_url(provider, base_url, server.base_url)
    if client_base:
        return Credentials(api_key=api_key, base_url=client_base, client_base_url=True)
    return Credentials(api_key=api_key or server.api_key, base_url=server.base_url)


def _client_base_url(provider: Provider, base_url: str | None, server_base: str | None) -> str | None:
    """The request's base URL when it is one of the client's own (only Custom takes one), checked.
    The server's own URL sent back (the SPA may echo it) is the server's, not the client's."""
    if provider.name != "Custom" or not base_url:
        return None
    if server_base and base_url.rstrip("/") == server_base.rstrip("/"):
        return None
    from lambdachat.netguard import UrlRefused, check_url  # httpcore: only for a client base URL

    try:
        check_url(base_url)
    except UrlRefused as exc:
        raise BadRequest(f"api_base is not usable: {exc}") from exc
    return base_url
