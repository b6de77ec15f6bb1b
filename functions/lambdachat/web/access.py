"""Route markers read by the app factory."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def public(view: F) -> F:
    """Mark a view as reachable without an access key (contract: Identity)."""
    view.public = True  # type: ignore[attr-defined]
    return view


def auth_event(view: F) -> F:
    """Mark a streamed view whose clients read only the stream's lines (the V1 page ignores the
    status): a refused identity then answers a body that is both the JSON error and an `auth` event."""
    view.auth_event = True  # type: ignore[attr-defined]
    return view
