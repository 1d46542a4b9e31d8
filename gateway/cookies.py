"""Reading the request's cookies, as cheaply as the question allows.

Most questions the gateway asks are about one cookie (the canary's user cookie, the
override cookie): `cookie_value` finds it in the raw header without building a dictionary
of every cookie, which costs several times more on a browser's long Cookie header. Only a
user hook gets them all (`request_cookies`, Starlette's parser, as the apps would read them).
"""

from __future__ import annotations

from starlette.requests import cookie_parser

Headers = list[tuple[bytes, bytes]]


def request_cookies(headers: Headers) -> dict[str, str]:
    cookies: dict[str, str] = {}
    for name, value in headers:
        if name == b"cookie":
            cookies.update(cookie_parser(value.decode("latin-1")))
    return cookies


def cookie_value(headers: Headers, wanted: bytes) -> str | None:
    """The value of the cookie named `wanted` (the first one, as browsers send the most
    specific first), taken as is: the gateway's own cookies need no unquoting."""
    pattern = wanted + b"="
    for name, value in headers:
        if name != b"cookie":
            continue
        start = value.find(pattern)
        while start != -1:
            # A whole name only: "uid=" must not match inside "old_uid=".
            if start == 0 or value[start - 1] in b"; ":
                end = value.find(b";", start)
                found = value[start + len(pattern) : end if end != -1 else len(value)]
                return found.strip().decode("latin-1")
            start = value.find(pattern, start + 1)
    return None
