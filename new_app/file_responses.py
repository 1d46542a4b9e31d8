"""Files sent the way the legacy app sends them (Flask's `send_file` with conditional
requests): `Accept-Ranges`, one byte range per request (`206`), `416` for a range that
cannot be served (also for several ranges at once), `304` for a matching `If-None-Match`
or `If-Modified-Since`, the same ETag format (so a browser's cached copy stays valid
across the cutover) and the same `Cache-Control`.

Everything that touches the disk here runs in a thread or through anyio's async files.
"""

from __future__ import annotations

import os
import re
import time
import unicodedata
import zlib
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path
from urllib.parse import quote

import anyio
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from new_app.errors import ApiError
from new_app.head_requests import is_head_request

CHUNK_SIZE = 64 * 1024
# Up to this size a body is read in one worker-thread call (open, seek, read, close)
# rather than through anyio's async file, which takes a thread round trip for each step:
# thumbnails and the first range a player asks for are all this small.
ONE_READ_SIZE = 256 * 1024
_PLAIN_INTEGER = re.compile(r"[0-9]+")
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
RANGE_NOT_SATISFIABLE = "Requested Range Not Satisfiable"


@dataclass(frozen=True)
class FileInfo:
    path: Path
    size: int
    mtime: float
    mtime_ns: int = 0
    # The whole file, when whoever measured it also read it (small files: one thread hop
    # for the facts and the bytes instead of two).
    content: bytes | None = None

    @classmethod
    def of(cls, path: Path) -> FileInfo:
        """Blocking: call it in a thread."""
        stat = path.stat()
        return cls(path=path, size=stat.st_size, mtime=stat.st_mtime, mtime_ns=stat.st_mtime_ns)

    @classmethod
    def read(cls, path: Path, limit: int) -> FileInfo:
        """Blocking: the file's facts, and its bytes too when it is at most `limit` long."""
        with path.open("rb") as file:
            stat = os.fstat(file.fileno())
            content = file.read() if stat.st_size <= limit else None
        if content is not None and len(content) != stat.st_size:
            content = None  # changed while read: let the response read it again
        return cls(
            path=path,
            size=stat.st_size,
            mtime=stat.st_mtime,
            mtime_ns=stat.st_mtime_ns,
            content=content,
        )

    @property
    def version(self) -> tuple[str, int, int]:
        """Which version of which file this is: a cache key for facts about its content."""
        return (str(self.path), self.size, self.mtime_ns)

    @property
    def etag(self) -> str:
        check = zlib.adler32(str(self.path).encode()) & 0xFFFFFFFF
        return f'"{self.mtime}-{self.size}-{check}"'

    @property
    def last_modified(self) -> str:
        return formatdate(int(self.mtime), usegmt=True)


def parse_single_range(header: str, length: int) -> tuple[int, int] | None:
    """(start, stop) of the one satisfiable byte range in `header`, else None.

    The rules of the legacy app: `bytes=a-b`, `bytes=a-` and `bytes=-n`; several ranges,
    another unit, a reversed or out-of-file range or a malformed header are not served."""
    units, separator, ranges = header.partition("=")
    if not separator or units.strip(" \t").lower() != "bytes" or "," in ranges:
        return None
    item = ranges.strip(" \t")
    first, dash, last = item.partition("-")
    first, last = first.strip(" \t"), last.strip(" \t")
    if not dash:
        return None
    if not first:  # a suffix: the last n bytes
        if not _PLAIN_INTEGER.fullmatch(last) or int(last) == 0 or int(last) > length:
            return None
        return length - int(last), length
    if not _PLAIN_INTEGER.fullmatch(first):
        return None
    start = int(first)
    if last:
        if not _PLAIN_INTEGER.fullmatch(last) or int(last) < start:
            return None
        stop = min(int(last) + 1, length)
    else:
        stop = length
    return (start, stop) if start < length else None


def not_modified(request_headers: Headers, info: FileInfo) -> bool:
    if_none_match = request_headers.get("if-none-match")
    if if_none_match:
        # Werkzeug's reading: `*` alone matches anything; in a list it is just a tag; tags
        # compare weakly (W/ ignored) and with or without their quotes.
        if if_none_match == "*":
            return True
        tags = {tag.strip().removeprefix("W/").strip('"') for tag in if_none_match.split(",")}
        return info.etag.strip('"') in tags
    if_modified_since = request_headers.get("if-modified-since")
    if if_modified_since:
        try:
            since = parsedate_to_datetime(if_modified_since).timestamp()
        except (TypeError, ValueError):
            return False
        return int(info.mtime) <= since
    return False


def range_applies(request_headers: Headers, info: FileInfo) -> bool:
    """A Range header counts unless an If-Range names another version of the file."""
    if_range = request_headers.get("if-range")
    return if_range is None or if_range in (info.etag, info.last_modified)


def header_value(value: str) -> str:
    """A header parameter value: bare if it is a token, else quoted."""
    if _TOKEN.fullmatch(value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def content_disposition(filename: str) -> str:
    """`inline` with the file's name (and its UTF-8 form when it is not ASCII)."""
    try:
        filename.encode("ascii")
    except UnicodeEncodeError:
        simple = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
        quoted = quote(filename, safe="!#$&+-.^_`|~")
        return f"inline; filename={header_value(simple)}; filename*=UTF-8''{quoted}"
    return f"inline; filename={header_value(filename)}"


def file_headers(info: FileInfo, media_type: str, max_age: int | None) -> dict[str, str]:
    headers = {
        "Content-Type": media_type,
        "Content-Disposition": content_disposition(info.path.name),
        "Last-Modified": info.last_modified,
        "ETag": info.etag,
        "Accept-Ranges": "bytes",
    }
    if max_age is None:
        headers["Cache-Control"] = "no-cache"
    else:
        headers["Cache-Control"] = f"public, max-age={max_age}"
        headers["Expires"] = formatdate(time.time() + max_age, usegmt=True)
    return headers


def send_file(
    request_headers: Headers, info: FileInfo, media_type: str, *, max_age: int | None = None
) -> Response:
    """The whole file, one range of it, or 304; raises ApiError(416) for a bad range."""
    headers = file_headers(info, media_type, max_age)
    range_header = request_headers.get("range")
    if range_header is not None and info.size and range_applies(request_headers, info):
        byte_range = parse_single_range(range_header, info.size)
        if byte_range is None:
            raise ApiError(
                416, RANGE_NOT_SATISFIABLE, headers={"Content-Range": f"bytes */{info.size}"}
            )
        start, stop = byte_range
        headers["Content-Range"] = f"bytes {start}-{stop - 1}/{info.size}"
        return FileSliceResponse(info, start, stop, status_code=206, headers=headers)
    if not_modified(request_headers, info):
        # What Werkzeug keeps on a 304 (Last-Modified is dropped, Accept-Ranges kept).
        kept = ("Content-Disposition", "Cache-Control", "Expires", "ETag", "Accept-Ranges")
        return Response(status_code=304, headers={k: headers[k] for k in kept if k in headers})
    return FileSliceResponse(info, 0, info.size, status_code=200, headers=headers)


class FileSliceResponse(Response):
    """Bytes [start, stop) of a file, read with anyio's async file API."""

    def __init__(
        self, info: FileInfo, start: int, stop: int, *, status_code: int, headers: dict[str, str]
    ) -> None:
        self.path = info.path
        self.content = info.content
        self.start = start
        self.stop = stop
        self.status_code = status_code
        self.background = None
        self.init_headers({**headers, "Content-Length": str(stop - start)})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        if is_head_request(scope):
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        remaining = self.stop - self.start
        if self.content is not None:
            body = self.content[self.start : self.stop]
            await send({"type": "http.response.body", "body": body, "more_body": False})
            return
        if remaining <= ONE_READ_SIZE:
            body = await anyio.to_thread.run_sync(read_slice, self.path, self.start, self.stop)
            await send({"type": "http.response.body", "body": body, "more_body": False})
            return
        async with await anyio.open_file(self.path, "rb") as file:
            await file.seek(self.start)
            while remaining > 0:
                chunk = await file.read(min(CHUNK_SIZE, remaining))
                if not chunk:
                    break  # the file shrank since it was measured
                remaining -= len(chunk)
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})


def read_slice(path: Path, start: int, stop: int) -> bytes:
    """Blocking: bytes [start, stop) of the file (fewer if it shrank since it was measured)."""
    with path.open("rb") as file:
        file.seek(start)
        return file.read(stop - start)
