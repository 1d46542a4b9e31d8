"""What makes the table reload: the file changing, SIGHUP, or an admin request.

The file is watched through its directory, because editors and `mvgate flip` replace a file
by renaming a new one over it, which a watch on the old file would miss. (On filesystems
without change notification, set `WATCHFILES_FORCE_POLLING=1`.)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from pathlib import Path

from watchfiles import Change, awatch

from gateway.live_table import LiveTable, ReloadResult

logger = logging.getLogger("mvgate.reload")


class Reloader:
    def __init__(self, live: LiveTable, watch: bool, supervisor_pid: int | None) -> None:
        self.live = live
        self.watch = watch
        self.supervisor_pid = supervisor_pid
        self._stop = asyncio.Event()
        self._tasks: set[asyncio.Task[object]] = set()
        self._watching: asyncio.Task[None] | None = None
        self._sighup_installed = False

    async def start(self) -> None:
        if self.watch:
            self._watching = asyncio.create_task(self._watch_file(), name="watch routing table")
        try:
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self._on_sighup)
            self._sighup_installed = True
        except (ValueError, RuntimeError, NotImplementedError):
            # Not the main thread (an embedded or test server): no signals here.
            logger.debug("SIGHUP reload not available in this thread")

    async def stop(self) -> None:
        self._stop.set()
        if self._sighup_installed:
            asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
        if self._watching is not None:
            self._watching.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watching
        for task in list(self._tasks):
            await task

    async def reload_everywhere(self, reason: str) -> ReloadResult:
        """Reload here, then ask the supervisor to make every other worker reload too
        (each one re-reads the file; a worker already up to date reports "unchanged")."""
        result = await self.live.reload(reason)
        if self.supervisor_pid is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(self.supervisor_pid, signal.SIGHUP)
        return result

    def _on_sighup(self) -> None:
        task = asyncio.create_task(self.live.reload("SIGHUP"))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _watch_file(self) -> None:
        path = self.live.path
        name = path.name

        def is_table(change: Change, changed: str) -> bool:
            return Path(changed).name == name

        async for _ in awatch(
            path.parent if path.parent != Path() else Path("."),
            watch_filter=is_table,
            stop_event=self._stop,
            recursive=False,
            debounce=400,
            step=30,
        ):
            await self.live.reload("file changed")
