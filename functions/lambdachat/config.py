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


def env_list(name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    """A comma or space separated list; unset or blank gives `default`."""
    raw = os.environ.get(name, "")
    return tuple(item for item in raw.replace(",", " ").split()) or default


# The names a local server answers to (any port). A DNS-rebinding page reaches 127.0.0.1 under its
# own name, so any other Host is refused; `LAMBDACHAT_ALLOWED_HOSTS` adds a LAN name or the origins'.
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")


def default_hosts(mode: str) -> tuple[str, ...]:
    """In the cloud a function sees its origin's AWS name as Host, never the site's: CloudFront's
    AllViewerExceptHostHeader policy sends the origin's own (an HTTP API or Function URL refuses
    any other), so the default is those names in the function's region."""
    if mode != "cloud":
        return LOOPBACK_HOSTS
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if not region:  # Lambda always sets it; a cloud-mode run elsewhere gets any AWS origin name
        return (*LOOPBACK_HOSTS, "*.amazonaws.com", "*.on.aws")
    return (*LOOPBACK_HOSTS, f"*.execute-api.{region}.amazonaws.com", f"*.lambda-url.{region}.on.aws")


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
    # Host names served (`name`, `name:port`, `*.suffix`, or `*` for any): others get a 400.
    allowed_hosts: tuple[str, ...] = LOOPBACK_HOSTS
    # Set in the cloud: CloudFront adds this value as an origin header, and a request without it
    # (someone calling the HTTP API or a Function URL directly) is refused.
    origin_secret: str | None = None
    # The one header the trusted proxy sets to the viewer's address (CloudFront-Viewer-Address);
    # None: the socket peer (locally, or REMOTE_ADDR from the Lambda event).
    client_ip_header: str | None = None


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
        allowed_hosts=env_list("LAMBDACHAT_ALLOWED_HOSTS", default_hosts(mode)),
        origin_secret=os.environ.get("LAMBDACHAT_ORIGIN_SECRET") or None,
        client_ip_header=os.environ.get("LAMBDACHAT_CLIENT_IP_HEADER", "").strip() or None,
    )
    if os.environ.get("LAMBDACHAT_TRUSTED_PROXY_HOPS"):
        # Counting X-Forwarded-For hops let a caller pick its rate-limit bucket (issue 11 #6).
        raise RuntimeError("LAMBDACHAT_TRUSTED_PROXY_HOPS is gone: set LAMBDACHAT_CLIENT_IP_HEADER to the "
                           "one header your proxy sets (CloudFront-Viewer-Address behind CloudFront)")
    if settings.auth_mode not in {"none", "keys"}:
        raise RuntimeError(f"LAMBDACHAT_AUTH must be 'none' or 'keys', got {settings.auth_mode!r}")
    return settings
