"""One yt-dlp download, in a process of its own.

The download job runs this file as a script (`python -P fetcher.py '<json config>'`) so that
it can stop a download at any moment by killing the process (and its process group: yt-dlp
may start ffmpeg), and so that yt-dlp's blocking work never touches the job's event loop.
It imports only the standard library, yt-dlp and shared_models.url_safety, so it starts
in a fraction of a second.

It dies with its job: the job holds the write end of this process's stdin, and a thread here
exits the process when stdin reaches end-of-file (the job closed it, or its process died,
even by SIGKILL).

Every address it connects to, including after redirects and whatever DNS answers at that
moment, is checked (unless private hosts are allowed): the check sits on the resolver, so
the address checked is the address used.

stdout carries one JSON object per line:

    {"event": "progress", "downloaded": 123456, "total": 987654}
    {"event": "done", "path": "/media/.incoming/.../Title.mp4", "duration": 3.5, "height": 180}
    {"event": "error", "transient": true, "reason": "HTTP Error 503: Service Unavailable"}
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import sys
import threading
import time
from typing import Any

import yt_dlp
from yt_dlp.networking import exceptions as network_errors
from yt_dlp.utils import ContentTooShortError, DownloadError, UnsupportedError

# The shared verdict (a light, standard-library-only module).
from shared_models.url_safety import is_public

PROGRESS_INTERVAL = 0.25
PRIVATE_HOSTS_REFUSED = "Downloads from private or loopback hosts are not allowed"
# HTTP answers worth another try later; every other 4xx is final.
TRANSIENT_STATUSES = frozenset({408, 425, 429})
MAX_REASON = 2000
ORPHANED_EXIT = 70


class PrivateHostRefused(OSError):
    """A connection to a non-public address, refused before it was made."""


refused_hosts: list[str] = []


def emit(**message: Any) -> None:
    sys.stdout.write(json.dumps(message, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def die_with_parent() -> None:
    """Exit as soon as stdin closes: the job that started us is gone or done with us."""

    def watch() -> None:
        # The raw descriptor, not sys.stdin: a daemon thread blocked on a buffered stream
        # aborts the interpreter's shutdown.
        while os.read(0, 4096):
            pass
        os._exit(ORPHANED_EXIT)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def guard_resolver() -> None:
    """Refuse every name or address that resolves to a non-public address."""
    resolve = socket.getaddrinfo

    def checked(host: Any, *args: Any, **kwargs: Any) -> Any:
        answers = resolve(host, *args, **kwargs)
        for answer in answers:
            if not is_public(ipaddress.ip_address(str(answer[4][0]).split("%")[0])):
                name = host.decode() if isinstance(host, bytes) else str(host)
                refused_hosts.append(name)
                raise PrivateHostRefused(f"{PRIVATE_HOSTS_REFUSED} ({name})")
        return answers

    socket.getaddrinfo = checked  # type: ignore[assignment]


class ProgressPrinter:
    """yt-dlp progress hook: byte counts, at most every PROGRESS_INTERVAL seconds."""

    def __init__(self) -> None:
        self.last = 0.0

    def __call__(self, status: dict[str, Any]) -> None:
        if status.get("status") != "downloading":
            return
        now = time.monotonic()
        if now - self.last < PROGRESS_INTERVAL:
            return
        self.last = now
        emit(
            event="progress",
            downloaded=status.get("downloaded_bytes") or 0,
            total=status.get("total_bytes") or status.get("total_bytes_estimate"),
        )


def causes(error: BaseException) -> list[BaseException]:
    """The error and everything it wraps (yt-dlp wraps the network error several times)."""
    found: list[BaseException] = []
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or any(current is seen for seen in found):
            continue
        found.append(current)
        exc_info = getattr(current, "exc_info", None)
        pending += [
            getattr(current, "cause", None),
            current.__cause__,
            current.__context__,
            exc_info[1] if isinstance(exc_info, tuple) and len(exc_info) > 1 else None,
        ]
    return found


def is_transient(error: BaseException) -> bool:
    """Worth a later retry: network trouble, timeouts, upstream 5xx (and 408/425/429)."""
    for cause in causes(error):
        if isinstance(cause, PrivateHostRefused | UnsupportedError):
            return False
        if isinstance(cause, network_errors.HTTPError):
            return cause.status >= 500 or cause.status in TRANSIENT_STATUSES
    return any(
        isinstance(
            cause,
            network_errors.TransportError
            | ContentTooShortError
            | TimeoutError
            | ConnectionError
            | socket.gaierror,
        )
        for cause in causes(error)
    )


def reason_of(error: BaseException) -> str:
    if refused_hosts:
        return f"{PRIVATE_HOSTS_REFUSED} ({refused_hosts[0]})"
    message = str(error).strip() or type(error).__name__
    return message.removeprefix("ERROR: ")[:MAX_REASON]


def downloaded_path(info: dict[str, Any], ydl: yt_dlp.YoutubeDL) -> str:
    requested = info.get("requested_downloads") or []
    if requested and requested[0].get("filepath"):
        return str(requested[0]["filepath"])
    return str(ydl.prepare_filename(info))


def options(config: dict[str, Any]) -> dict[str, Any]:
    # `%` is a field marker in yt-dlp output templates: a title may contain one.
    stem = os.path.join(config["directory"], config["stem"]).replace("%", "%%")
    return {
        "outtmpl": {"default": stem + ".%(ext)s"},
        "noplaylist": True,
        "quiet": True,
        "no_warnings": True,
        "noprogress": True,
        "no_color": True,
        "progress_hooks": [ProgressPrinter()],
        "socket_timeout": config.get("socket_timeout", 30),
        # Our job retries with backoff (and records each attempt); yt-dlp only smooths over
        # a blip inside one transfer.
        "retries": config.get("retries", 1),
        "extractor_retries": 0,
        "fragment_retries": config.get("retries", 1),
        "cachedir": False,
        "overwrites": True,
        "continuedl": False,
        "writethumbnail": False,
        # yt-dlp's own HLS downloader, not ffmpeg's: its connections go through the guarded
        # resolver; ffmpeg would open its own.
        "hls_prefer_native": True,
        "ffmpeg_location": config.get("ffmpeg_location"),
    }


def main() -> int:
    config = json.loads(sys.argv[1])
    die_with_parent()
    if not config.get("allow_private_hosts", False):
        guard_resolver()
    try:
        with yt_dlp.YoutubeDL(options(config)) as ydl:  # type: ignore[arg-type]
            info = ydl.extract_info(config["url"], download=True) or {}
            path = downloaded_path(info, ydl)
    except (DownloadError, OSError) as error:
        emit(event="error", transient=is_transient(error) and not refused_hosts,
             reason=reason_of(error))  # fmt: skip
        return 1
    height = info.get("height")
    emit(
        event="done",
        path=path,
        duration=info.get("duration"),
        height=height if isinstance(height, int) else None,
    )
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    # Straight out: no interpreter shutdown racing the stdin thread.
    os._exit(code)
