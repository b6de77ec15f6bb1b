"""Lazy boto3 clients. boto3 is imported on first use, never at module import, so a handler
that touches no AWS does not pay for it on a cold start."""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

from lambdachat.config import get_settings

_lock = threading.Lock()


@cache
def client(service: str) -> Any:
    with _lock:  # boto3's default session is not safe to build clients from concurrently
        import boto3
        from botocore.config import Config

        settings = get_settings()
        # S3 gets s3v4 explicitly: botocore still presigns with SigV2 by default, which S3 refuses
        # for buckets made after June 2020 (presigned media GETs and upload POSTs would be 403s).
        config = Config(retries={"mode": "standard", "max_attempts": 4},
                        signature_version="s3v4" if service == "s3" else None,
                        s3={"addressing_style": "path"} if settings.aws_endpoint_url else None)
        return boto3.client(service, endpoint_url=settings.aws_endpoint_url, config=config)  # type: ignore[call-overload]
