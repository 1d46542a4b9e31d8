"""Thumbnails resized with Pillow in a worker thread, cached on disk.

The source is a file under MEDIA_ROOT (`thumbnail_path`) or, failing that, an image URL
(`thumbnail_url`) fetched once on the shared httpx client into
`MEDIA_ROOT/thumbnails/originals/`. Resized copies are progressive JPEGs in
`MEDIA_ROOT/thumbnails/`, named after the source file and its modification time, so a
changed source gets new thumbnails without any invalidation step. The cache layout is the
legacy app's, so both apps share one cache.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import anyio.to_thread
import httpx

from new_app.services.url_safety import UnsafeUrlError, check_fetchable_url
from shared_models import images
from shared_models.images import ImageTooLarge, UnusableImage
from shared_models.media import confine
from shared_models.url_safety import PRIVATE_HOST

THUMBNAIL_SIZES: dict[str, tuple[int, int]] = {
    "small": (160, 90),
    "medium": (320, 180),
    "large": (640, 360),
}
DEFAULT_SIZE = "medium"
CACHE_FOLDER = "thumbnails"
MAX_SOURCE_BYTES = 20 * 1024 * 1024
MAX_REDIRECTS = 3


class ThumbnailError(Exception):
    """Base of the ways a thumbnail can be unavailable."""


class ThumbnailNotFound(ThumbnailError):
    pass


class ThumbnailFetchFailed(ThumbnailError):
    pass


class ThumbnailRefused(ThumbnailError):
    """The URL may not be fetched (shared_models.url_safety); the message says why."""


class ThumbnailUnreadable(ThumbnailError):
    pass


class ThumbnailTooLarge(ThumbnailError):
    """The source image is beyond the decode limits (shared_models.images)."""


@dataclass(frozen=True)
class ThumbnailSource:
    path: str | None
    url: str | None


@dataclass(frozen=True)
class ThumbnailStore:
    media_root: Path
    http: httpx.AsyncClient
    allow_private_hosts: bool

    @property
    def cache_dir(self) -> Path:
        return self.media_root / CACHE_FOLDER

    async def thumbnail(self, source: ThumbnailSource, size: str) -> Path:
        """The cached JPEG for `source` at `size`, made now if missing.

        Raises UnsafePathError for a source path outside the media root, and a
        ThumbnailError when there is no usable source image."""
        original, fetched = await self._original(source)
        return await anyio.to_thread.run_sync(self._cached_render, original, size, fetched)

    async def _original(self, source: ThumbnailSource) -> tuple[Path, bool]:
        """The source image file, and whether it was fetched from the URL."""
        if source.path:
            local = await anyio.to_thread.run_sync(existing_file, self.media_root, source.path)
            if local is not None:
                return local, False
        if source.url:
            return await self._fetched(source.url), True
        raise ThumbnailNotFound()

    def cached(self, source: ThumbnailSource, size: str) -> Path | None:
        """Blocking: the resized JPEG if the cache already has it (and its source), else
        None. Most requests end here, in one worker-thread call instead of one per step.

        Raises UnsafePathError for a source path outside the media root."""
        original = existing_file(self.media_root, source.path) if source.path else None
        if original is None and source.url:
            fetched = self._original_path(source.url)
            original = fetched if fetched.is_file() else None
        if original is None:
            return None
        target = self._target(original, size)
        return target if target.is_file() else None

    def _original_path(self, url: str) -> Path:
        return self.cache_dir / "originals" / hashlib.sha256(url.encode()).hexdigest()

    def _target(self, original: Path, size: str) -> Path:
        """Blocking (stat): where the resized copy of this version of `original` lives."""
        stat = original.stat()
        key = hashlib.sha256(f"{original}|{stat.st_mtime_ns}|{stat.st_size}".encode())
        return self.cache_dir / f"{key.hexdigest()[:32]}-{size}.jpg"

    async def _fetched(self, url: str) -> Path:
        cached = self._original_path(url)
        if not await anyio.to_thread.run_sync(cached.is_file):
            data = await self._download(url)
            await anyio.to_thread.run_sync(write_atomically, cached, data)
        return cached

    async def _download(self, url: str) -> bytes:
        """The image's bytes; redirects are followed by hand so each hop is checked."""
        for _hop in range(MAX_REDIRECTS + 1):
            try:
                await check_fetchable_url(url, allow_private_hosts=self.allow_private_hosts)
                async with self.http.stream("GET", url) as response:
                    if response.is_redirect and response.headers.get("Location"):
                        url = urljoin(url, response.headers["Location"])
                        continue
                    if response.status_code != 200:
                        raise ThumbnailFetchFailed(f"{url} answered {response.status_code}")
                    return await read_limited(response, url)
            except UnsafeUrlError as error:
                raise ThumbnailRefused(str(error)) from None
            except httpx.HTTPError as error:
                # A connection the checked network backend refused (a redirect to, or DNS
                # now answering, a private address) is a refusal too, not a failed fetch.
                if str(error).startswith(PRIVATE_HOST):
                    raise ThumbnailRefused(PRIVATE_HOST) from None
                raise ThumbnailFetchFailed(f"{url}: {error!r}") from error
        raise ThumbnailFetchFailed(f"{url}: too many redirects")

    def _cached_render(self, original: Path, size: str, fetched: bool) -> Path:
        """Blocking (stat, Pillow): runs in a worker thread."""
        target = self._target(original, size)
        if not target.is_file():
            try:
                render_jpeg(original, target, THUMBNAIL_SIZES[size])
            except ThumbnailUnreadable as error:
                if not fetched:
                    raise
                # The URL answered something that is not an image: forget it, try next time.
                original.unlink(missing_ok=True)
                raise ThumbnailFetchFailed(str(error)) from error
        return target


def existing_file(media_root: Path, relative: str) -> Path | None:
    """The file inside the media root, if it exists (UnsafePathError if it is outside)."""
    path = confine(media_root, relative)
    return path if path.is_file() else None


async def read_limited(response: httpx.Response, url: str) -> bytes:
    body = bytearray()
    async for chunk in response.aiter_bytes(64 * 1024):
        body += chunk
        if len(body) > MAX_SOURCE_BYTES:
            raise ThumbnailFetchFailed(f"{url}: image larger than {MAX_SOURCE_BYTES} bytes")
    return bytes(body)


def write_atomically(target: Path, data: bytes) -> None:
    """Readers see the whole file or none: two requests may make the same file at once."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, target)


def render_jpeg(original: Path, target: Path, box: tuple[int, int]) -> None:
    """The shared, bounded renderer (shared_models.images), with this module's errors."""
    try:
        images.render_jpeg(original, target, box)
    except ImageTooLarge as error:
        raise ThumbnailTooLarge(str(error)) from None
    except UnusableImage as error:
        raise ThumbnailUnreadable(f"{original.name}: {error}") from None
