"""Which URLs the server may fetch on a user's behalf, the legacy (blocking) way.

The verdict is shared_models.url_safety's. Here: `check_fetchable_url` (the URL's syntax
and its DNS answers now, for a quick 400) and `guarded_connections()`, which wraps the
work of one thread (a thumbnail fetch with requests, a yt-dlp download) so that every
address any connection in it resolves to is checked just before it is used: redirects,
URLs found in a page, and names whose DNS answer changed are all covered, whatever URL
parser the HTTP library uses.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from shared_models.url_safety import UnsafeUrlError, check_address, check_url

__all__ = ["UnsafeUrlError", "check_fetchable_url", "guarded_connections"]

_guarded = threading.local()
_plain_getaddrinfo = socket.getaddrinfo
_install_lock = threading.Lock()


class PrivateAddressRefused(OSError):
    """A connection to a non-public address, refused before it was made (an OSError, so
    HTTP libraries report it as a failed connection)."""


def _checked_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    answers = _plain_getaddrinfo(host, *args, **kwargs)
    if getattr(_guarded, "active", False):
        name = host.decode() if isinstance(host, bytes) else str(host)
        for answer in answers:
            try:
                check_address(name, str(answer[4][0]))
            except UnsafeUrlError as error:
                _guarded.refused = f"{error} ({name})"
                raise PrivateAddressRefused(_guarded.refused) from None
    return answers


def _install() -> None:
    """Put the checking resolver in place once; it checks only in guarded threads."""
    with _install_lock:
        if socket.getaddrinfo is not _checked_getaddrinfo:
            socket.getaddrinfo = _checked_getaddrinfo  # type: ignore[assignment]


@contextmanager
def guarded_connections(enabled: bool = True) -> Iterator[None]:
    """Within the block, this thread connects only to public addresses."""
    if not enabled:
        yield
        return
    _install()
    previous = getattr(_guarded, "active", False)
    _guarded.active, _guarded.refused = True, None
    try:
        yield
    finally:
        _guarded.active = previous


def refusal() -> str | None:
    """Why the guarded block of this thread was refused a connection, if it was."""
    return getattr(_guarded, "refused", None)


def check_fetchable_url(url: str, *, allow_private_hosts: bool) -> None:
    """Raise UnsafeUrlError unless the server may fetch `url` (as DNS answers now)."""
    host = check_url(url, allow_private_hosts=allow_private_hosts)
    if allow_private_hosts:
        return
    try:
        answers = _plain_getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return  # does not resolve: the fetch fails on its own
    for answer in answers:
        check_address(host, str(answer[4][0]))
