"""Which routes are limited, and how much: token buckets per principal and per client IP.

Each group has a sustained rate (requests per minute) and a burst (how many may come at once
after a quiet spell), once for the principal and once for the client's IP (an IPv6 client's
whole /64, which one subscriber usually holds). Every number is a setting (`lambdachat.config`):

    LAMBDACHAT_RATE_LIMITS=off|on                  all of it (default: on in cloud mode, off locally)
    LAMBDACHAT_RATE_<GROUP>_PER_MINUTE / _BURST    per principal (keys mode only)
    LAMBDACHAT_RATE_<GROUP>_IP_PER_MINUTE / _IP_BURST
    LAMBDACHAT_CLIENT_IP_HEADER                    the one header the proxy sets to the viewer's address

A per-minute value of 0 turns that one bucket off. In open mode (`LAMBDACHAT_AUTH=none`) every
caller is the same principal, so only the IP buckets apply.
"""

from __future__ import annotations

from dataclasses import dataclass

from lambdachat.config import Settings


@dataclass(frozen=True)
class Rate:
    per_minute: int
    burst: int

    @property
    def interval_ms(self) -> int:
        """Time one request costs: the bucket refills one token per interval."""
        return max(1, 60_000 // self.per_minute)


@dataclass(frozen=True)
class GroupLimits:
    principal: Rate
    ip: Rate


# Defaults (per minute, burst). A conversation costs upstream tokens, so it is the tightest; share
# reads are public and V1 viewers poll every 5 s (12 a minute), so an IP gets room for ten viewers.
DEFAULTS: dict[str, GroupLimits] = {
    "conversation": GroupLimits(principal=Rate(20, 10), ip=Rate(60, 20)),
    "uploads": GroupLimits(principal=Rate(30, 20), ip=Rate(60, 30)),
    "share_reads": GroupLimits(principal=Rate(120, 60), ip=Rate(120, 60)),
    "synthesize": GroupLimits(principal=Rate(30, 10), ip=Rate(60, 20)),
    "memory_writes": GroupLimits(principal=Rate(60, 30), ip=Rate(120, 60)),
    # Public, and each one may cost an upstream call (a client's own key, or a cache miss on the
    # server's): the SPA asks once per provider picked, so this is far above any real use.
    "models": GroupLimits(principal=Rate(60, 20), ip=Rate(60, 20)),
    # Images of a shared chat: a viewer loads each once (then its browser keeps it five minutes),
    # so an IP behind which a few viewers open a chat with dozens of images fits in a burst.
    "share_media": GroupLimits(principal=Rate(300, 100), ip=Rate(300, 100)),
    # Sign-in attempts (keys mode's sign-in page): a person signs in rarely; every wrong key costs
    # a DynamoDB read, so an address gets a few tries a minute.
    "sign_in": GroupLimits(principal=Rate(10, 5), ip=Rate(10, 5)),
}

# Flask endpoint (blueprint.view) -> group. Checked against the app's routes in a test.
ENDPOINT_GROUPS: dict[str, str] = {
    "conversation.handle_post_conversation": "conversation",
    "create.handle_create": "conversation",
    "files.handle_post_files": "uploads",
    "files.handle_post_upload": "uploads",
    "chat.handle_get_share": "share_reads",
    "synthesize.handle_synthesize": "synthesize",
    "memory.handle_post_memory": "memory_writes",
    "provider_models.handle_get_provider_models": "models",
    "provider_models.handle_get_health": "models",
    "session.handle_post_signin": "sign_in",
}

# Endpoints limited only when a query argument is present: the owner's own media are not limited,
# the same route opened through `?share=` (public) is.
QUERY_GROUPS: dict[str, tuple[str, str]] = {
    "media.handle_get_bucket_media": ("share", "share_media"),
}



def _rate(settings: Settings, prefix: str, default: Rate) -> Rate | None:
    per_minute = settings.rate_overrides.get(f"{prefix}_PER_MINUTE", default.per_minute)
    if per_minute <= 0:
        return None
    return Rate(per_minute, max(1, settings.rate_overrides.get(f"{prefix}_BURST", default.burst)))


def limits_for(group: str, settings: Settings) -> tuple[Rate | None, Rate | None]:
    """(principal rate, IP rate) for a group, as configured."""
    default = DEFAULTS[group]
    prefix = f"LAMBDACHAT_RATE_{group.upper()}"
    return _rate(settings, prefix, default.principal), _rate(settings, f"{prefix}_IP", default.ip)
