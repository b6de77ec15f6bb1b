"""Rate limit logic: the bucket arithmetic, who a caller is (principal, IP, IPv6 /64), and the group map."""

from __future__ import annotations

import pytest
from lambdachat.config import Settings
from lambdachat.identity import ANONYMOUS, Principal
from lambdachat.limits import web
from lambdachat.limits.buckets import InMemoryBuckets, decide
from lambdachat.limits.rules import DEFAULTS, ENDPOINT_GROUPS, QUERY_GROUPS, Rate, limits_for

from tests.apps import create_app

RATE = Rate(per_minute=60, burst=3)  # one token a second, three at once


def test_a_full_bucket_allows_its_burst_then_says_how_long_to_wait() -> None:
    buckets, now = InMemoryBuckets(), 1_000_000
    assert [buckets.take("k", RATE, now) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("k", RATE, now) == pytest.approx(1.0)
    assert buckets.take("k", RATE, now + 400) == pytest.approx(0.6)


def test_the_bucket_refills_at_the_rate_and_never_beyond_the_burst() -> None:
    buckets, now = InMemoryBuckets(), 1_000_000
    for _ in range(3):
        buckets.take("k", RATE, now)
    assert buckets.take("k", RATE, now + 1_000) == 0.0  # one token back after one interval
    assert buckets.take("k", RATE, now + 1_000) > 0
    later = now + 3_600_000  # an hour idle still gives only `burst` at once
    assert [buckets.take("k", RATE, later) for _ in range(4)][-1] > 0


def test_refusals_cost_nothing() -> None:
    tat, _ = decide(None, RATE, 0)
    for _ in range(2):
        tat, _ = decide(tat, RATE, 0)
    assert decide(tat, RATE, 0)[0] is None
    assert decide(tat, RATE, 1_000)[0] is not None  # denied tries did not push the refill back


def test_ipv6_clients_share_a_bucket_per_64_and_ipv4_per_address() -> None:
    assert web.ip_bucket_name("2001:db8:1:2::1") == web.ip_bucket_name("2001:db8:1:2:ffff::9")
    assert web.ip_bucket_name("2001:db8:1:2::1") != web.ip_bucket_name("2001:db8:1:3::1")
    assert web.ip_bucket_name("::ffff:203.0.113.7") == web.ip_bucket_name("203.0.113.7") == "203.0.113.7"
    assert web.ip_bucket_name("203.0.113.7") != web.ip_bucket_name("203.0.113.8")


def test_open_mode_limits_by_ip_only_and_keys_mode_by_principal_too() -> None:
    store = InMemoryBuckets()
    rates = {"LAMBDACHAT_RATE_SYNTHESIZE_BURST": "1", "LAMBDACHAT_RATE_SYNTHESIZE_IP_BURST": "100"}
    open_mode, keys_mode = Settings.from_env(rates), Settings.from_env({**rates, "LAMBDACHAT_AUTH": "keys"})
    alice, bob = Principal("alice"), Principal("bob")
    assert web.check(store, open_mode, "synthesize", alice, "198.51.100.1", now_ms=0) == 0
    assert web.check(store, open_mode, "synthesize", alice, "198.51.100.2", now_ms=0) == 0  # no principal bucket
    assert web.check(store, keys_mode, "synthesize", alice, "198.51.100.3", now_ms=0) == 0
    assert web.check(store, keys_mode, "synthesize", alice, "198.51.100.4", now_ms=0) > 0  # new IP, same principal
    assert web.check(store, keys_mode, "synthesize", bob, "198.51.100.4", now_ms=0) == 0
    assert web.check(store, keys_mode, "synthesize", ANONYMOUS, "198.51.100.5", now_ms=0) == 0


def test_a_broken_store_lets_requests_through() -> None:
    class Down:
        def take(self, key: str, rate: Rate, now_ms: int) -> float:
            raise ConnectionError("dynamodb unreachable")

    assert web.check(Down(), Settings(), "conversation", Principal("alice"), "198.51.100.1") == 0


def test_limits_are_configurable_and_zero_turns_a_bucket_off() -> None:
    assert limits_for("uploads", Settings()) == (DEFAULTS["uploads"].principal, DEFAULTS["uploads"].ip)
    configured = Settings.from_env({"LAMBDACHAT_RATE_UPLOADS_IP_PER_MINUTE": "0",
                                    "LAMBDACHAT_RATE_UPLOADS_PER_MINUTE": "5"})
    assert limits_for("uploads", configured) == (Rate(5, DEFAULTS["uploads"].principal.burst), None)


def test_every_limited_endpoint_is_a_route_of_the_app() -> None:
    endpoints = set(create_app().view_functions)
    assert set(ENDPOINT_GROUPS) | set(QUERY_GROUPS) <= endpoints
    assert set(ENDPOINT_GROUPS.values()) | {group for _, group in QUERY_GROUPS.values()} == set(DEFAULTS)
