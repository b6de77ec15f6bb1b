"""Server settings, read once from the environment.

Every knob is an environment variable so the same code runs in Lambda (set by
serverless.yml) and locally (set by `lambdachat serve`). Nothing here imports boto3.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    try:
        return int(raw) if raw else default
    except ValueError as exc:
        raise RuntimeError(f"{name} must be an integer, got {raw!r}") from exc


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        return float(raw) if raw else default
    except ValueError as exc:
        raise RuntimeError(f"{name} must be a number, got {raw!r}") from exc


@dataclass(frozen=True)
class Settings:
    auth_mode: str = "none"                      # none | keys
    mode: str = "cloud"                          # cloud | local (limits and defaults differ)
    stage: str = "dev"
    files_bucket: str = "lambdachat-files"
    table: str = "lambdachat"
    aws_endpoint_url: str | None = None          # the embedded moto server locally
    release_feed: str | None = None              # JSON feed with the latest version; None = offline
    parameter_prefix: str | None = None          # SSM prefix for provider keys, e.g. /lambdachat/dev
    connect_timeout: float = 10.0
    stream_timeout: float = 120.0                # idle time allowed between two upstream chunks
    max_request_bytes: int = 5 * 1024 * 1024
    local_threads: int = field(default_factory=lambda: max(1, (os.cpu_count() or 2) - 1))
    local_ctx: int = 4096
    local_max_tokens: int = 512
    model_list_cache_seconds: int = 60           # models/<provider> fetched with server credentials


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    mode = os.environ.get("LAMBDACHAT_MODE", "cloud").strip().lower() or "cloud"
    default_body = 100 if mode == "local" else 5
    settings = Settings(
        auth_mode=os.environ.get("LAMBDACHAT_AUTH", "none").strip().lower() or "none",
        mode=mode,
        stage=os.environ.get("LAMBDACHAT_STAGE", "dev"),
        files_bucket=os.environ.get("LAMBDACHAT_FILES_BUCKET", "lambdachat-files"),
        table=os.environ.get("LAMBDACHAT_TABLE", "lambdachat"),
        aws_endpoint_url=os.environ.get("AWS_ENDPOINT_URL") or None,
        release_feed=os.environ.get("LAMBDACHAT_RELEASE_FEED") or None,
        parameter_prefix=os.environ.get("LAMBDACHAT_PARAMETER_PREFIX") or None,
        connect_timeout=env_float("LAMBDACHAT_CONNECT_TIMEOUT", 10.0),
        stream_timeout=env_float("LAMBDACHAT_STREAM_TIMEOUT", 120.0),
        max_request_bytes=env_int("LAMBDACHAT_MAX_REQUEST_MB", default_body) * 1024 * 1024,
        local_threads=env_int("LAMBDACHAT_LOCAL_THREADS", max(1, (os.cpu_count() or 2) - 1)),
        local_ctx=env_int("LAMBDACHAT_LOCAL_CTX", 4096),
        local_max_tokens=env_int("LAMBDACHAT_LOCAL_MAX_TOKENS", 512),
        model_list_cache_seconds=env_int("LAMBDACHAT_MODEL_CACHE_SECONDS", 60),
    )
    if settings.auth_mode not in {"none", "keys"}:
        raise RuntimeError(f"LAMBDACHAT_AUTH must be 'none' or 'keys', got {settings.auth_mode!r}")
    return settings
