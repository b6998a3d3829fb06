"""Refusing webhook URLs that point into our own network (SSRF), before any connection."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from providers.base import PermanentProviderError, TransientProviderError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]


class UnsafeDestinationError(PermanentProviderError):
    """The URL resolves to an address a tenant must not reach through us."""


@dataclass(frozen=True)
class Destination:
    scheme: str
    host: str
    port: int
    address: str  # the vetted IP to connect to, so a second DNS answer cannot differ


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    blocked = (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )
    # is_global also excludes shared (CGNAT) and documentation ranges.
    return not blocked and address.is_global


def check_destination(
    url: str, allow_hosts: Iterable[str] = (), resolver: Resolver = system_resolver
) -> Destination:
    """Resolve the URL's host and vet every address it has; any non-public one refuses the URL
    unless the host name or that address is explicitly allowed."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeDestinationError(f"webhook URL must be http(s) with a host: {url!r}")
    host = parts.hostname.lower()
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise UnsafeDestinationError(f"invalid port in {url!r}") from exc
    allowed = {h.lower().strip("[]") for h in allow_hosts}
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [str(literal)]
    else:
        try:
            addresses = resolver(host, port)
        except (OSError, UnicodeError) as exc:
            raise TransientProviderError(f"cannot resolve {host}: {exc}") from exc
    if not addresses:
        raise TransientProviderError(f"{host} has no address")
    for raw in addresses:
        address = ipaddress.ip_address(raw.split("%", 1)[0])
        if not is_public(address) and host not in allowed and str(address) not in allowed:
            raise UnsafeDestinationError(f"{host} resolves to non-public address {address}")
    return Destination(parts.scheme, host, port, addresses[0].split("%", 1)[0])
