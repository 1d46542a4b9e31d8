"""Which URLs the server may fetch on a user's behalf (downloads, thumbnails): the verdict
both apps give, as pure functions. Resolving names and connecting is each app's own I/O;
both pass every address they are about to connect to through `check_address`, so the
address checked is the address used (after redirects, and whatever DNS answers then).

Two checks:
- `check_url(url)`, before anything is sent: http or https, a host, and nothing that two
  URL parsers read differently (a backslash, user info, whitespace or control characters,
  a malformed IPv6 literal). A host written as an IP address in any of the forms the C
  resolver accepts (`127.1`, `2130706433`, `0x7f000001`, `0177.0.0.1`, `[::1]`) is judged
  here already.
- `check_address(host, address)`, for each address a connection is about to use: refused
  unless public (not loopback, private, link-local, the cloud metadata address, multicast,
  reserved, an IPv4-mapped private address...).

ALLOW_PRIVATE_DOWNLOAD_HOSTS skips the second check (a home server downloading from its
own network); the first always applies.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from urllib.parse import urlsplit

ALLOWED_SCHEMES = ("http", "https")
MAX_URL_LENGTH = 2000
NOT_HTTP = "Only http and https URLs can be downloaded"
PRIVATE_HOST = "Downloads from private or loopback hosts are not allowed"
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Characters on which URL parsers disagree, or that no valid URL holds unencoded.
_AMBIGUOUS = re.compile(r"[\\\s\x00-\x1f\x7f]")


class UnsafeUrlError(ValueError):
    """The URL may not be fetched; the message is meant for the client."""


def literal_address(host: str) -> IPAddress | None:
    """The address `host` spells, in any notation the resolver would accept, else None."""
    try:
        return ipaddress.ip_address(host.strip("[]").split("%")[0])
    except ValueError:
        pass
    # inet_aton takes the old BSD forms: 127.1, 2130706433, 0x7f.1, 0177.0.0.1.
    if re.fullmatch(r"[0-9a-fA-FxX.]+", host) and not re.search(r"[g-wyzG-WYZ]", host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            address = embedded
    return address.is_global and not address.is_multicast


def check_address(host: str, address: IPAddress | str) -> None:
    """Raise UnsafeUrlError unless a connection for `host` may use `address`."""
    if isinstance(address, str):
        address = ipaddress.ip_address(address.split("%")[0])
    if not is_public(address):
        # The client's answer names no host; connect-time guards add it to their reasons.
        raise UnsafeUrlError(PRIVATE_HOST)


def url_host(url: str) -> str:
    """The host `url` names (lower case, IPv6 without brackets); UnsafeUrlError when the
    URL is not a plain http(s) URL every parser reads the same way."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH:
        raise UnsafeUrlError(NOT_HTTP)
    if _AMBIGUOUS.search(url):
        raise UnsafeUrlError(NOT_HTTP)
    try:
        parts = urlsplit(url)
        host = parts.hostname
        _ = parts.port  # a port that is not a number in 0-65535 raises here
    except ValueError:
        raise UnsafeUrlError(NOT_HTTP) from None
    if parts.scheme.lower() not in ALLOWED_SCHEMES or not host or "@" in parts.netloc:
        raise UnsafeUrlError(NOT_HTTP)
    return host


def check_url(url: str, *, allow_private_hosts: bool) -> str:
    """The URL's host, after the checks that need no DNS (see the module's doc)."""
    host = url_host(url)
    address = literal_address(host)
    if address is not None and not allow_private_hosts:
        check_address(host, address)
    return host
