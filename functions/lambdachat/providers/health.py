"""`GET health/<provider>` as g4f 8.8 answers it: whether the provider answers, never a chat.

g4f probes the provider's health or quota URL, else its `<base>/models`, with the caller's key
(`x-api-key`) and reports the upstream's outcome in the body, so the route itself stays a 200:
`{"url", "status", "ok", "quota", "error"?}`. Here the probe is the provider's model list, read
through the same cache as `models/<provider>` (a list fetched with the server's key is shared for
a minute), so polling health costs the operator's key no more than listing models. `url` is the
provider's public site, never a base URL: a configured one may name a host inside the network.
"""

from __future__ import annotations

from typing import Any

from lambdachat.config import Settings
from lambdachat.providers.base import Credentials, MissingAuthError, Provider, ProviderError, UpstreamError
from lambdachat.providers.model_lists import ModelListCache


def probe(provider: Provider, creds: Credentials, lists: ModelListCache, settings: Settings) -> dict[str, Any]:
    """The provider's health; raises MissingAuthError when there is no key to probe with."""
    if provider.needs_auth and not creds.api_key:
        raise MissingAuthError(f"Add an API key for {provider.name}")
    result: dict[str, Any] = {"url": provider.url, "status": 200, "ok": True, "quota": None}
    try:
        lists.models(provider, creds, settings)
    except MissingAuthError as refused:  # the upstream refused the key: reported, as g4f does
        return {**result, "status": 401, "ok": False, "error": f"MissingAuthError: {refused}"}
    except UpstreamError as failed:
        return {**result, "status": failed.status or 0, "ok": False, "error": f"HTTP {failed.status or 0}"}
    except ProviderError as failed:
        return {**result, "status": 0, "ok": False, "error": f"{type(failed).__name__}: {failed}"}
    if not provider.is_configured(creds):  # a keyless provider that cannot answer (no model installed)
        return {**result, "status": 0, "ok": False, "error": f"{provider.name} is not available"}
    return result
