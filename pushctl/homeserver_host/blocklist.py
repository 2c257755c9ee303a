"""Would the homeserver push to this gateway? Decided as Synapse's pusher HTTP client decides.

Synapse's pushers post through ``SimpleHttpClient`` (``synapse/http/client.py``,
Synapse 1.163) built with ``ip_range_blacklist`` and ``ip_range_whitelist``:

- the blocklist is ``ip_range_blacklist``, or :data:`DEFAULT_BLOCKLIST` when the
  key is absent, always plus ``0.0.0.0`` and ``::``; each IPv4 range of either
  list also stands for its IPv4-compatible, IPv4-mapped and 6to4 IPv6 forms
  (``generate_ip_set`` in ``synapse/config/server.py``);
- an address is refused when it is in the blocklist and not in the allowlist
  (``_is_ip_blocked``): the whitelist wins, even over ``0.0.0.0``;
- a URL whose host is an IP literal is judged on that address alone, with no
  lookup (``BlocklistingAgentWrapper``: refused with 403 before connecting,
  but an allowed literal goes through);
- an IPv6 literal that the lists allow still gets nowhere: Synapse's HTTP client
  hands it to IDNA encoding, which refuses the ``:`` (measured with 1.163:
  ``InvalidCodepoint Codepoint U+003A``), so it is as good as unresolvable;
- a host name: every address it resolves to is judged, and one refused address
  refuses the name (``_IPBlockingResolver`` then reports no address at all, so
  Synapse's log shows a DNS lookup error).

Synapse ignores both lists for names when it reaches the gateway through an
HTTP proxy (``http_proxy`` in its environment): pushctl cannot see that.
Names are resolved through :func:`pushctl.doctor.gateways.resolve`, which tests fake.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from pushctl.doctor import gateways
from pushctl.homeserver_host.config import ConfigError

ALLOWED = "allowed"
BLOCKED = "blocked"
UNRESOLVABLE = "unresolvable"

#: DEFAULT_IP_RANGE_BLOCKLIST of synapse/config/server.py (matrix-synapse 1.163.2),
#: the list Synapse uses when ip_range_blacklist is absent
DEFAULT_BLOCKLIST = (
    "127.0.0.0/8",
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",
    "192.0.0.0/24",
    "169.254.0.0/16",
    "192.88.99.0/24",
    "198.18.0.0/15",
    "192.0.2.0/24",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/4",
    "::1/128",
    "fe80::/10",
    "fc00::/7",
    "2001:db8::/32",
    "ff00::/8",
    "fec0::/10",
)
IPV6_LITERAL = (
    "Synapse's HTTP client cannot connect to an IPv6 address written in a URL "
    "(IDNA encoding refuses the ':')"
)

#: added to every blocklist by Synapse (``generate_ip_set(..., ["0.0.0.0", "::"])``)
ALWAYS_BLOCKED = ("0.0.0.0", "::")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _forms(network: Network) -> list[Network]:
    """The network, and for IPv4 its IPv4-compatible, IPv4-mapped and 6to4 forms."""
    if isinstance(network, ipaddress.IPv6Network):
        return [network]
    first = int(network.network_address)
    return [
        network,
        ipaddress.IPv6Network((first, 96 + network.prefixlen)),
        ipaddress.IPv6Network(((0xFFFF << 32) | first, 96 + network.prefixlen)),
        ipaddress.IPv6Network(((0x2002 << 112) | (first << 80), 16 + network.prefixlen)),
    ]


@dataclass(frozen=True)
class IpSet:
    """A configured list: each entry as written, with every network it stands for."""

    entries: tuple[tuple[str, tuple[Network, ...]], ...]

    @classmethod
    def of(cls, ranges: Iterable[str], key: str) -> IpSet:
        entries = []
        for text in ranges:
            try:
                network = ipaddress.ip_network(text.strip(), strict=False)
            except ValueError:
                raise ConfigError(f"{key}: {text!r} is not an IP range") from None
            entries.append((text, tuple(_forms(network))))
        return cls(tuple(entries))

    def entry_of(self, address: Address) -> str | None:
        """The configured entry that holds *address*, or None."""
        for text, networks in self.entries:
            if any(address in network for network in networks):
                return text
        return None


@dataclass(frozen=True)
class Rules:
    blocklist: IpSet
    allowlist: IpSet

    @classmethod
    def of(cls, blocklist: Sequence[str] | None, allowlist: Sequence[str]) -> Rules:
        ranges = DEFAULT_BLOCKLIST if blocklist is None else tuple(blocklist)
        return cls(
            IpSet.of((*ranges, *ALWAYS_BLOCKED), "ip_range_blacklist"),
            IpSet.of(allowlist, "ip_range_whitelist"),
        )

    def refusing_range(self, address: str) -> str | None:
        """The blocklist entry that refuses *address*, or None when Synapse allows it."""
        ip = _address(address)
        if ip is None:
            return None
        blocked_by = self.blocklist.entry_of(ip)
        if blocked_by is None or self.allowlist.entry_of(ip) is not None:
            return None
        return blocked_by


@dataclass(frozen=True)
class Verdict:
    verdict: str
    addresses: tuple[str, ...]
    #: refused address → the blocklist entry refusing it
    blocked_by: dict[str, str]
    #: the host is an IP literal (judged without a lookup)
    literal: bool
    #: why an address that the lists allow gets nowhere anyway, if it does not
    reason: str | None = None


def _address(text: str) -> Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def judge(url: str, rules: Rules) -> Verdict:
    """The homeserver's verdict on pushing to *url*."""

    parts = urlsplit(url)
    host = parts.hostname or ""
    literal = _address(host) is not None
    if literal:
        addresses = [host]
    else:
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            port = 443
        addresses = gateways.resolve(host, port) if host else []
    if not addresses:
        return Verdict(UNRESOLVABLE, (), {}, literal)
    refused = {a: r for a in addresses if (r := rules.refusing_range(a)) is not None}
    if not refused and literal and ":" in host:
        return Verdict(UNRESOLVABLE, tuple(addresses), {}, literal, IPV6_LITERAL)
    return Verdict(BLOCKED if refused else ALLOWED, tuple(addresses), refused, literal)


def whitelist_entry(address: str) -> str:
    """The narrowest ``ip_range_whitelist`` entry that lets *address* through."""
    ip = _address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)  # an IPv4 entry covers its mapped form too
    return str(ip) if ip is not None else address


def _is_unspecified(address: str) -> bool:
    ip = _address(address)
    return ip is not None and ip.is_unspecified


def advice(url: str, verdict: Verdict) -> str:
    """What to change on the homeserver (or the pusher) so that pushes reach *url*."""
    host = urlsplit(url).hostname or url
    if verdict.reason == IPV6_LITERAL:
        return f"{IPV6_LITERAL}: give the gateway a host name that resolves to {host}"
    if verdict.verdict == UNRESOLVABLE:
        return f"{host} does not resolve from this host: fix the gateway's DNS name or the URL"
    if verdict.verdict != BLOCKED:
        return ""
    if any(_is_unspecified(a) for a in verdict.blocked_by):
        return "0.0.0.0 and :: are no gateway's address: point the pusher to the gateway's address"
    entries = sorted({whitelist_entry(a) for a in verdict.blocked_by})
    listed = ", ".join(f'"{e}"' for e in entries)
    return (
        f"add {listed} to ip_range_whitelist in Synapse's configuration and restart it; "
        f"this lets every outbound request of the homeserver (federation, push, identity "
        f"servers) reach {' and '.join(entries)}, so any user who can set a pusher URL can "
        "make it call services there"
    )
