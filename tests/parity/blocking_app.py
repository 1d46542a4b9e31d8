"""A tiny ASGI app for the blocking guard's own tests. Its endpoints hold the event loop
the two ways async code goes wrong, and wait politely for comparison:

- `/sleep`: a blocking call inside `async def` (time.sleep: the loop thread waits);
- `/compute`: synchronous CPU work inside `async def` (the loop thread computes);
- anything else: `await asyncio.sleep` (the loop stays free).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

PAUSE_SECONDS = 0.1


def compute(seconds: float) -> int:
    """Pure-Python arithmetic for about `seconds` of CPU time."""
    deadline = time.thread_time() + seconds
    total = 0
    while time.thread_time() < deadline:
        total += sum(range(1000))
    return total


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return  # no lifespan support: the gateway is fine with that
    if scope["path"] == "/sleep":
        time.sleep(PAUSE_SECONDS)  # noqa: ASYNC251 - the mistake the guard must catch
    elif scope["path"] == "/compute":
        compute(PAUSE_SECONDS)
    else:
        await asyncio.sleep(PAUSE_SECONDS)
    headers = [(b"content-type", b"text/plain")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": scope["path"].encode()})
