"""Test-wide guards: no test reaches beyond this machine, and settings never leak between tests."""

from __future__ import annotations

import io
import ipaddress
import socket
from collections.abc import Iterator

import pytest

_real_connect = socket.socket.connect
_real_getaddrinfo = socket.getaddrinfo


def _is_local(address: object) -> bool:
    if isinstance(address, tuple) and address:
        host = str(address[0])
        if host in {"localhost", ""}:
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False
    return isinstance(address, str | bytes)  # unix sockets


def _guarded_connect(self: socket.socket, address: object) -> None:
    if not _is_local(address):
        raise RuntimeError(f"tests may not reach the network: {address!r}")
    _real_connect(self, address)  # type: ignore[arg-type]


@pytest.fixture(autouse=True, scope="session")
def _block_network() -> Iterator[None]:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    yield
    socket.socket.connect = _real_connect  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _fresh_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts from a server configured with no provider keys and default settings."""
    import os

    from lambdachat.config import get_settings
    from lambdachat.providers import model_lists

    for name in list(os.environ):
        if name.endswith(("_API_KEY", "_BASE_URL")) or name.startswith("LAMBDACHAT_"):
            monkeypatch.delenv(name, raising=False)
    # Rate limits need DynamoDB; only the tests about them (tests/integration/test_limits*) turn them on.
    monkeypatch.setenv("LAMBDACHAT_RATE_LIMITS", "off")
    get_settings.cache_clear()
    model_lists.clear()   # lists kept from one test's fake upstream must not answer the next
    yield
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def _uploaded_credentials_in_memory() -> Iterator[None]:
    """A principal's uploaded provider keys live in S3; tests that want S3 swap it back in."""
    from lambdachat.credentials.store import InMemoryUploadStore
    from lambdachat.credentials.uploads import use_store

    use_store(InMemoryUploadStore())
    yield
    use_store(None)


@pytest.fixture(autouse=True)
def _usage_in_memory() -> Iterator[None]:
    """Usage the conversation route records goes to memory, quietly, and never outlives its test."""
    from lambdachat.usage import recorder
    from lambdachat.usage.service import UsageService, use_service
    from lambdachat.usage.store import InMemoryUsageStore

    use_service(UsageService(InMemoryUsageStore(), emit=lambda record: None))
    yield
    recorder.drain()
    use_service(None)


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """What the app's log handler writes, as a log shipper reads it (the handler holds the
    stdout of import time, so capsys would miss it)."""
    from lambdachat.observability import logger

    stream = io.StringIO()
    previous = logger.registered_handler.setStream(stream)
    yield stream
    logger.registered_handler.setStream(previous)
