"""The seam between the endpoints and whatever runs their jobs.

The `downloads` row is the job: the endpoint writes it (status `queued`) and commits
before calling `enqueue_download`; cancel marks the row `cancelled` before calling
`cancel_download`. So a queue only carries ids, and losing one loses nothing the row
does not still say (a worker's sweep re-enqueues queued rows a flushed Redis forgot).

Two implementations: `ArqJobQueue` (Redis, run by `mvgate worker` processes) and
`InProcessJobQueue` (no Redis: the app runs the same job functions itself).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from shared_models.models import DEFAULT_PRIORITY


def download_job_id(download_id: int) -> str:
    """The job id of a download: the row's `job_id`, and the queue's (one live job each)."""
    return f"download:{download_id}"


def video_job_id(kind: str, video_id: int) -> str:
    """`thumbnails:<id>`, `transcode:<id>`, `metadata:<id>`: one queued job per video."""
    return f"{kind}:{video_id}"


class JobQueue(Protocol):
    async def enqueue_download(self, download_id: int, priority: int = DEFAULT_PRIORITY) -> None:
        """Run the download whose row is `queued` (once, however often it is asked)."""

    async def cancel_download(self, download_id: int) -> None:
        """The row was cancelled: its running attempt (wherever it runs) stops on its own
        at its next look at the row; a queue may stop it sooner."""

    async def reprioritize_download(self, download_id: int, priority: int) -> None:
        """The row's priority changed: a download still waiting moves in the line."""

    async def enqueue_job(self, function: str, *args: Any, job_id: str) -> None:
        """Queue another job function (thumbnails, transcode, metadata) once per `job_id`."""

    async def missing(self, job_ids: Iterable[str]) -> list[str]:
        """The ids among `job_ids` this queue holds no job for (waiting or running)."""

    async def release(self, job_id: str) -> None:
        """Forget a dead runner's claim on `job_id`, so that the job runs again."""

    async def close(self) -> None:
        """Stop what this queue runs and release its connections."""
