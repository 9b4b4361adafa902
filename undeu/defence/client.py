"""Who is asking: the client's address behind a known number of proxies, and its network.

X-Forwarded-For is a list each proxy appends the address it saw to; anything to the left of
what our own proxies appended was written by the client and proves nothing. So with N trusted
proxies the client is the N-th address from the right, and with none (the default) the header is
ignored: trusting it by default would let anyone choose their address, and so their limits.
"""

import ipaddress

from django.conf import settings

IPV4_PREFIX = 24
IPV6_PREFIX = 64
_IPV4_MASK = ((1 << IPV4_PREFIX) - 1) << (32 - IPV4_PREFIX)
_IPV6_MASK = ((1 << IPV6_PREFIX) - 1) << (128 - IPV6_PREFIX)


def client_ip(request) -> str | None:
    """The client's address, or None when it cannot be told (never a made-up one)."""
    address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.UNDEU_TRUSTED_PROXIES
    if proxies:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        forwarded = [part for part in forwarded if part]
        # Our proxies appended len(proxies) addresses, the first of them the client's.
        address = forwarded[-proxies] if len(forwarded) >= proxies else ""
    return canonical_ip(address)


def canonical_ip(raw: str) -> str | None:
    try:
        ip = ipaddress.ip_address(raw.strip())
    except ValueError:
        return None
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return str(ip)


def network_of(ip: str | None) -> str:
    """The /24 (IPv4) or /64 (IPv6) an address is in: what one household, office or attacker
    usually holds; empty when the address is unknown."""
    if not ip:
        return ""
    address = ipaddress.ip_address(ip)
    # The network's first address by masking, rather than parsing "address/prefix" again.
    if address.version == 4:
        first = ipaddress.IPv4Address(int(address) & _IPV4_MASK)
        return f"{first}/{IPV4_PREFIX}"
    return f"{ipaddress.IPv6Address(int(address) & _IPV6_MASK)}/{IPV6_PREFIX}"
