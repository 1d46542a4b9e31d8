"""Stream start without load: time to the first bytes of a stream, one request at a time.

The step load measures the same under load (`stream mp4/mkv (first byte)` in its request
figures); this is the floor each backend has when nothing else is running.
"""

from __future__ import annotations

import statistics
import time

import httpx

from benchmarks.locustfiles.library import STREAM_RANGE, Library

FIRST_BYTES = 4096


def first_byte_ms(client: httpx.Client, path: str, headers: dict[str, str]) -> float:
    """Milliseconds until the first body bytes arrive; the rest is read (and dropped)."""
    started = time.perf_counter()
    with client.stream("GET", path, headers=headers) as answer:
        answer.raise_for_status()
        chunks = answer.iter_raw(FIRST_BYTES)
        if next(chunks, None) is None:
            raise RuntimeError(f"{path}: empty stream")
        elapsed = (time.perf_counter() - started) * 1000
        for _chunk in chunks:
            pass
    return elapsed


def measure(base_url: str, library: Library, repeats: int) -> dict[str, dict[str, float]]:
    kinds = {
        "mp4": (library.mp4_video_ids, {"Range": STREAM_RANGE}),
        "mkv": (library.mkv_video_ids, {}),
    }
    figures: dict[str, dict[str, float]] = {}
    with httpx.Client(base_url=base_url, timeout=60) as client:
        for kind, (ids, extra) in kinds.items():
            if not ids:
                continue
            headers = {"Accept-Encoding": "identity", **extra}
            timings = [
                first_byte_ms(client, f"/api/videos/{ids[i % len(ids)]}/stream", headers)
                for i in range(repeats)
            ]
            figures[kind] = {
                "requests": len(timings),
                "p50_ms": statistics.median(timings),
                "min_ms": min(timings),
                "max_ms": max(timings),
            }
    return figures
