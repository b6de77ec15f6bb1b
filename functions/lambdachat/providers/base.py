"""The one small interface every provider implements, and the events it yields.

A provider turns a `ChatRequest` into an iterator of `ProviderEvent`s. It knows nothing of
HTTP routes or wire framing: `lambdachat.chat` maps these events onto the g4f stream. Closing
the iterator (a client that went away) must stop the upstream work, so adapters hold their
upstream connection inside the generator's `with` block.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lambdachat.providers.context import DEFAULT_ANSWER_TOKENS, KNOWN_WINDOWS, estimate_tokens


@dataclass(frozen=True)
class Credentials:
    """What a request may use to reach one provider: a key and/or a base URL."""

    api_key: str | None = None
    base_url: str | None = None
    client_base_url: bool = False  # base_url came from the request: connect through lambdachat.netguard

    def __repr__(self) -> str:  # never let a key reach a log line through repr()
        return f"Credentials(api_key={'***' if self.api_key else None}, base_url={self.base_url!r})"


@dataclass(frozen=True)
class ModelInfo:
    id: str
    default: bool = False
    vision: bool = False
    image: bool = False
    task: str | None = None

    def as_provider_model(self, count: int | None = None) -> dict[str, Any]:
        """A `GET models/<provider>` item: V1's fields and g4f 8.8's (`id`, `label`, …: the 2026
        page shows `label` and sends `id`). `count`: how many providers serve it (automatic choice)."""
        return {"model": self.id, "id": self.id, "label": self.id, "default": self.default,
                "vision": self.vision, "image": self.image, "audio": False, "video": False,
                "count": count if count is not None else False, "tags": [], "task": self.task}


@dataclass
class ChatRequest:
    model: str
    messages: list[dict[str, Any]]
    credentials: Credentials = field(default_factory=Credentials)
    params: dict[str, Any] = field(default_factory=dict)
    conversation: dict[str, Any] | None = None


# ---- events a provider yields -------------------------------------------------------------

@dataclass(frozen=True)
class Content:
    text: str


@dataclass(frozen=True)
class Reasoning:
    token: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class Finish:
    reason: str


@dataclass(frozen=True)
class ConversationState:
    """Provider state the client stores and sends back as `conversation` next turn."""

    data: dict[str, Any]


@dataclass(frozen=True)
class Media:
    """Generated media (an image a provider made): URLs plus alt text."""

    urls: tuple[str, ...]
    alt: str = ""


@dataclass(frozen=True)
class Notice:
    """A non-fatal problem worth telling the user (the `message` event)."""

    kind: str
    text: str


@dataclass(frozen=True)
class Log:
    text: str


ProviderEvent = Content | Reasoning | Usage | Finish | ConversationState | Media | Notice | Log


# ---- errors a provider raises ---------------------------------------------------------------

class ProviderError(Exception):
    """Fatal for this answer. The class name is the `error` field clients see (g4f style)."""


class MissingAuthError(ProviderError):
    """No key, or the upstream refused it (401/403): the client shows an `auth` event."""


class RateLimitError(ProviderError):
    pass


class ModelNotFoundError(ProviderError):
    pass


class UpstreamError(ProviderError):
    """The upstream answered with an error status or a body we cannot read."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class UpstreamTimeout(ProviderError):
    pass


class UpstreamDisconnected(ProviderError):
    """The upstream closed the connection before it finished the answer."""


# ---- the interface ----------------------------------------------------------------------------

class Provider(ABC):
    name: str = ""
    label: str = ""
    url: str | None = None
    login_url: str | None = None
    needs_auth: bool = True
    vision: bool = False
    image: bool = False
    # False for a provider that takes no key at all (the embedded model): then no key source is
    # consulted, which spares every chat with it the principal's uploaded-keys lookup in S3.
    uses_keys: bool = True
    # True when the built-in base URL is a server on this machine (Ollama, LM Studio). In the
    # cloud "this machine" is the function itself, so there such a provider exists only once the
    # operator configures a base URL for it (lambdachat.providers.registry).
    machine_local: bool = False
    # Whether a trailing assistant message is continued natively (prefill); if not, the
    # `continue` action asks the model to carry on in a new user turn.
    supports_prefill: bool = False

    def is_configured(self, creds: Credentials) -> bool:
        """True when the server config alone lets this provider answer (used for auto choice)."""
        return bool(creds.api_key) if self.needs_auth else True

    @abstractmethod
    def default_model(self) -> str: ...

    def known_models(self) -> list[ModelInfo]:
        """Models listed without a network call (the `/models` overview)."""
        return [ModelInfo(self.default_model(), default=True, vision=self.vision)]

    @abstractmethod
    def list_models(self, creds: Credentials) -> list[ModelInfo]:
        """The live model list (`/models/<provider>`); raises MissingAuthError when refused."""

    @abstractmethod
    def stream_chat(self, request: ChatRequest) -> Iterator[ProviderEvent]: ...

    def context_window(self, model: str) -> int | None:
        """Tokens one request to `model` may hold, prompt and answer together; None when unknown
        (then the history goes as the client sent it)."""
        return KNOWN_WINDOWS.get(model)

    def answer_tokens(self, params: dict[str, Any]) -> int:
        """Tokens the answer may take, which a fitted prompt leaves room for."""
        asked = params.get("max_tokens")
        return asked if isinstance(asked, int) and asked > 0 else DEFAULT_ANSWER_TOKENS

    def count_tokens(self, messages: list[dict[str, Any]]) -> int:
        """Prompt tokens of these messages: an upper estimate, unless the provider knows its tokenizer."""
        return estimate_tokens(messages)

    def describe(self, active: bool = False) -> dict[str, Any]:
        """A `GET providers` item: V1's fields and g4f 8.8's. `active`: usable as the server is
        configured (the 2026 page enables it, and shows its key field, only then)."""
        return {"name": self.name, "label": self.label or self.name, "parent": None,
                "image": self.image, "audio": 0, "video": 0, "vision": self.vision, "nodriver": False,
                "hf_space": False, "active_by_default": active, "auth": self.needs_auth,
                "login_url": self.login_url, "live": 0, "login": False}
