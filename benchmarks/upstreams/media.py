"""Downloadable media: real clips for yt-dlp's generic extractor, generated JPEGs, and
misbehaving endpoints (any status, fail-N-times-then-work, a slow trickle) for the
failure, retry and cancel paths of the download code.

Every clip name is `<key>.<mp4|mkv|webm>`; the key (a YouTube id, any stem) picks one of
the clips of that format deterministically.
"""

from __future__ import annotations

import asyncio
import io
import re
import zlib
from collections.abc import AsyncIterator
from functools import lru_cache
from http import HTTPStatus
from pathlib import Path

import anyio
from PIL import Image, ImageDraw, ImageFont
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from benchmarks.upstreams.responses import error, int_param, simulator
from shared_models.demo.clips import clip_for

MEDIA_TYPES = {"mp4": "video/mp4", "mkv": "video/x-matroska", "webm": "video/webm"}
# Image stems end in an IMVDb size letter; anything else gets the "large" size.
IMAGE_SIZES = {
    "o": (1280, 720),
    "l": (960, 540),
    "b": (640, 360),
    "t": (320, 180),
    "s": (160, 90),
}
_SAFE_KEY = re.compile(r"[A-Za-z0-9_-]{1,100}")
_CHUNK_BYTES = 16 * 1024


def clip_path(request: Request, key: str, extension: str) -> Path | None:
    """The file a `<key>.<extension>` name maps to, or None for a bad key or format."""
    if not _SAFE_KEY.fullmatch(key) or extension not in MEDIA_TYPES:
        return None
    spec = clip_for(key, extension)
    return None if spec is None else simulator(request).clips[spec.name]


def split_name(name: str) -> tuple[str, str]:
    key, _, extension = name.rpartition(".")
    return key, extension


def clip_response(request: Request, name: str) -> Response:
    key, extension = split_name(name)
    path = clip_path(request, key, extension)
    if path is None:
        return error(404, f"no clip named {name!r}")
    # FileResponse answers Range with 206 (and 416 when unsatisfiable) and sets Content-Length.
    return FileResponse(path, media_type=MEDIA_TYPES[extension])


async def watch(request: Request) -> Response:
    return clip_response(request, request.path_params["filename"])


@lru_cache(maxsize=512)  # at most ~30 MB of JPEGs
def render_image(stem: str) -> bytes:
    """A JPEG card in a colour derived from the name, with the name written on it."""
    size = IMAGE_SIZES.get(stem.rpartition("-")[2], IMAGE_SIZES["l"])
    hue = zlib.crc32(stem.encode())
    colour = (64 + hue % 160, 64 + (hue >> 8) % 160, 64 + (hue >> 16) % 160)
    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=max(10, size[1] // 12))
    draw.text((size[0] // 20, size[1] // 2), stem, fill=(255, 255, 255), font=font)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


async def image(request: Request) -> Response:
    stem, extension = split_name(request.path_params["filename"])
    if extension != "jpg" or not _SAFE_KEY.fullmatch(stem):
        return error(404, "no such image")
    # Pillow holds the GIL for a few ms on the first render; keep it off the event loop.
    jpeg = await anyio.to_thread.run_sync(render_image, stem)
    return Response(jpeg, media_type="image/jpeg")


async def status(request: Request) -> Response:
    code = request.path_params["code"]
    if not 200 <= code <= 599:
        return error(400, "status code must be between 200 and 599")
    if code in (204, 304):
        return Response(status_code=code)
    try:
        phrase = HTTPStatus(code).phrase
    except ValueError:
        phrase = "Simulated status"
    body = {"status": code} if code < 400 else {"error": phrase}
    return JSONResponse(body, status_code=code)


async def flaky(request: Request) -> Response:
    """503 for the first `fail_times` requests (default 1) per key, then the clip."""
    key = request.path_params["key"]
    fail_times = int_param(request, "fail_times", 1, minimum=0)
    state = simulator(request)
    state.flaky_hits[key] += 1
    if state.flaky_hits[key] <= fail_times:
        return JSONResponse(
            {"error": "Service Unavailable (simulated)"},
            status_code=503,
            headers={"Retry-After": "0"},
        )
    return clip_response(request, request.path_params["filename"])


async def trickle(path: Path, bytes_per_second: int, request: Request) -> AsyncIterator[bytes]:
    stats = simulator(request).stats
    stats.slow_started += 1
    chunk_size = max(1, min(_CHUNK_BYTES, bytes_per_second))
    finished = False
    try:
        async with await anyio.open_file(path, "rb") as file:
            while chunk := await file.read(chunk_size):
                yield chunk
                await asyncio.sleep(len(chunk) / bytes_per_second)
        finished = True
    finally:
        # A client that hangs up (a cancelled download) lands here without `finished`.
        if finished:
            stats.slow_completed += 1
        else:
            stats.slow_aborted += 1


async def slow(request: Request) -> Response:
    """The clip at `bytes_per_second` (default 64 KiB/s), for cancel-while-running tests."""
    name = request.path_params["filename"]
    key, extension = split_name(name)
    path = clip_path(request, key, extension)
    if path is None:
        return error(404, f"no clip named {name!r}")
    rate = int_param(request, "bytes_per_second", 64 * 1024, minimum=1)
    return StreamingResponse(
        trickle(path, rate, request),
        media_type=MEDIA_TYPES[extension],
        headers={"Content-Length": str(path.stat().st_size)},
    )


routes = [
    Route("/watch/{filename}", watch),
    Route("/image/{filename}", image),
    Route("/status/{code:int}", status),
    Route("/flaky/{key}/{filename}", flaky),
    Route("/slow/{filename}", slow),
]
