"""What a job function finds in its `ctx`: arq passes a dict to every job, and ours carries
one `JobServices` under `SERVICES_KEY` (built at worker start-up, or by the in-process
queue). A test builds one the same way and calls the job function directly.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from new_app.jobs.events import EventPublisher
from new_app.jobs.queue import JobQueue
from new_app.jobs.tuning import JobTuning
from shared_models.settings import Settings

SERVICES_KEY = "mvidarr"
# Finished and interrupted work waits here, per attempt, until it is moved into place or
# removed: nothing partial is ever in an artist folder.
STAGING_FOLDER = ".incoming"


@dataclass(frozen=True)
class JobServices:
    settings: Settings
    tuning: JobTuning
    session_factory: async_sessionmaker[AsyncSession]
    http: httpx.AsyncClient
    events: EventPublisher
    queue: JobQueue
    worker_id: str
    # A worker shutting down hands its downloads back to the queue (another worker takes
    # them); an app running jobs in-process marks them failed-interrupted (retryable), as
    # the API contract says of a server that stops.
    requeue_on_shutdown: bool

    @property
    def media_root(self) -> Path:
        return self.settings.resolved_media_root

    @property
    def staging_root(self) -> Path:
        return self.media_root / STAGING_FOLDER


def services_of(ctx: dict[str, Any]) -> JobServices:
    return ctx[SERVICES_KEY]


def this_worker() -> str:
    """`host:pid`, as the rows' `worker_id` (the legacy app writes the same)."""
    return f"{socket.gethostname()}:{os.getpid()}"[:100]
