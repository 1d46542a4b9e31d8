"""The cutover controls' cost on the request path, per request, in-process:

    python -m benchmarks.cutover_shadow.decision

`match_route` + `decide` for a plain route (the baseline), with an override header in the
table (absent and present in the request), a canary route (user cookie present, and a new
user who gets one), a canary with a user hook, and an active rollback; then the window
tally `record` adds on a route served by a non-default backend, and a rate-limit check.
The fastest of 15 batches of 10,000 calls each: on a shared machine, slower batches
measure the neighbours.
"""

from __future__ import annotations

import asyncio
import tempfile
import timeit
from collections.abc import Callable
from pathlib import Path

from gateway.controls import Controls
from gateway.dispatch import decide, match_route, rate_limit_key
from gateway.live_table import CompiledTable, LiveTable
from gateway.metrics import GatewayMetrics
from gateway.rollback import RollbackEvent
from gateway.settings import GatewaySettings

TABLE = """\
version: 1
default: legacy
backends:
  legacy: {url: "http://127.0.0.1:9"}
  new: {url: "http://127.0.0.1:10"}
overrides: {header: X-Mvgate-Backend}
rate_limit: {rate: 1000000, burst: 1000000}
routes:
  - {path: "/api/videos/{video_id:int}", methods: [GET], backend: new}
  - {path: "/api/artists/{artist_id:int}", methods: [GET], backend: new, canary: 50}
  - {path: "/api/playlists/{playlist_id:int}", methods: [GET], backend: new}
"""
HEADERS = [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"bench"), (b"accept", b"*/*")]
COOKIE = (b"cookie", b"theme=dark; mvgate_uid=" + b"0123456789abcdef" * 2)


def user_of(cookies: object) -> None:
    """A hook that finds nobody (the cheapest real one: a dictionary lookup)."""
    return None


def scope(path: str, headers: list[tuple[bytes, bytes]]) -> dict[str, object]:
    return {"type": "http", "method": "GET", "path": path, "headers": headers, "scheme": "http"}


def fastest_ns(call: Callable[[], object], repeat: int = 15, number: int = 10_000) -> float:
    return min(timeit.repeat(call, repeat=repeat, number=number)) / number * 1e9


async def loaded(text: str) -> LiveTable:
    path = Path(tempfile.mkdtemp()) / "routing_table.yaml"
    path.write_text(text)
    live = LiveTable(path)
    await live.load()
    return live


async def measure() -> dict[str, float]:
    live = await loaded(TABLE)
    hooked = await loaded(TABLE + 'users: {hook: "benchmarks.cutover_shadow.decision:user_of"}\n')
    table, path = live.current, live.path
    controls = Controls(live, GatewayMetrics(), GatewaySettings(routes=path))
    videos, _artists, playlists = table.routes
    rollbacks = {
        playlists.label: RollbackEvent(
            playlists.label, "", playlists.fingerprint, "new", "legacy", "errors", {}, 0, ""
        )
    }
    cases = {
        "plain route": (scope("/api/videos/1", HEADERS), {}),
        "override header sent": (
            scope("/api/videos/1", [*HEADERS, (b"x-mvgate-backend", b"legacy")]),
            {},
        ),
        "canary, known user": (scope("/api/artists/1", [*HEADERS, COOKIE]), {}),
        "canary, new user (cookie minted)": (scope("/api/artists/1", HEADERS), {}),
        "canary, user hook (finds nobody)": (scope("/api/artists/1", [*HEADERS, COOKIE]), {}),
        "rolled back": (scope("/api/playlists/1", HEADERS), rollbacks),
    }
    figures = {}
    for name, (request, active) in cases.items():
        compiled = hooked.current if "hook" in name else table

        def one(
            request: dict[str, object] = request,
            active: dict = active,  # type: ignore[type-arg]
            compiled: CompiledTable = compiled,
        ) -> None:
            decide(compiled, match_route(compiled, request), request, active)

        figures[f"decide: {name}"] = fastest_ns(one)
    figures["record: window tally"] = fastest_ns(
        lambda: controls.observe(videos, "new", 200, 0.0123)
    )
    limit = table.spec.rate_limit
    assert limit is not None
    request = scope("/api/videos/1", HEADERS)
    request["client"] = ("127.0.0.1", 50000)

    def limited() -> None:
        controls.limiter.check(rate_limit_key(table, videos, limit, request), limit)

    figures["rate limit check (in-process bucket)"] = fastest_ns(limited)
    await live.close()
    await hooked.close()
    return figures


def main() -> None:
    for name, nanoseconds in asyncio.run(measure()).items():
        print(f"{name:42s} {nanoseconds / 1000:6.2f} us")


if __name__ == "__main__":
    main()
