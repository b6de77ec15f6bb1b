"""HTTP plumbing shared by the remote adapters: one pooled client, errors, an SSE reader.

All three upstream dialects (OpenAI-compatible, Anthropic, Gemini with `?alt=sse`) stream
Server-Sent Events, so one reader serves them all. Adapters read it in a `with
upstream.open_sse(...)` block inside their generator: when the consumer closes the iterator
(the browser went away), the block exits at once and the upstream connection is closed,
which stops the generation we would otherwise pay for.

Every message built here comes from the upstream's own error body, with the caller's key
scrubbed out: some upstreams echo the key they refused.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import httpx
from httpx_sse import EventSource, ServerSentEvent

from lambdachat.config import get_settings
from lambdachat.providers.base import (
    MissingAuthError,
    ModelNotFoundError,
    ProviderError,
    RateLimitError,
    UpstreamDisconnected,
    UpstreamError,
    UpstreamTimeout,
)

_MAX_ERROR_BODY = 64 * 1024
_MAX_MESSAGE = 500
_MIN_SECRET = 8  # shorter "keys" are placeholders; scrubbing them would garble the message


@lru_cache(maxsize=2)
def http_client(guarded: bool = False) -> httpx.Client:
    """The process-wide clients: warm Lambda invocations reuse their pooled connections.
    `guarded` is for base URLs a client sent (Custom's `api_base`): it reaches only the addresses
    `lambdachat.netguard` allows."""
    headers = {"User-Agent": "lambdachat"}
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=16)
    if guarded:
        # netguard subclasses httpcore, which httpx itself loads only for a first request: importing
        # it here keeps it off the cold start of handlers that never call out (models, providers).
        from lambdachat.netguard import guarded_client, upstream_policy

        return guarded_client(upstream_policy, headers=headers, follow_redirects=False, limits=limits)
    return httpx.Client(headers=headers, follow_redirects=False, limits=limits)


def request_timeout() -> httpx.Timeout:
    """Read per request, not baked into the client, so a settings change applies at once.

    The read timeout bounds the silence between two chunks, not the whole answer: a long
    answer that keeps streaming is fine, a stalled one is not.
    """
    settings = get_settings()
    return httpx.Timeout(connect=settings.connect_timeout, read=settings.stream_timeout,
                         write=settings.connect_timeout, pool=settings.connect_timeout)


# ---- errors ------------------------------------------------------------------------------------

# Error kinds named in bodies, as the HTTP status they mean. They decide when the status alone
# cannot: errors inside a stream have no status, and Gemini refuses a bad key with a 400.
_KIND_STATUS: dict[str, int] = {
    # Anthropic `error.type`
    "authentication_error": 401, "permission_error": 403, "not_found_error": 404,
    "rate_limit_error": 429, "overloaded_error": 529, "api_error": 500,
    # Google RPC `error.status` and `details[].reason`
    "API_KEY_INVALID": 401, "UNAUTHENTICATED": 401, "PERMISSION_DENIED": 403, "NOT_FOUND": 404,
    "RESOURCE_EXHAUSTED": 429, "INTERNAL": 500, "UNAVAILABLE": 503, "DEADLINE_EXCEEDED": 504,
    # OpenAI `error.code`
    "invalid_api_key": 401, "model_not_found": 404, "rate_limit_exceeded": 429,
}


@dataclass(frozen=True)
class ErrorBody:
    message: str | None = None
    kinds: tuple[str, ...] = ()
    code: int | None = None        # a numeric code in the body (OpenRouter's in-stream errors)

    @property
    def kind_status(self) -> int | None:
        return next((_KIND_STATUS[k] for k in self.kinds if k in _KIND_STATUS), None)


def _as_text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def parse_error_body(body: Any) -> ErrorBody:
    """Read the known shapes: OpenAI `{"error":{"message","type","code"}}`, Anthropic
    `{"type":"error","error":{"type","message"}}`, Gemini `{"error":{"code","message","status",
    "details"}}` (sometimes wrapped in a list), Ollama `{"error":"text"}`, Mistral's top-level
    `message`, FastAPI's `detail`."""
    if isinstance(body, list) and body:
        body = body[0]
    if not isinstance(body, dict):
        return ErrorBody(message=_as_text(body))
    error = body.get("error")
    if isinstance(error, dict):
        kinds = [d["reason"] for d in error.get("details") or []
                 if isinstance(d, dict) and isinstance(d.get("reason"), str)]
        kinds += [v for v in (error.get("code"), error.get("type"), error.get("status"))
                  if isinstance(v, str)]
        code = error.get("code")
        return ErrorBody(message=_as_text(error.get("message")), kinds=tuple(kinds),
                         code=code if isinstance(code, int) and not isinstance(code, bool) else None)
    if error is not None:
        return ErrorBody(message=_as_text(error))
    kind = body.get("type")
    return ErrorBody(message=_as_text(body.get("message") or body.get("detail")),
                     kinds=(kind,) if isinstance(kind, str) else ())


def _tidy(text: str, secret: str | None) -> str:
    if secret and len(secret) >= _MIN_SECRET:
        text = text.replace(secret, "***")
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= _MAX_MESSAGE else text[:_MAX_MESSAGE] + "…"


def error_for_status(status: int | None, message: str) -> ProviderError:
    if status in (401, 403):
        return MissingAuthError(message)
    if status == 429:
        return RateLimitError(message)
    if status == 404:
        return ModelNotFoundError(message)
    return UpstreamError(message, status)


def _retry_after(headers: httpx.Headers) -> str:
    value = headers.get("retry-after", "").strip()
    if not value:
        return ""
    return f" (retry after {value} s)" if value.isdigit() else f" (retry after {value})"


# ---- the upstream --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Upstream:
    """One provider's endpoint as seen by an adapter: its name for messages, the headers it
    needs, and the key to keep out of every message."""

    provider: str
    headers: dict[str, str] = field(default_factory=dict)
    secret: str | None = None
    guarded: bool = False          # the base URL came from the request (see http_client)

    def __repr__(self) -> str:  # headers hold the key
        return f"Upstream(provider={self.provider!r})"

    def error_from_response(self, response: httpx.Response, raw: bytes) -> ProviderError:
        """Map an HTTP error response (its body already read into `raw`)."""
        try:
            parsed = parse_error_body(json.loads(raw))
        except ValueError:
            parsed = ErrorBody(message=raw.decode("utf-8", "replace") or None)
        status = response.status_code
        if status == 400:  # Gemini's bad key; other 400s stay 400
            status = parsed.kind_status or status
        text = parsed.message or response.reason_phrase or "no details"
        message = f"{self.provider} answered HTTP {response.status_code}: {text}"
        if status == 429:
            message += _retry_after(response.headers)
        return error_for_status(status, _tidy(message, self.secret))

    def error_in_stream(self, payload: Any) -> ProviderError:
        """Map an error object sent inside an otherwise successful stream."""
        parsed = parse_error_body(payload)
        status = parsed.kind_status or parsed.code
        text = parsed.message or "unknown error"
        return error_for_status(status, _tidy(f"{self.provider} failed mid-answer: {text}", self.secret))

    @contextmanager
    def _transport_errors(self, url: str) -> Iterator[None]:
        settings = get_settings()
        host = urlsplit(url).netloc
        try:
            yield
        except httpx.ConnectTimeout as exc:
            raise UpstreamTimeout(f"Could not connect to {self.provider} ({host}) within "
                                  f"{settings.connect_timeout:g} s") from exc
        except httpx.TimeoutException as exc:
            raise UpstreamTimeout(f"{self.provider} sent nothing for {settings.stream_timeout:g} s") from exc
        except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
            raise UpstreamDisconnected(f"{self.provider} closed the connection before the answer "
                                       f"was complete ({_tidy(str(exc), self.secret)})") from exc
        except httpx.ConnectError as exc:
            from lambdachat.netguard import refusal_of

            refused = refusal_of(exc)
            if refused is not None:
                raise UpstreamError(f"{self.provider} at {host} is not reachable from this server "
                                    f"({refused})") from exc
            raise UpstreamError(f"Could not reach {self.provider} at {host}") from exc
        except httpx.InvalidURL as exc:  # not an HTTPError; client URLs never get here (netguard.check_url)
            raise UpstreamError(f"{self.provider}'s configured base URL is malformed: {exc}") from exc
        except httpx.HTTPError as exc:
            raise UpstreamError(f"{self.provider}: {type(exc).__name__}: "
                                f"{_tidy(str(exc), self.secret)}") from exc

    @staticmethod
    def _read_raw(response: httpx.Response) -> bytes:
        raw = b""
        for chunk in response.iter_bytes():  # bounded: an error body is never worth more
            raw += chunk
            if len(raw) >= _MAX_ERROR_BODY:
                break
        return raw[:_MAX_ERROR_BODY]

    @contextmanager
    def open_post(self, url: str, body: dict[str, Any],
                  accept: str | None = None) -> Iterator[httpx.Response]:
        """POST `body`; the block gets the streamed response, its status already a success
        (an error status raises the mapped error). Leaving the block closes the connection;
        transport failures, also those raised while the block reads, come out as our errors."""
        headers = {**self.headers, **({"Accept": accept} if accept else {})}
        with self._transport_errors(url):
            response = self._send(http_client(self.guarded).build_request(
                "POST", url, json=body, headers=headers, timeout=request_timeout()), stream=True)
            try:
                if response.status_code >= 400:
                    raise self.error_from_response(response, self._read_raw(response))
                yield response
            finally:
                response.close()

    def _send(self, request: httpx.Request, stream: bool = False) -> httpx.Response:
        client = http_client(self.guarded)
        try:
            return client.send(request, stream=stream)
        except httpx.RemoteProtocolError:
            # A pooled keep-alive connection the server closed just as it was reused: the
            # request got no answer at all, so it goes once more, on a new connection.
            return client.send(request, stream=stream)

    @contextmanager
    def open_sse(self, url: str, body: dict[str, Any]) -> Iterator[Iterator[ServerSentEvent]]:
        """POST `body`; the block gets the SSE events (see open_post)."""
        with self.open_post(url, body, accept="text/event-stream") as response:
            content_type = response.headers.get("content-type", "")
            if "text/event-stream" not in content_type:
                raise self._not_a_stream(response, content_type)
            events = (e for e in EventSource(response).iter_sse() if e.data or e.event)
            yield events
            # Past the terminator only the end of the body is left: reading it lets the pool
            # keep the connection (an unread body makes httpcore close it).
            for _ in events:
                pass

    def _not_a_stream(self, response: httpx.Response, content_type: str) -> UpstreamError:
        """A 200 that is not SSE: a wrong base URL (an HTML page) or an error sent as JSON."""
        raw = self._read_raw(response)
        try:
            detail = parse_error_body(json.loads(raw)).message
        except ValueError:
            detail = raw.decode("utf-8", "replace")
        text = f"{self.provider} did not answer with an event stream ({content_type or 'no content type'})"
        return UpstreamError(_tidy(f"{text}: {detail}" if detail else text, self.secret),
                             response.status_code)

    def get_json(self, url: str, params: dict[str, str | int] | None = None) -> Any:
        with self._transport_errors(url):
            response = self._send(http_client(self.guarded).build_request(
                "GET", url, params=params, headers=self.headers, timeout=request_timeout()))
            if response.status_code >= 400:
                raise self.error_from_response(response, response.content[:_MAX_ERROR_BODY])
            try:
                return response.json()
            except ValueError as exc:
                raise UpstreamError(f"{self.provider} sent a model list that is not JSON",
                                    response.status_code) from exc

    def parse_data(self, event: ServerSentEvent) -> Any:
        try:
            return json.loads(event.data)
        except ValueError as exc:
            raise UpstreamError(f"{self.provider} sent an unreadable event: "
                                f"{_tidy(event.data[:200], self.secret)}") from exc


# ---- message parts shared by the dialects that are not OpenAI's ----------------------------------

_DATA_URI = re.compile(r"^data:(?P<mime>[\w.+-]+/[\w.+-]+)(?:;[^,]*)?;base64,(?P<data>.*)$", re.S)


@dataclass(frozen=True)
class TextPart:
    text: str


@dataclass(frozen=True)
class ImagePart:
    url: str                       # the original URL (a data URI or http(s))
    mime: str | None = None        # set when `url` is a base64 data URI
    data: str | None = None        # its base64 payload


def content_parts(content: Any) -> list[TextPart | ImagePart]:
    """An OpenAI-style `content` (a string or a list of parts) as text and image parts."""
    if isinstance(content, str):
        return [TextPart(content)] if content else []
    parts: list[TextPart | ImagePart] = []
    for part in content if isinstance(content, list) else []:
        if not isinstance(part, dict):
            continue
        if part.get("type") == "text" and isinstance(part.get("text"), str) and part["text"]:
            parts.append(TextPart(part["text"]))
        elif part.get("type") == "image_url":
            image = part.get("image_url")
            url = image.get("url") if isinstance(image, dict) else image
            if isinstance(url, str) and url:
                match = _DATA_URI.match(url)
                parts.append(ImagePart(url, match["mime"], match["data"]) if match else ImagePart(url))
    return parts


def text_of(content: Any) -> str:
    return "\n".join(p.text for p in content_parts(content) if isinstance(p, TextPart))
