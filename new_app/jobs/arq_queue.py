"""The job queue on Redis (arq): what the app enqueues and `mvgate worker` processes run.

Job ids are deterministic (`download:<id>`, the row's `job_id`; `thumbnails:<video id>`...):
arq refuses a second job with an id it holds, so a double click, two app instances or a
sweep racing an endpoint still make one job. Workers keep no results (`keep_result = 0`),
or the id would stay taken after the job ended and a retried download could not be queued.

Priorities: arq has one queue per worker, a sorted set ordered by score (the time a job may
start, in ms) and taken lowest first. A download's score is its enqueue time moved earlier
by one day per priority step above 1, so a priority 10 download is taken before a priority 9
one queued less than a day earlier, and so on; within a priority, first come first served.
The score is in the past, so nothing waits for it. Changing a row's priority moves a waiting
job by rewriting its score (jobs already running are not touched).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from arq.connections import ArqRedis
from arq.constants import default_queue_name, in_progress_key_prefix, job_key_prefix
from arq.jobs import Job
from redis.exceptions import RedisError

from new_app.jobs.queue import download_job_id
from shared_models.models import DEFAULT_PRIORITY, MIN_PRIORITY

logger = logging.getLogger(__name__)

PRIORITY_STEP = timedelta(days=1)
# How long a job may wait in Redis before arq drops it (the sweep re-enqueues its row if
# that ever happens). Longer than the largest priority head start.
JOB_EXPIRES = timedelta(days=30)
EXISTS_BATCH = 500


def priority_score_time(enqueued: datetime, priority: int) -> datetime:
    return enqueued - PRIORITY_STEP * (priority - MIN_PRIORITY)


class ArqJobQueue:
    def __init__(self, redis: ArqRedis, *, owns_connection: bool = False) -> None:
        self.redis = redis
        self.owns_connection = owns_connection
        self.queue_name = default_queue_name

    @classmethod
    async def connect(cls, redis_url: str) -> ArqJobQueue:
        """Connections are made on first use: an app starts (and serves everything but new
        jobs) while Redis is down."""
        return cls(ArqRedis.from_url(redis_url), owns_connection=True)

    async def enqueue_download(self, download_id: int, priority: int = DEFAULT_PRIORITY) -> None:
        now = datetime.now(UTC)
        try:
            await self.redis.enqueue_job(
                "download_video",
                download_id,
                _job_id=download_job_id(download_id),
                _defer_until=priority_score_time(now, priority),
                _expires=JOB_EXPIRES,
            )
        except (RedisError, OSError) as error:
            # The row is queued and committed: a worker's sweep enqueues it once Redis is back.
            logger.warning("download %d not enqueued (%s); the sweep will", download_id, error)

    async def cancel_download(self, download_id: int) -> None:
        # The cancelled row is the signal: the running attempt sees it within a moment,
        # a waiting job finds nothing to claim.
        return None

    async def reprioritize_download(self, download_id: int, priority: int) -> None:
        job_id = download_job_id(download_id)
        if await self.redis.exists(in_progress_key_prefix + job_id):
            return
        info = await Job(job_id, self.redis).info()
        if info is None:
            return
        score = priority_score_time(info.enqueue_time.astimezone(UTC), priority)
        # XX: only a job still waiting in the queue; a finished one is not brought back.
        await self.redis.zadd(self.queue_name, {job_id: int(score.timestamp() * 1000)}, xx=True)

    async def enqueue_job(self, function: str, *args: Any, job_id: str) -> None:
        await self.redis.enqueue_job(function, *args, _job_id=job_id)

    async def missing(self, job_ids: Iterable[str]) -> list[str]:
        """The ids among `job_ids` that Redis holds no job for."""
        ids = list(job_ids)
        absent: list[str] = []
        for start in range(0, len(ids), EXISTS_BATCH):
            batch = ids[start : start + EXISTS_BATCH]
            async with self.redis.pipeline(transaction=False) as pipe:
                for job_id in batch:
                    pipe.exists(job_key_prefix + job_id)
                found = await pipe.execute()
            absent += [job_id for job_id, exists in zip(batch, found, strict=True) if not exists]
        return absent

    async def release(self, job_id: str) -> None:
        """Forget a dead worker's claim on a job, so another worker takes it at once (arq
        would wait for the claim to expire: the longest job timeout). The job itself (its
        definition and place in the queue) is left alone."""
        await self.redis.delete(in_progress_key_prefix + job_id)

    async def close(self) -> None:
        if self.owns_connection:
            await self.redis.aclose()
