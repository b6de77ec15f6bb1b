"""Every knob of the server, read once from the environment into one typed `Settings`.

This is the only module that reads configuration from the environment (a test holds the rest of
the package to that). Each field names its variable, its README section and what it does, so
the README's configuration tables are generated from here (`python -m lambdachat.config`) and
a test fails when they drift. Nothing here imports boto3.

`get_settings()` is the process's settings, read on first use; the composition root
(`lambdachat.wiring.Services`) is built from it and hands it to every service. Tests build
`Settings` directly, or set variables and call `reload_settings()`.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from functools import lru_cache
from typing import Any

from lambdachat.flags import flag_value

KB = 1024
MB = 1024 * 1024
DAY = 86_400

CORE = "Server"
LIMITS = "Limits"
EDGE = "Rate limits, outbound fetches, CORS"


def _knob(env: str, default: Any, section: str, doc: str, shown: str | None = None, *, secret: bool = False) -> Any:
    """A settings field: `shown` is the default as the README states it (when the raw one is unclear);
    a secret never shows in a repr (or a log line of one)."""
    return field(default=default, repr=not secret,
                 metadata={"env": env, "section": section, "doc": doc, "shown": shown})


def _local_threads() -> int:
    return max(1, (os.cpu_count() or 2) - 1)


# The names a local server answers to (any port). A DNS-rebinding page reaches 127.0.0.1 under its
# own name, so any other Host is refused; `LAMBDACHAT_ALLOWED_HOSTS` adds a LAN name.
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")


@dataclass(frozen=True)
class Settings:
    # --- the server ---------------------------------------------------------------------------
    auth_mode: str = _knob("LAMBDACHAT_AUTH", "none", CORE,
                           "`none`: every caller is the principal `local`; `keys`: Bearer access keys")
    mode: str = _knob("LAMBDACHAT_MODE", "cloud", CORE,
                      "`cloud` or `local` (`lambdachat serve` sets it): limits and defaults differ")
    stage: str = _knob("LAMBDACHAT_STAGE", "dev", CORE, "deployment stage, in logs and metrics")
    files_bucket: str = _knob("LAMBDACHAT_FILES_BUCKET", "lambdachat-files", CORE,
                              "S3 bucket of buckets, media, shares' bodies and uploaded keys")
    table: str = _knob("LAMBDACHAT_TABLE", "lambdachat", CORE, "DynamoDB table of every record")
    aws_endpoint_url: str | None = _knob("AWS_ENDPOINT_URL", None, CORE,
                                         "S3/DynamoDB endpoint (the embedded store locally)", "AWS's")
    embedded_aws: bool | None = _knob("LAMBDACHAT_EMBEDDED_AWS", None, CORE,
                                      "`lambdachat serve` starts its embedded S3/DynamoDB store", "on")
    local_store: str = _knob("LAMBDACHAT_LOCAL_STORE", "durable", CORE,
                             "`durable`: `lambdachat serve` runs its S3/DynamoDB store in its own process and "
                             "keeps every write in `LAMBDACHAT_DATA_DIR`; `memory`: moto inside the serving "
                             "process, nothing kept (demos, benchmarks)", "`durable`")
    data_dir: str | None = _knob("LAMBDACHAT_DATA_DIR", None, CORE,
                                 "the one directory where the local server keeps every file and record "
                                 "(printed at start)", "`$XDG_DATA_HOME/lambdachat` (`~/.local/share/lambdachat`)")
    release_feed: str | None = _knob("LAMBDACHAT_RELEASE_FEED", None, CORE,
                                     "JSON feed with the latest version for `/version`", "offline")
    parameter_prefix: str | None = _knob("LAMBDACHAT_PARAMETER_PREFIX", None, CORE,
                                         "SSM prefix of provider keys (`<prefix>/providers/<name>/api_key`)",
                                         "none")
    connect_timeout: float = _knob("LAMBDACHAT_CONNECT_TIMEOUT", 10.0, CORE,
                                   "seconds to connect to a provider", "10 s")
    stream_timeout: float = _knob("LAMBDACHAT_STREAM_TIMEOUT", 120.0, CORE,
                                  "idle seconds allowed between two upstream chunks", "120 s")
    max_form_parts: int = _knob("LAMBDACHAT_MAX_FORM_PARTS", 1000, LIMITS,
                                "parts (files and fields together) of one multipart body (413)")
    max_request_mb: int | None = _knob("LAMBDACHAT_MAX_REQUEST_MB", None, LIMITS,
                                       "request body (413, nothing stored)", "5 MB in cloud mode, 100 MB locally")
    host: str = _knob("HOST", "127.0.0.1", CORE, "address `lambdachat serve` listens on")
    port: int = _knob("PORT", 8080, CORE, "port of `lambdachat serve` (and of gunicorn under the Web Adapter)")
    threads: int = _knob("LAMBDACHAT_THREADS", 128, CORE,
                         "gunicorn threads of `lambdachat serve`: concurrent requests, each open stream holds one")
    header_timeout: float = _knob("LAMBDACHAT_HEADER_TIMEOUT", 10.0, CORE,
                                  "seconds a client has to send its whole request head (else 408); heads are "
                                  "read by gunicorn's main loop, not a thread", "10 s")
    client_idle_timeout: float = _knob("LAMBDACHAT_CLIENT_IDLE_TIMEOUT", 30.0, CORE,
                                       "a response the client takes no byte of for this long is aborted and its "
                                       "generation stopped (0 = never)", "30 s")
    max_connections_per_client: int | None = _knob(
        "LAMBDACHAT_MAX_CONNECTIONS_PER_CLIENT", None, CORE,
        "open connections per client address, beyond them 429 (0 = no bound); in the cloud the only peer is "
        "the Web Adapter", "32 locally, 0 in cloud mode")
    close_drain_seconds: float = _knob("LAMBDACHAT_CLOSE_DRAIN_SECONDS", 30.0, CORE,
                                       "a connection closed with request bytes still coming (a 413 answered "
                                       "from Content-Length) reads and discards them this long at most before "
                                       "it closes, so a client that sends its whole body before reading sees "
                                       "the answer; in gunicorn's main loop, not a thread", "30 s")
    close_drain_mb: int | None = _knob("LAMBDACHAT_CLOSE_DRAIN_MB", None, CORE,
                                       "bytes such a connection discards at most", "twice the request body limit")
    web_dir: str | None = _knob("LAMBDACHAT_WEB_DIR", None, CORE, "the built SPA the local server serves",
                                "`web/dist`")
    warm_model: bool = _knob("LAMBDACHAT_WARM_MODEL", True, CORE,
                             "load the embedded model when the local server starts", "on")
    local_threads: int = _knob("LAMBDACHAT_LOCAL_THREADS", 0, CORE, "CPU threads of the embedded model",
                               "cores - 1")
    local_ctx: int = _knob("LAMBDACHAT_LOCAL_CTX", 4096, CORE,
                           "context tokens of the embedded model, split between its two parallel chats: "
                           "one chat's window is half (2048 tokens, the answer included)")
    local_max_tokens: int = _knob("LAMBDACHAT_LOCAL_MAX_TOKENS", 512, CORE,
                                  "answer tokens of the embedded model when the client names none")
    tts_default: str | None = _knob("LAMBDACHAT_TTS_DEFAULT", None, CORE, "speech engine when none is named",
                                    "`Local` (piper) when installed, else `espeak`")
    media_serve: str = _knob("LAMBDACHAT_MEDIA_SERVE", "auto", CORE,
                             "`auto` (stream up to the limit below, else redirect), `stream` or `presign` "
                             "(always a presigned S3 GET)", "`auto`")
    metrics_namespace: str | None = _knob("POWERTOOLS_METRICS_NAMESPACE", None, CORE,
                                          "CloudWatch namespace of usage metrics", "`lambdachat`")
    model_list_cache_seconds: int = _knob("LAMBDACHAT_MODEL_CACHE_SECONDS", 60, CORE,
                                          "how long a provider's model list fetched with the server's own key is "
                                          "kept and shared (a list fetched with a client's key never is)", "60 s")
    key_cache_seconds: int = _knob("LAMBDACHAT_KEY_CACHE_SECONDS", 10, CORE,
                                   "how long an access key lookup is trusted (a revoked key stops within it)", "10 s")
    session_days: int = _knob("LAMBDACHAT_SESSION_DAYS", 30, CORE,
                              "lifetime of a sign-in session cookie (keys mode, `/backend-api/v2/signin`); "
                              "revoking its key ends it within the key cache time", "30 days")
    demo: bool = _knob("LAMBDACHAT_DEMO", False, CORE,
                       "a public demo: `/models` is the demo list (`\"demo\": true`), a conversation without a "
                       "provider picks from it, per-visitor rate limits always on, no credential uploads (403)",
                       "off")
    demo_models: str = _knob("LAMBDACHAT_DEMO_MODELS", "Local:SmolLM2-135M-Instruct", CORE,
                             "the demo list: comma-separated `Provider:model` (a model under several providers "
                             "is picked among them at random)", "`Local:SmolLM2-135M-Instruct`")
    # --- limits -------------------------------------------------------------------------------
    bucket_max_files: int = _knob("LAMBDACHAT_BUCKET_MAX_FILES", 100, LIMITS, "files per bucket")
    upload_max_mb: int = _knob("LAMBDACHAT_UPLOAD_MAX_MB", 100, LIMITS, "one presigned upload", "100 MB")
    upload_url_seconds: int = _knob("LAMBDACHAT_UPLOAD_URL_SECONDS", 900, LIMITS,
                                    "lifetime of a presigned upload", "900 s")
    zip_max_members: int = _knob("LAMBDACHAT_ZIP_MAX_MEMBERS", 1000, LIMITS,
                                 "members of one archive (zip, docx, xlsx, pptx, odt, epub), nesting included (413)")
    zip_max_unpacked_mb: int = _knob("LAMBDACHAT_ZIP_MAX_UNPACKED_MB", 200, LIMITS,
                                     "unpacked bytes of one archive, nesting included (413)", "200 MB")
    zip_max_depth: int = _knob("LAMBDACHAT_ZIP_MAX_DEPTH", 3, LIMITS, "archives inside archives (413)")
    document_xml_max_mb: int = _knob("LAMBDACHAT_DOCUMENT_XML_MAX_MB", 16, LIMITS,
                                     "XML a document reader must parse whole (xlsx shared strings and styles; "
                                     "docx, pptx, odt, epub and html are streamed) (413)", "16 MB")
    text_max_mb: int = _knob("LAMBDACHAT_TEXT_MAX_MB", 20, LIMITS,
                             "text kept per document (cut with a visible marker)", "20 MB")
    share_max_bytes: int = _knob("LAMBDACHAT_SHARE_MAX_BYTES", 5 * MB, LIMITS, "one shared chat", "5 MB")
    share_inline_max_bytes: int = _knob("LAMBDACHAT_SHARE_INLINE_MAX_BYTES", 32 * KB, LIMITS,
                                        "shared chat kept in its DynamoDB item (larger bodies live in S3)", "32 KB")
    share_default_expires: int = _knob("LAMBDACHAT_SHARE_DEFAULT_EXPIRES", 30 * DAY, LIMITS,
                                       "share expiry when the client names none", "30 days")
    share_max_expires: int = _knob("LAMBDACHAT_SHARE_MAX_EXPIRES", 365 * DAY, LIMITS,
                                   "longest share expiry (or `never`)", "365 days")
    memory_body_bytes: int = _knob("LAMBDACHAT_MEMORY_BODY_BYTES", 5 * MB, LIMITS,
                                   "one memory POST (V1 posts whole conversations)", "5 MB")
    memory_item_bytes: int = _knob("LAMBDACHAT_MEMORY_ITEM_BYTES", 8 * KB, LIMITS, "one memory", "8 KB")
    memory_max_items: int = _knob("LAMBDACHAT_MEMORY_MAX_ITEMS", 500, LIMITS, "memories per POST")
    memory_max_per_user: int = _knob("LAMBDACHAT_MEMORY_MAX_PER_USER", 20_000, LIMITS, "memories per user")
    memory_cache_users: int = _knob("LAMBDACHAT_MEMORY_CACHE_USERS", 32, LIMITS,
                                    "users whose memory snapshot a warm process keeps")
    memory_cache_docs: int = _knob("LAMBDACHAT_MEMORY_CACHE_DOCS", 100_000, LIMITS,
                                   "memories those snapshots hold in all")
    usage_body_bytes: int = _knob("LAMBDACHAT_USAGE_BODY_BYTES", 4 * KB, LIMITS, "one usage POST", "4 KB")
    usage_retention_days: int = _knob("LAMBDACHAT_USAGE_RETENTION_DAYS", 400, LIMITS, "usage records kept")
    usage_day_max: int = _knob("LAMBDACHAT_USAGE_DAY_MAX", 10_000, LIMITS, "usage records per principal and day")
    log_body_bytes: int = _knob("LAMBDACHAT_LOG_BODY_BYTES", 16 * KB, LIMITS, "one client log line", "16 KB")
    upload_cookies_max_bytes: int = _knob("LAMBDACHAT_UPLOAD_COOKIES_MAX_BYTES", 5 * MB, LIMITS,
                                          "one upload_cookies file", "5 MB")
    upload_cookies_max_files: int = _knob("LAMBDACHAT_UPLOAD_COOKIES_MAX_FILES", 50, LIMITS,
                                          "upload_cookies files per principal")
    upload_cookies_max_extract_bytes: int = _knob("LAMBDACHAT_UPLOAD_COOKIES_MAX_EXTRACT_BYTES", MB, LIMITS,
                                                  "keys and cookies kept from one upload", "1 MB")
    uploaded_keys_cache_seconds: int = _knob("LAMBDACHAT_UPLOADED_KEYS_CACHE_SECONDS", 30, LIMITS,
                                             "how long a warm process reuses a principal's uploaded keys", "30 s")
    tts_max_chars: int = _knob("LAMBDACHAT_TTS_MAX_CHARS", 4096, LIMITS, "speech text", "4096 characters")
    media_fetch_max_mb: int = _knob("LAMBDACHAT_MEDIA_FETCH_MAX_MB", 20, LIMITS,
                                    "provider media copied into S3 (at most 3 redirects, no private addresses)",
                                    "20 MB")
    media_fetch_seconds: int = _knob("LAMBDACHAT_MEDIA_FETCH_SECONDS", 20, LIMITS,
                                     "one media copy, redirects included", "20 s")
    media_stream_max_mb: int | None = _knob("LAMBDACHAT_MEDIA_STREAM_MAX_MB", None, LIMITS,
                                            "media streamed through the function (larger: presigned redirect)",
                                            "4 MB in cloud mode, unlimited locally")
    media_url_seconds: int = _knob("LAMBDACHAT_MEDIA_URL_SECONDS", 300, LIMITS,
                                   "lifetime of a presigned media GET", "300 s")
    search_max_files: int = _knob("LAMBDACHAT_SEARCH_MAX_FILES", 5000, LIMITS,
                                  "generated files `/search` looks through")
    create_max_prompt_chars: int = _knob("LAMBDACHAT_CREATE_MAX_PROMPT_CHARS", 100_000, LIMITS,
                                         "`/create` prompt", "100,000 characters")
    create_cache_seconds: int = _knob("LAMBDACHAT_CREATE_CACHE_SECONDS", DAY, LIMITS,
                                      "how long a cached `/create` answer is reused", "1 day")
    # --- the edge -----------------------------------------------------------------------------
    rate_limits: bool | None = _knob("LAMBDACHAT_RATE_LIMITS", None, EDGE,
                                     "token buckets in DynamoDB; over the limit: 429 + `Retry-After` (and the "
                                     "HTML page V1 clients parse on the conversation route)",
                                     "on in cloud mode, off locally")
    client_ip_header: str | None = _knob(
        "LAMBDACHAT_CLIENT_IP_HEADER", None, EDGE,
        "the one header the trusted proxy sets to the viewer's address, for per-IP rate limits; a second copy "
        "or an alias spelling is a 400. The cloud stack sets `CloudFront-Viewer-Address`",
        "none: the socket peer (REMOTE_ADDR); X-Forwarded-For is never read")
    origin_secret: str | None = _knob(
        "LAMBDACHAT_ORIGIN_SECRET", None, EDGE,
        "set by the cloud stack: CloudFront sends it as `X-Lambdachat-Origin-Secret`, and a request without it "
        "(the HTTP API or a Function URL called directly) is refused with 403", "none", secret=True)
    allowed_hosts: str = _knob(
        "LAMBDACHAT_ALLOWED_HOSTS", "", EDGE,
        "Host names served (`name`, `name:port`, `*.suffix`, `*`; comma-separated), others get a 400 "
        "(DNS rebinding)", "`localhost`, `127.0.0.1`, `[::1]`; in the cloud also the region's HTTP API and "
        "Function URL names")
    aws_region: str | None = _knob("AWS_REGION", None, CORE, "the function's region (Lambda sets it)", "none")
    allow_private_upstreams: bool | None = _knob(
        "LAMBDACHAT_ALLOW_PRIVATE_UPSTREAMS", None, EDGE,
        "a client-given base URL or media URL may reach loopback, private, link-local, CGNAT, multicast, "
        "reserved or IPv4-embedding IPv6 addresses (checked after DNS, on every redirect, connecting to the "
        "checked address); the metadata address is refused always",
        "on locally (Ollama on 127.0.0.1), off in cloud mode")
    media_fetch_private: bool | None = _knob("LAMBDACHAT_MEDIA_FETCH_PRIVATE", None, EDGE,
                                             "older name of `LAMBDACHAT_ALLOW_PRIVATE_UPSTREAMS=1`", "off")
    upstream_allow_nets: str = _knob("LAMBDACHAT_UPSTREAM_ALLOW_NETS", "", EDGE,
                                     "extra CIDRs allowed in cloud mode (comma-separated)", "none")
    cors_origins: str = _knob("LAMBDACHAT_CORS_ORIGINS", "", EDGE,
                              "origins allowed to call cross-origin (comma-separated, exact)", "none")
    unavailable_retry_after: int = _knob("LAMBDACHAT_UNAVAILABLE_RETRY_AFTER", 2, EDGE,
                                         "`Retry-After` of the 503 when S3/DynamoDB stay throttled or down "
                                         "after botocore's retries", "2 s")
    search_engine: str = _knob("LAMBDACHAT_SEARCH_ENGINE", "duckduckgo", EDGE,
                               "engine of `web_search`: `duckduckgo` (no key, the `ddgs` package), `searxng` "
                               "(`SEARXNG_BASE_URL`), `brave` (`BRAVE_API_KEY`), `tavily` (`TAVILY_API_KEY`) or "
                               "`off`; result pages are fetched under the rules of "
                               "`LAMBDACHAT_ALLOW_PRIVATE_UPSTREAMS`",
                               "`duckduckgo`")
    search_results: int = _knob("LAMBDACHAT_SEARCH_RESULTS", 5, EDGE, "results one web search reads")
    search_words: int = _knob("LAMBDACHAT_SEARCH_WORDS", 2500, EDGE,
                              "words of web results put into one prompt (all pages together)", "2,500")
    search_page_words: int = _knob("LAMBDACHAT_SEARCH_PAGE_WORDS", 625, EDGE, "words taken from one result page")
    search_page_max_mb: int = _knob("LAMBDACHAT_SEARCH_PAGE_MAX_MB", 2, EDGE,
                                    "bytes read of one result page (the rest is not downloaded)", "2 MB")
    search_seconds: float = _knob("LAMBDACHAT_SEARCH_SECONDS", 10.0, EDGE,
                                  "one web search, the engine and the page fetches together", "10 s")
    # Families of variables named after something else (a route group, a provider): kept whole.
    rate_overrides: Mapping[str, int] = field(default_factory=dict, hash=False, compare=True, metadata={
        "family": "LAMBDACHAT_RATE_<GROUP>[_IP]_PER_MINUTE / _BURST"})
    provider_env: Mapping[str, str] = field(default_factory=dict, hash=False, compare=True, repr=False, metadata={
        "family": "<PROVIDER>_API_KEY / <PROVIDER>_BASE_URL"})

    def __post_init__(self) -> None:
        if self.header_timeout <= 0 or self.client_idle_timeout < 0 or (self.max_connections_per_client or 0) < 0:
            raise RuntimeError("LAMBDACHAT_HEADER_TIMEOUT must be > 0; LAMBDACHAT_CLIENT_IDLE_TIMEOUT and "
                               "LAMBDACHAT_MAX_CONNECTIONS_PER_CLIENT must be >= 0")
        if self.close_drain_seconds < 0 or (self.close_drain_mb or 0) < 0:
            raise RuntimeError("LAMBDACHAT_CLOSE_DRAIN_SECONDS and LAMBDACHAT_CLOSE_DRAIN_MB must be >= 0")
        if self.auth_mode not in {"none", "keys"}:
            raise RuntimeError(f"LAMBDACHAT_AUTH must be 'none' or 'keys', got {self.auth_mode!r}")
        if self.mode not in {"cloud", "local"}:
            raise RuntimeError(f"LAMBDACHAT_MODE must be 'cloud' or 'local', got {self.mode!r}")
        if self.search_engine not in {"duckduckgo", "searxng", "brave", "tavily", "off"}:
            raise RuntimeError(f"LAMBDACHAT_SEARCH_ENGINE must be one of brave, duckduckgo, off, searxng, tavily; "
                               f"got {self.search_engine!r}")
        if self.local_store not in {"durable", "memory"}:
            raise RuntimeError(f"LAMBDACHAT_LOCAL_STORE must be 'durable' or 'memory', got {self.local_store!r}")
        if self.media_serve not in {"auto", "stream", "presign"}:
            raise RuntimeError(f"LAMBDACHAT_MEDIA_SERVE must be one of auto, presign, stream; "
                               f"got {self.media_serve!r}")

    @property
    def local(self) -> bool:
        return self.mode == "local"

    @property
    def max_request_bytes(self) -> int:
        return (self.max_request_mb if self.max_request_mb is not None else 100 if self.local else 5) * MB

    @property
    def close_drain_bytes(self) -> int:
        """A client refused for its body's size may send all of it: twice the limit covers that."""
        return self.close_drain_mb * MB if self.close_drain_mb is not None else 2 * self.max_request_bytes

    @property
    def served_hosts(self) -> tuple[str, ...]:
        """In the cloud a function sees its origin's AWS name as Host, never the site's: CloudFront's
        AllViewerExceptHostHeader policy sends the origin's own (an HTTP API or Function URL refuses
        any other), so the default is those names in the function's region."""
        listed = tuple(self.allowed_hosts.replace(",", " ").split())
        if listed:
            return listed
        if self.local:
            return LOOPBACK_HOSTS
        if not self.aws_region:  # Lambda always sets it; a cloud-mode run elsewhere: any AWS origin name
            return (*LOOPBACK_HOSTS, "*.amazonaws.com", "*.on.aws")
        return (*LOOPBACK_HOSTS, f"*.execute-api.{self.aws_region}.amazonaws.com",
                f"*.lambda-url.{self.aws_region}.on.aws")

    @property
    def connections_per_client(self) -> int:
        """0 = no bound. A bound on the adapter's loopback connection would cap the adapter, not a client."""
        limit = self.max_connections_per_client
        return limit if limit is not None else 32 if self.local else 0

    @property
    def media_stream_max_bytes(self) -> int:
        limit = self.media_stream_max_mb
        return (limit if limit is not None else (1 << 20) if self.local else 4) * MB

    @property
    def rate_limits_on(self) -> bool:
        if self.demo:
            return True   # a public demo spends the operator's provider credit: never unmetered
        return self.rate_limits if self.rate_limits is not None else self.mode == "cloud"

    @property
    def private_upstreams_allowed(self) -> bool:
        if self.allow_private_upstreams is not None:
            return self.allow_private_upstreams
        return self.media_fetch_private is True or self.local

    @property
    def data_directory(self) -> str:
        """`LAMBDACHAT_DATA_DIR`, else the XDG data home's `lambdachat` (where a user's programs keep data)."""
        if self.data_dir:
            return self.data_dir
        data_home = os.environ.get("XDG_DATA_HOME", "").strip() or os.path.join(os.path.expanduser("~"),
                                                                                ".local", "share")
        return os.path.join(data_home, "lambdachat")

    @property
    def model_threads(self) -> int:
        return self.local_threads if self.local_threads > 0 else _local_threads()

    def provider_variable(self, name: str) -> str | None:
        return self.provider_env.get(name) or None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        if env.get("LAMBDACHAT_TRUSTED_PROXY_HOPS", "").strip():
            # Counting X-Forwarded-For hops let a caller pick its rate-limit bucket (issue 11 #6).
            raise RuntimeError("LAMBDACHAT_TRUSTED_PROXY_HOPS is gone: set LAMBDACHAT_CLIENT_IP_HEADER to the "
                               "one header your proxy sets (CloudFront-Viewer-Address behind CloudFront)")
        values: dict[str, Any] = {}
        for spec in fields(cls):
            name = spec.metadata.get("env")
            raw = env.get(name, "").strip() if name else ""
            if raw:
                values[spec.name] = _parse(str(name), raw, spec.type)
        mode = str(values.get("mode", "cloud")).lower()
        values["mode"] = mode
        values["auth_mode"] = str(values.get("auth_mode", "none")).lower()
        values["media_serve"] = str(values.get("media_serve", "auto")).lower()
        values["search_engine"] = str(values.get("search_engine", "duckduckgo")).lower()
        values["local_store"] = str(values.get("local_store", "durable")).lower()
        values["rate_overrides"] = {k: int(_parse(k, v, "int")) for k, v in env.items() if _RATE.match(k) and v.strip()}
        values["provider_env"] = {k: v for k, v in env.items() if k.endswith(("_API_KEY", "_BASE_URL")) and v}
        return cls(**values)


_RATE = re.compile(r"^LAMBDACHAT_RATE_[A-Z_]+_(PER_MINUTE|BURST)$")


def _parse(name: str, raw: str, kind: object) -> Any:
    text = str(kind)
    if text.startswith("bool"):
        value = flag_value(raw)
        if value is None:
            raise RuntimeError(f"{name} must be 0 or 1, got {raw!r}")
        return value
    if text.startswith("int"):
        try:
            return int(raw)
        except ValueError as exc:
            raise RuntimeError(f"{name} must be an integer, got {raw!r}") from exc
    if text.startswith("float"):
        try:
            return float(raw)
        except ValueError as exc:
            raise RuntimeError(f"{name} must be a number, got {raw!r}") from exc
    return raw


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings: the environment as it was on first use."""
    return Settings.from_env()


def reload_settings() -> Settings:
    """Read the environment again (tests that change variables, `lambdachat serve` after setting its own)."""
    get_settings.cache_clear()
    return get_settings()


def markdown_tables() -> str:
    """The README's configuration tables, one per section, straight from the fields above."""
    out: list[str] = []
    for section in (CORE, LIMITS, EDGE):
        out += [f"#### {section}", "", "| Variable | Default | What |", "|---|---|---|"]
        for spec in fields(Settings):
            if spec.metadata.get("section") == section:
                shown = spec.metadata.get("shown") or _shown(spec.default)
                out.append(f"| `{spec.metadata['env']}` | {shown} | {spec.metadata['doc']} |")
        if section == EDGE:
            out.append("| `LAMBDACHAT_RATE_<GROUP>_PER_MINUTE` / `_BURST` (per principal, keys mode), "
                       "`…_IP_PER_MINUTE` / `…_IP_BURST` (per client IP, IPv6 by /64) | see below | "
                       "one bucket's rate; 0 turns it off |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _shown(default: object) -> str:
    if isinstance(default, bool):
        return "on" if default else "off"
    if isinstance(default, int) and default >= 10_000:
        return f"{default:,}"
    return "none" if default in (None, "") else str(default)


if __name__ == "__main__":
    sys.stdout.write(markdown_tables())
