"""Outbound HTTP to addresses a client chose, without becoming an SSRF proxy.

One guard for every server-side fetch whose address a client influences (the Custom provider's
base URL from `api_base`/`x-api-base`, provider media URLs copied to S3). The check sits where
the name becomes a socket: httpcore's network backend. Each new connection resolves the host
once, every address must pass the policy, and the socket goes to the address that was checked,
while the URL keeps its name, so Host, TLS SNI and the certificate check stay the name's. A DNS
answer that changes between check and connect (rebinding) therefore cannot steer us inward, and
redirects need no special handling: each hop to a new host is a new connection, checked again.

Server-configured base URLs (`OLLAMA_BASE_URL`, ...) do not come through here: the operator
chose them. Locally, private addresses stay allowed so a client-given Ollama URL still works.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

import httpcore
import httpx

from lambdachat.config import Settings, get_settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[str]]

# Never reachable, whatever the configuration: the instance metadata service hands out the
# function's own AWS credentials (IMDS on IPv4 and on Nitro's IPv6).
METADATA = frozenset({ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")})
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class UrlRefused(ValueError):
    """The URL itself is not one we fetch (scheme, credentials, parser tricks)."""


class AddressRefused(httpcore.ConnectError):
    """A host resolved to an address the policy forbids. httpx re-raises it as a ConnectError
    whose `__cause__` is this, so callers can tell a refusal from an unreachable host."""


@dataclass(frozen=True)
class AddressPolicy:
    allow_private: bool = False                  # loopback, private, link-local, CGNAT, ...
    allowed_networks: tuple[IPNetwork, ...] = ()  # operator-listed exceptions, e.g. a VPC model server

    def refusal(self, address: IPAddress) -> str | None:
        """Why `address` may not be contacted, or None when it may."""
        if address in METADATA:
            return f"{address} is the cloud metadata address"
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            if not self.allow_private:
                return f"{address} embeds an IPv4 address"
            address = embedded
            if address in METADATA:
                return f"{address} is the cloud metadata address"
        if any(address in net for net in self.allowed_networks):
            return None
        if address.is_multicast or address.is_unspecified or (address.is_reserved and not address.is_loopback):
            return f"{address} is not a unicast address"
        if self.allow_private:
            return None
        if not address.is_global:
            return f"{address} is not a public address"
        return None


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped, 6to4, NAT64), which is what gets reached."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _networks(raw: str) -> tuple[IPNetwork, ...]:
    try:
        return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in raw.split(",") if part.strip())
    except ValueError as exc:
        raise RuntimeError(f"LAMBDACHAT_UPSTREAM_ALLOW_NETS must be comma-separated CIDRs, got {raw!r}") from exc


def upstream_policy(settings: Settings | None = None) -> AddressPolicy:
    """The configured policy: `Settings.private_upstreams_allowed` (default on in local mode, off
    in cloud mode) and `upstream_allow_nets` (CIDRs reachable even in cloud mode)."""
    settings = settings or get_settings()
    return AddressPolicy(allow_private=settings.private_upstreams_allowed,
                         allowed_networks=_networks(settings.upstream_allow_nets))


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]).split("%", 1)[0] for info in infos]  # drop an IPv6 zone id


def checked_address(host: str, port: int, policy: AddressPolicy, resolver: Resolver = system_resolver) -> str:
    """Resolve `host` once; every address it has must pass (a name that also points inward is
    refused, not tried in turn). Returns the address to connect to."""
    try:
        addresses: Iterable[str] = [str(ipaddress.ip_address(host.strip("[]")))]
    except ValueError:
        try:
            addresses = resolver(host, port)
        except (OSError, UnicodeError) as exc:
            raise AddressRefused(f"cannot resolve {host}") from exc
    parsed = [ipaddress.ip_address(a) for a in addresses]
    if not parsed:
        raise AddressRefused(f"cannot resolve {host}")
    for address in parsed:
        reason = policy.refusal(address)
        if reason is not None:
            raise AddressRefused(f"{host}: {reason}")
    return str(parsed[0])


def check_url(url: str) -> SplitResult:
    """The URL-level rules, before any connection: http(s) only, a host, no credentials, and no
    backslash or control character (parsers disagree on those: g4f #3397). A URL httpx cannot
    parse (octal IPv4 such as 0177.0.0.1, broken IPv6 brackets, invalid IDNA) is refused here
    too: httpx is what builds the request, and its InvalidURL/IDNAError would come out later as
    a server error instead of the client's mistake."""
    if "\\" in url or any(ord(ch) < 33 for ch in url):
        raise UrlRefused("malformed URL")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError as exc:  # "Invalid IPv6 URL", a port out of range
        raise UrlRefused(_malformed(exc)) from exc
    if parts.scheme.lower() not in {"http", "https"}:
        raise UrlRefused("only http(s) URLs are allowed")
    if parts.username or parts.password or not parts.hostname:
        raise UrlRefused("malformed URL")
    try:
        httpx.URL(url).host  # noqa: B018 - .host decodes IDNA labels (xn--), which httpx reads later
    except (httpx.InvalidURL, ValueError) as exc:  # idna.IDNAError is a ValueError
        raise UrlRefused(_malformed(exc)) from exc
    return parts


def _malformed(exc: Exception) -> str:
    detail = str(exc)
    return f"malformed URL ({detail[:200]})" if detail else "malformed URL"


# A fixed policy, or one read at each new connection (the configured one, so a process-wide client
# follows configuration changes).
PolicySource = AddressPolicy | Callable[[], AddressPolicy]


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore's sync backend, connecting only to checked addresses."""

    def __init__(self, policy: PolicySource, resolver: Resolver = system_resolver) -> None:
        self._inner = httpcore.SyncBackend()
        self._policy = policy
        self._resolver = resolver

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None) -> httpcore.NetworkStream:
        policy = self._policy if isinstance(self._policy, AddressPolicy) else self._policy()
        address = checked_address(host, port, policy, self._resolver)
        return self._inner.connect_tcp(address, port, timeout, local_address, socket_options)

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None) -> httpcore.NetworkStream:
        raise AddressRefused("unix sockets are not an upstream")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def guarded_transport(policy: PolicySource, resolver: Resolver = system_resolver,
                      **kwargs: object) -> httpx.HTTPTransport:
    transport = httpx.HTTPTransport(**kwargs)  # type: ignore[arg-type]
    # httpx has no parameter for the network backend; its pool keeps it here and asks it for every
    # new connection (redirect hops included). Pooled connections stay keyed by the host name.
    transport._pool._network_backend = GuardedBackend(policy, resolver)
    return transport


def guarded_client(policy: PolicySource, resolver: Resolver = system_resolver, **kwargs: object) -> httpx.Client:
    """An httpx client that only reaches addresses `policy` allows. `trust_env=False`: a proxy from
    the environment would make every connection go to the proxy, and skip the check."""
    return httpx.Client(transport=guarded_transport(policy, resolver), trust_env=False, **kwargs)  # type: ignore[arg-type]


def refusal_of(exc: BaseException) -> AddressRefused | None:
    """The AddressRefused behind an httpx error, if that is what it was."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, AddressRefused):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None
