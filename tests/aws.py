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
