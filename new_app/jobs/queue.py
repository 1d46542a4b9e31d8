"""The seam between the endpoints and whatever runs their jobs.

The `downloads` row is the job: the endpoint writes it (status `queued`) and commits
before calling `enqueue_download`; cancel marks the row `cancelled` before calling
`cancel_download`. So a queue only carries ids, and losing one loses nothing the row
does not still say.
"""

from __future__ import annotations

from typing import Protocol


class JobQueue(Protocol):
    async def enqueue_download(self, download_id: int) -> None:
        """Run the download whose row is `queued` (once, however often it is asked)."""

    async def cancel_download(self, download_id: int) -> None:
        """Stop the download's running attempt, if this queue runs one."""

    async def close(self) -> None:
        """Stop running jobs (their rows end `failed`, retryable) and release resources."""
