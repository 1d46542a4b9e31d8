"""Thumbnails resized with Pillow inside the request (the legacy habit), cached on disk.

The source is a file under MEDIA_ROOT (`thumbnail_path`) or, failing that, an image URL
(`thumbnail_url`) fetched once into `MEDIA_ROOT/thumbnails/originals/`. Resized copies are
progressive JPEGs in `MEDIA_ROOT/thumbnails/`, named after the source file and its
modification time, so a changed source gets new thumbnails without any invalidation step.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import requests

from legacy_flask.services.upstream import USER_AGENT
from legacy_flask.services.url_safety import (
    UnsafeUrlError,
    check_fetchable_url,
    guarded_connections,
    refusal,
)
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
    timeout: float
    allow_private_hosts: bool

    @property
    def cache_dir(self) -> Path:
        return self.media_root / CACHE_FOLDER

    def thumbnail(self, source: ThumbnailSource, size: str) -> Path:
        """The cached JPEG for `source` at `size`, made now if missing.

        Raises UnsafePathError for a source path outside the media root, and a
        ThumbnailError when there is no usable source image."""
        original, fetched = self._original(source)
        stat = original.stat()
        key = hashlib.sha256(f"{original}|{stat.st_mtime_ns}|{stat.st_size}".encode())
        target = self.cache_dir / f"{key.hexdigest()[:32]}-{size}.jpg"
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

    def _original(self, source: ThumbnailSource) -> tuple[Path, bool]:
        """The source image file, and whether it was fetched from the URL."""
        if source.path:
            path = confine(self.media_root, source.path)
            if path.is_file():
                return path, False
        if source.url:
            return self._fetched(source.url), True
        raise ThumbnailNotFound()

    def _fetched(self, url: str) -> Path:
        cached = self.cache_dir / "originals" / hashlib.sha256(url.encode()).hexdigest()
        if not cached.is_file():
            cached.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(cached, self._download(url))
        return cached

    def _download(self, url: str) -> bytes:
        """The image's bytes; redirects are followed by hand so each hop is checked."""
        for _hop in range(MAX_REDIRECTS + 1):
            try:
                check_fetchable_url(url, allow_private_hosts=self.allow_private_hosts)
                with guarded_connections(not self.allow_private_hosts):
                    response = requests.get(
                        url,
                        headers={"User-Agent": USER_AGENT},
                        timeout=self.timeout,
                        stream=True,
                        allow_redirects=False,
                    )
            except UnsafeUrlError as error:
                raise ThumbnailRefused(str(error)) from None
            except requests.RequestException as error:
                # A connection the guard refused (a redirect to, or DNS now answering, a
                # private address) is a refusal too, not a failed fetch.
                if not self.allow_private_hosts and refusal():
                    raise ThumbnailRefused(PRIVATE_HOST) from None
                raise ThumbnailFetchFailed(f"{url}: {error}") from error
            with response:
                if response.is_redirect and response.headers.get("Location"):
                    url = urljoin(url, response.headers["Location"])
                    continue
                if response.status_code != 200:
                    raise ThumbnailFetchFailed(f"{url} answered {response.status_code}")
                return read_limited(response, url)
        raise ThumbnailFetchFailed(f"{url}: too many redirects")


def read_limited(response: requests.Response, url: str) -> bytes:
    body = bytearray()
    try:
        for chunk in response.iter_content(64 * 1024):
            body += chunk
            if len(body) > MAX_SOURCE_BYTES:
                raise ThumbnailFetchFailed(f"{url}: image larger than {MAX_SOURCE_BYTES} bytes")
    except requests.RequestException as error:
        raise ThumbnailFetchFailed(f"{url}: {error}") from error
    return bytes(body)


def write_atomically(target: Path, data: bytes) -> None:
    """Readers see the whole file or none: two requests may make the same file at once."""
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
