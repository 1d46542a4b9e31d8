"""A job's child process (yt-dlp, ffmpeg): started in its own process group, read line by
line, and killed with everything it started when the job stops.

The child's stdin is a pipe the job holds open: children that watch it (the fetcher) exit
when the job's process dies, even by SIGKILL.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections import deque
from collections.abc import AsyncIterator

logger = logging.getLogger(__name__)

# Lines of stdout are JSON events or ffmpeg's key=value progress: small.
LINE_LIMIT = 1024 * 1024
STDERR_TAIL_LINES = 20


class ChildProcess:
    def __init__(self, process: asyncio.subprocess.Process, name: str) -> None:
        self.process = process
        self.name = name
        self._stderr_tail: deque[str] = deque(maxlen=STDERR_TAIL_LINES)
        self._stderr_reader = asyncio.create_task(self._drain_stderr())

    @classmethod
    async def start(cls, command: list[str], name: str) -> ChildProcess:
        process = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            # Its own group: a kill reaches what it starts too (yt-dlp runs ffmpeg).
            start_new_session=True,
            limit=LINE_LIMIT,
        )
        return cls(process, name)

    async def lines(self) -> AsyncIterator[str]:
        assert self.process.stdout is not None
        while line := await self.process.stdout.readline():
            yield line.decode(errors="replace").strip()

    async def _drain_stderr(self) -> None:
        # Read it all, keep the end: a full stderr pipe would stall the child.
        assert self.process.stderr is not None
        while line := await self.process.stderr.readline():
            self._stderr_tail.append(line.decode(errors="replace").rstrip())

    async def wait(self) -> int:
        returncode = await self.process.wait()
        await self._stderr_reader
        return returncode

    def stderr_tail(self) -> str:
        return "\n".join(self._stderr_tail)

    async def stop(self) -> None:
        """Kill the child's process group if it still runs, and reap it. Safe to repeat."""
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
            logger.info("%s (pid %d) killed", self.name, self.process.pid)
        if self.process.stdin is not None and not self.process.stdin.is_closing():
            self.process.stdin.close()
        await self.process.wait()
        self._stderr_reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._stderr_reader
