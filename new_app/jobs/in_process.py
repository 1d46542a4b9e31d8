"""Jobs run on this process's event loop: for a single machine with no Redis.

Each download is an asyncio task; at most MAX_CONCURRENT_JOBS run at once (yt-dlp itself
runs in a worker thread). A cancel sets the attempt's flag, which its progress hook sees;
closing the queue stops every attempt, and their rows end `failed` with the "interrupted"
reason, so a retry picks them up. A queue lives in one process: the row is what the other
processes (and the other app) see.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading

from new_app.jobs.downloads import DownloadContext, run_download

logger = logging.getLogger(__name__)

# A retry waits this long for the previous attempt to finish removing its files.
PREVIOUS_ATTEMPT_GRACE = 15.0


class InProcessJobQueue:
    def __init__(self, context: DownloadContext, concurrency: int) -> None:
        self.context = context
        self._slots = asyncio.Semaphore(max(1, concurrency))
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._cancel_flags: dict[int, threading.Event] = {}

    async def enqueue_download(self, download_id: int) -> None:
        previous = self._tasks.get(download_id)
        cancel = threading.Event()
        task = asyncio.create_task(
            self._run(download_id, cancel, previous), name=f"download-{download_id}"
        )
        self._tasks[download_id] = task
        self._cancel_flags[download_id] = cancel

    async def cancel_download(self, download_id: int) -> None:
        flag = self._cancel_flags.get(download_id)
        if flag is not None:
            flag.set()

    async def close(self, grace_seconds: float = 10.0) -> None:
        for flag in self._cancel_flags.values():
            flag.set()
        tasks = list(self._tasks.values())
        if tasks:
            await asyncio.wait(tasks, timeout=grace_seconds)

    async def _run(
        self, download_id: int, cancel: threading.Event, previous: asyncio.Task[None] | None
    ) -> None:
        try:
            if previous is not None and not previous.done():
                # A retry right after a cancel: let the old attempt remove its files first.
                await asyncio.wait({previous}, timeout=PREVIOUS_ATTEMPT_GRACE)
            async with self._slots:
                if not cancel.is_set():
                    await run_download(self.context, download_id, cancel)
        except Exception:
            logger.exception("download %s crashed", download_id)
        finally:
            if self._tasks.get(download_id) is asyncio.current_task():
                del self._tasks[download_id]
                with contextlib.suppress(KeyError):
                    del self._cancel_flags[download_id]
