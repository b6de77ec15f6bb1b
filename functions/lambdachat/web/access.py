"""Route markers read by the app factory."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def public(view: F) -> F:
    """Mark a view as reachable without an access key (contract: Identity)."""
    view.public = True  # type: ignore[attr-defined]
    return view
