"""moto for tests: fake credentials, fresh lazy clients, and the stack's own buckets and tables."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

FAKE_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1"}


@contextmanager
def mocked_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Inside: every `lambdachat.storage.aws.client(...)` talks to moto, resources created."""
    from lambdachat.storage import aws
    from lambdachat.storage.resources import create_all
    from moto import mock_aws

    for name, value in FAKE_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    aws.client.cache_clear()
    with mock_aws():
        create_all(aws.client("s3"), aws.client("dynamodb"))
        yield aws.client
    aws.client.cache_clear()


@contextmanager
def moto_server() -> Iterator[str]:
    """A moto server on loopback that a test and a `lambdachat serve` subprocess can share."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def keys_mode_env(monkeypatch: pytest.MonkeyPatch, endpoint: str, *names: str) -> tuple[dict[str, str],
                                                                                       dict[str, str]]:
    """Resources and access keys made on `endpoint`; the env a keys-mode server needs to use them."""
    from lambdachat.accesskeys.keys import create_key
    from lambdachat.accesskeys.store import DynamoKeyStore
    from lambdachat.config import reload_settings
    from lambdachat.storage import aws
    from lambdachat.storage.resources import create_all

    env = {**FAKE_ENV, "AWS_ENDPOINT_URL": endpoint, "LAMBDACHAT_AUTH": "keys"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    reload_settings()   # the endpoint is a setting
    aws.client.cache_clear()
    try:
        create_all(aws.client("s3"), aws.client("dynamodb"))
        keys = {name: create_key(DynamoKeyStore(), name) for name in names}
    finally:
        aws.client.cache_clear()
    return env, keys


@contextmanager
def linearizable_dynamodb(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto checks a ConditionExpression and then writes without a lock, so two threads can both
    pass the check; real DynamoDB applies each conditional write atomically. Concurrency tests
    need DynamoDB's guarantee (in-process moto and a moto server in this process alike)."""
    import functools
    import threading

    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.RLock()
    for name in ("put_item", "update_item", "delete_item", "transact_write_items"):
        original = getattr(DynamoDBBackend, name)

        def serialized(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with lock:
                return _original(*args, **kwargs)

        monkeypatch.setattr(DynamoDBBackend, name, functools.wraps(original)(serialized))
    yield
