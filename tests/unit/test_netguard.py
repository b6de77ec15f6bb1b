"""The SSRF guard: which addresses a client-chosen URL may reach, checked after DNS, pinned, per hop.

Names resolve through a fake resolver, so no test depends on real DNS; the only server is a
127.0.0.1 one started here, reachable only because a test lists it as an allowed network.
"""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from lambdachat.netguard import (
    AddressPolicy,
    AddressRefused,
    UrlRefused,
    check_url,
    checked_address,
    guarded_client,
    refusal_of,
    upstream_policy,
)

CLOUD = AddressPolicy()
LOCAL = AddressPolicy(allow_private=True)
ONLY_THIS_LOOPBACK = AddressPolicy(allowed_networks=(ipaddress.ip_network("127.0.0.1/32"),))

REFUSED_IN_CLOUD = [
    "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.10.10", "100.64.0.1", "0.0.0.0",
    "224.0.0.1", "240.0.0.1", "255.255.255.255", "::1", "fe80::1", "fc00::1", "ff02::1",
    "::ffff:127.0.0.1", "::ffff:8.8.8.8", "2002:7f00:1::1", "64:ff9b::a00:1",
    "169.254.169.254", "fd00:ec2::254",
]


class FakeDns:
    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        if host not in self.answers:
            raise OSError("no such host")
        return self.answers[host]


class _Handler(BaseHTTPRequestHandler):
    seen: list[tuple[str, str]]

    def do_GET(self) -> None:
        self.seen.append((self.path, self.headers.get("Host", "")))
        if self.path == "/hop":
            self.send_response(302)
            self.send_header("Location", self.headers["X-Next"] if "X-Next" in self.headers
                             else f"http://inner.example:{self.server.server_address[1]}/secret")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b"ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[int, list[tuple[str, str]]]]:
    seen: list[tuple[str, str]] = []
    handler = type("Handler", (_Handler,), {"seen": seen})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1], seen
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize("address", REFUSED_IN_CLOUD)
def test_cloud_policy_refuses_every_inward_or_special_address(address: str) -> None:
    assert CLOUD.refusal(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_cloud_policy_allows_public_unicast(address: str) -> None:
    assert CLOUD.refusal(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize("address", ["127.0.0.1", "10.0.0.7", "::1", "::ffff:127.0.0.1"])
def test_local_policy_allows_private_hosts_like_ollama(address: str) -> None:
    assert LOCAL.refusal(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize("address", ["169.254.169.254", "fd00:ec2::254", "::ffff:169.254.169.254", "224.0.0.1"])
def test_metadata_and_multicast_stay_refused_even_locally(address: str) -> None:
    assert LOCAL.refusal(ipaddress.ip_address(address)) is not None


def test_a_name_is_refused_when_any_of_its_addresses_points_inward() -> None:
    dns = FakeDns({"mixed.example": ["93.184.216.34", "10.0.0.1"]})
    with pytest.raises(AddressRefused, match=r"10\.0\.0\.1"):
        checked_address("mixed.example", 443, CLOUD, dns)
    assert checked_address("mixed.example", 443, LOCAL, dns) == "93.184.216.34"


def test_literal_addresses_are_checked_without_dns() -> None:
    dns = FakeDns({})
    with pytest.raises(AddressRefused):
        checked_address("[::1]", 80, CLOUD, dns)
    assert dns.asked == []


@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://x/", "http://user:pw@host/", "http:\\\\host\\x",
                                 "http://host:99999/", "http://ho st/", "http:///path"])
def test_urls_that_are_not_plain_http_are_refused_before_any_connection(url: str) -> None:
    with pytest.raises(UrlRefused):
        check_url(url)


# What httpx (the client that would send the request) cannot parse is a malformed URL here too,
# not an InvalidURL or IDNAError later (issue 11, #10): octal/out-of-range IPv4, broken IPv6
# brackets, invalid IDNA labels.
MALFORMED = ["http://0177.0.0.1/v1", "http://256.0.0.1/", "http://[::1/", "http://[zz]/", "http://[1::2::3]/",
             "http://[v1.x]/", "http://xn--/", "http://\uff41.com/", "http://\u2488.com/"]


@pytest.mark.parametrize("url", MALFORMED)
def test_urls_the_http_client_cannot_parse_are_refused_as_malformed(url: str) -> None:
    with pytest.raises(UrlRefused, match="malformed URL"):
        check_url(url)


def test_connection_goes_to_the_checked_address_with_the_name_as_host(server) -> None:
    port, seen = server
    dns = FakeDns({"models.example": ["127.0.0.1"]})
    with guarded_client(ONLY_THIS_LOOPBACK, dns) as client:
        response = client.get(f"http://models.example:{port}/v1/models")
    assert response.text == "ok"
    assert seen == [("/v1/models", f"models.example:{port}")]
    assert dns.asked == ["models.example"]  # resolved once: what was checked is what was dialled


def test_a_private_answer_is_refused_before_connecting(server) -> None:
    port, seen = server
    dns = FakeDns({"rebind.example": ["10.0.0.5"]})
    with guarded_client(ONLY_THIS_LOOPBACK, dns) as client, pytest.raises(httpx.ConnectError) as info:
        client.get(f"http://rebind.example:{port}/")
    assert "not a public address" in str(refusal_of(info.value))
    assert seen == []


def test_every_redirect_hop_is_checked_again(server) -> None:
    port, seen = server
    # The first host is allowed; it redirects to a name that resolves to another loopback address.
    dns = FakeDns({"models.example": ["127.0.0.1"], "inner.example": ["127.0.0.2"]})
    with guarded_client(ONLY_THIS_LOOPBACK, dns, follow_redirects=True) as client, \
            pytest.raises(httpx.ConnectError) as info:
        client.get(f"http://models.example:{port}/hop")
    assert refusal_of(info.value) is not None
    assert [path for path, _host in seen] == ["/hop"]  # /secret was never asked for
    assert dns.asked == ["models.example", "inner.example"]


def test_policy_defaults_follow_the_mode_and_can_be_overridden() -> None:
    from lambdachat.config import Settings

    def policy(**env: str) -> AddressPolicy:
        return upstream_policy(Settings.from_env(env))

    assert policy().allow_private is False  # cloud is the default mode
    assert policy(LAMBDACHAT_MODE="local").allow_private is True
    assert policy(LAMBDACHAT_MODE="local", LAMBDACHAT_ALLOW_PRIVATE_UPSTREAMS="0").allow_private is False
    assert policy(LAMBDACHAT_MEDIA_FETCH_PRIVATE="1").allow_private is True   # the older name
    allowed = policy(LAMBDACHAT_MODE="local", LAMBDACHAT_ALLOW_PRIVATE_UPSTREAMS="0",
                     LAMBDACHAT_UPSTREAM_ALLOW_NETS="10.20.0.0/16")
    assert allowed.refusal(ipaddress.ip_address("10.20.3.4")) is None
