"""The tests' one door into the composition root: apps built on `Services` with test adapters.

`create_app(["files"])` here is `lambdachat.web.app.create_app` with the named route groups and
a fresh `Services`, as a new process would have: settings read from the environment as the test
set it, uploaded keys and usage in memory (unless a test puts others in), and whatever the test
asked for with `override(...)` (fake providers, a header authenticator, a store that fails).
Nothing in the package is patched.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Flask
from lambdachat.config import Settings, reload_settings
from lambdachat.credentials.store import InMemoryUploadStore
from lambdachat.usage.service import UsageService
from lambdachat.usage.store import InMemoryUsageStore
from lambdachat.web import app as app_module
from lambdachat.web.context import services as _current
from lambdachat.web.routes import blueprints
from lambdachat.wiring import Services

_overrides: dict[str, Any] = {}   # this test's; emptied by tests/conftest.py before each test
_real: set[str] = set()           # test defaults this test does without (the real adapter, on moto)
_handlers: dict[str, Any] = {}    # this test's Lambda handlers, one per function, like warm containers
_generation = 0                   # bumped by every override()


def override(**adapters: Any) -> None:
    """Apps created from now on in this test get these instead of the real adapters (and Lambda
    handlers are made afresh: a redeploy)."""
    global _generation
    _overrides.update(adapters)
    _handlers.clear()
    _generation += 1


def use_real(*names: str) -> None:
    """Apps created from now on use the real adapter (S3/DynamoDB, on moto) for these."""
    _real.update(names)


def reset() -> None:
    _overrides.clear()
    _real.clear()
    _handlers.clear()


def test_services(settings: Settings | None = None, **adapters: Any) -> Services:
    defaults: dict[str, Any] = {
        "upload_store": InMemoryUploadStore(),
        "usage": UsageService(InMemoryUsageStore(), emit=lambda record: None),
    }
    settings = settings or reload_settings()
    chosen = {**{k: v for k, v in defaults.items() if k not in _real}, **_overrides, **adapters}
    if callable(chosen.get("providers")):   # built on these settings (tests/fakes/providers.install)
        chosen["providers"] = chosen["providers"](settings)
    return Services(settings, **chosen)


test_services.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test: pytest must not collect it


def create_app(groups: Iterable[str] | None = None, services: Services | None = None, **adapters: Any) -> Flask:
    chosen = blueprints(*groups) if groups is not None else None
    return app_module.create_app(chosen, services or test_services(**adapters))


def lambda_handler(function: str) -> Any:
    """`functions/<function>.py`'s handler as Lambda runs it, on this test's adapters (built on the
    first call in a test, then kept, as a warm container keeps its app)."""
    from lambdachat.web.lambda_entry import handler_of

    if function not in _handlers:
        _handlers[function] = handler_of(create_app([function]))
    return _handlers[function]


def services_of(app: Flask) -> Services:
    with app.app_context():
        return _current()


def create_local_app(services: Services | None = None) -> Flask:
    """What `lambdachat serve` runs (every group and the page), on the test adapters."""
    from lambdachat.server import create_local_app as local_app

    return local_app(services or test_services())


class LazyClient:
    """A test client whose app is made on the test's first request, so that whatever the test set
    up first (fake providers, variables) is what the app is built with, as for a process started
    after its configuration; a later `override()` (other fakes) makes it start a new one."""

    def __init__(self, groups: Iterable[str] | None = None) -> None:
        self._groups = list(groups) if groups is not None else None
        self._client: Any = None
        self._built_at = -1

    def __getattr__(self, name: str) -> Any:
        if self._client is None or self._built_at != _generation:
            self._client = create_app(self._groups).test_client()
            self._built_at = _generation
        return getattr(self._client, name)
