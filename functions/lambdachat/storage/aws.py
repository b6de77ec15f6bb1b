"""Lazy boto3 clients. boto3 is imported on first use, never at module import, so a handler
that touches no AWS does not pay for it on a cold start."""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

from lambdachat.config import get_settings

_lock = threading.Lock()


@lru_cache(maxsize=None)
def client(service: str) -> Any:
    with _lock:  # boto3's default session is not safe to build clients from concurrently
        import boto3
        from botocore.config import Config

        settings = get_settings()
        config = Config(retries={"mode": "standard", "max_attempts": 4},
                        s3={"addressing_style": "path"} if settings.aws_endpoint_url else None)
        return boto3.client(service, endpoint_url=settings.aws_endpoint_url, config=config)
