"""Read the files g4f users upload to `upload_cookies`, in the formats g4f itself reads.

- `.json`, a cookie export: `[{"domain", "name", "value", ...}, ...]` (browser extensions).
- `.json`, one provider's key: `{"api_key": "..."}` named `api_key_<Provider>.json` (or g4f's
  `auth_<Provider>.json`); the file name says which provider.
- `.json`, keys per provider: `{"OpenAI": {"api_key": "..."}, "Groq": {"api_key": "..."}}`.
- `.har`, a browser's network log: the API keys its requests to known provider APIs carried
  (`Authorization: Bearer`, `x-api-key`, `x-goog-api-key`, `?key=`) and, like g4f, the
  request cookies of the sites g4f reads cookies for.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from lambdachat.errors import BadRequest
from lambdachat.files.layout import extension
from lambdachat.json_input import parse_json

EXTENSIONS = ("json", "har")
MAX_KEY_CHARS = 4096
_KEY_FILE = re.compile(r"^(?:api_key|auth)_([A-Za-z0-9_.-]{1,64})\.json$", re.IGNORECASE)
_KEY_TEXT = re.compile(r"^[\x21-\x7e]+$")   # printable ASCII, no spaces: every provider's key format
# g4f's own provider class names for the providers lambdachat has under another name.
G4F_ALIASES = {"openaiapi": "OpenAI", "geminipro": "Gemini", "deepseekapi": "DeepSeek", "anthropicapi": "Anthropic"}
# The sites g4f reads HAR cookies for (g4f/cookies.py COOKIE_DOMAINS): nothing else is kept.
COOKIE_DOMAINS = (".bing.com", ".meta.ai", ".google.com", "www.whiterabbitneo.com", "huggingface.co",
                  "chat.reka.ai", "chatgpt.com", ".cerebras.ai", "github.com", "yupp.ai",
                  "chat.deepseek.com", ".perplexity.ai", "ollama.com")


@dataclass(frozen=True)
class Extract:
    """What one uploaded file gives: provider keys and cookies per domain."""

    keys: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, dict[str, str]] = field(default_factory=dict)
    uploaded_at: int = 0    # ns; orders uploads (S3's LastModified has one-second resolution)

    def to_json(self) -> bytes:
        return json.dumps({"keys": self.keys, "cookies": self.cookies, "uploaded_at": self.uploaded_at}).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Extract:
        data = json.loads(raw)
        return cls(keys=dict(data.get("keys", {})), cookies=dict(data.get("cookies", {})),
                   uploaded_at=int(data.get("uploaded_at", 0)))


def parse_upload(filename: str, data: bytes, known: ProviderNames) -> Extract:
    ext = extension(filename)
    if ext not in EXTENSIONS:
        raise BadRequest("Not supported file: upload a .json (cookies or api_key) or a .har file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"{filename} is not valid UTF-8 JSON") from exc
    document = parse_json(text, f"{filename} is not valid UTF-8 JSON")
    extract = _from_har(document) if ext == "har" else _from_json(filename, document, known)
    if not extract.keys and not extract.cookies:
        raise BadRequest(f"{filename} holds no cookies and no provider key lambdachat can use")
    return extract


# The app's name for a provider a file names (`Registry.get_provider`, exact or case-folded).
ProviderNames = Callable[[str], "str | None"]


def canonical_provider(name: str, known: ProviderNames) -> str | None:
    """The registry's name for a provider named in a file (exact, case-folded, or g4f's alias)."""
    return known(G4F_ALIASES.get(name.casefold(), name))


def _clean_key(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    key = value.strip()
    return key if key and len(key) <= MAX_KEY_CHARS and _KEY_TEXT.match(key) else None


def _from_json(filename: str, document: Any, known: ProviderNames) -> Extract:
    if isinstance(document, list):
        return Extract(cookies=_cookie_array(document))
    if not isinstance(document, dict):
        raise BadRequest("A .json upload is a cookie array or an object with api_key")
    if "api_key" in document:
        named = _KEY_FILE.match(filename)
        if named is None:
            raise BadRequest("Name a single-key file api_key_<Provider>.json so it says which provider")
        return Extract(keys=_keys({named.group(1): document}, known))
    return Extract(keys=_keys(document, known))


def _keys(by_provider: dict[str, Any], known: ProviderNames) -> dict[str, str]:
    keys: dict[str, str] = {}
    unknown: list[str] = []
    for name, entry in by_provider.items():
        key = _clean_key(entry.get("api_key")) if isinstance(entry, dict) else None
        if key is None:
            continue
        canonical = canonical_provider(str(name), known)
        if canonical is None:
            unknown.append(str(name)[:64])
        else:
            keys[canonical] = key
    if not keys and unknown:
        raise BadRequest(f"No provider lambdachat knows in this file: {', '.join(unknown[:10])}")
    return keys


def _cookie_array(items: list[Any]) -> dict[str, dict[str, str]]:
    cookies: dict[str, dict[str, str]] = {}
    for item in items:
        if not (isinstance(item, dict) and all(isinstance(item.get(k), str) for k in ("domain", "name", "value"))):
            raise BadRequest("A cookie file is a list of objects with string domain, name and value")
        cookies.setdefault(item["domain"], {})[item["name"]] = item["value"]
    return cookies


def _api_hosts() -> dict[str, str]:
    """Host of each keyed provider's API -> provider name, from the providers' own defaults."""
    from lambdachat.providers import anthropic, gemini
    from lambdachat.providers.openai_compat import PRESETS

    hosts = {urlsplit(p.base_url).hostname or "": p.name for p in PRESETS if p.base_url and p.needs_auth}
    hosts[urlsplit(anthropic.DEFAULT_BASE_URL).hostname or ""] = "Anthropic"
    hosts[urlsplit(gemini.DEFAULT_BASE_URL).hostname or ""] = "Gemini"
    return hosts


def _har_key(url: str, headers: dict[str, str]) -> str | None:
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        return _clean_key(token)
    for name in ("x-api-key", "x-goog-api-key"):
        if name in headers:
            return _clean_key(headers[name])
    return _clean_key(next(iter(parse_qs(urlsplit(url).query).get("key", [])), None))


def _from_har(document: Any) -> Extract:
    """Keys and cookies from a HAR log. A part of the wrong type is a 400 that names it
    (`log.entries[3].request.headers`), not a crash: the file is the uploader's."""
    log = document.get("log") if isinstance(document, dict) else None
    if not isinstance(log, dict):
        raise BadRequest("log must be an object holding log.entries (export the .har from the browser's "
                         "network tab)")
    entries = log.get("entries")
    if not isinstance(entries, list):
        raise BadRequest("log.entries must be a list (export the .har from the browser's network tab)")
    hosts = _api_hosts()
    keys: dict[str, str] = {}
    cookies: dict[str, dict[str, str]] = {}
    for index, entry in enumerate(entries):   # in time order: a later request's key or cookie wins
        where = f"log.entries[{index}]"
        if not isinstance(entry, dict):
            raise BadRequest(f"{where} must be an object")
        request = entry.get("request")
        if not isinstance(request, dict):
            raise BadRequest(f"{where}.request must be an object")
        url, host = _har_url(request, f"{where}.request")
        headers = {name.lower(): value for name, value in _pairs(request, "headers", f"{where}.request")}
        if host in hosts and (key := _har_key(url, headers)):
            keys[hosts[host]] = key
        domain = next((d for d in COOKIE_DOMAINS if d in host or host == d.lstrip(".")), None)
        for name, value in _pairs(request, "cookies", f"{where}.request"):  # checked on every entry
            if domain is not None:
                cookies.setdefault(domain, {})[name] = value
    return Extract(keys=keys, cookies=cookies)


def _har_url(request: dict[str, Any], where: str) -> tuple[str, str]:
    """A HAR request's URL and its host name."""
    url = request.get("url")
    try:
        if isinstance(url, str):
            return url, urlsplit(url).hostname or ""
    except ValueError:  # "Invalid IPv6 URL"
        pass
    raise BadRequest(f"{where}.url must be a URL")


def _pairs(request: dict[str, Any], field: str, where: str) -> list[tuple[str, str]]:
    """A HAR request's `headers` or `cookies`: a list of {name, value} objects with string values
    (absent means none)."""
    items = request.get(field, [])
    if not isinstance(items, list):
        raise BadRequest(f"{where}.{field} must be a list of {{name, value}} objects")
    pairs = []
    for index, item in enumerate(items):
        if not (isinstance(item, dict) and isinstance(item.get("name"), str)
                and isinstance(item.get("value", ""), str)):
            raise BadRequest(f"{where}.{field}[{index}] must be an object with string name and value")
        pairs.append((item["name"], item.get("value", "")))
    return pairs
