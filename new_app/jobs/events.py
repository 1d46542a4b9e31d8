"""Job progress as events: published by whatever runs a job, pushed to browsers by /ws/jobs.

An event is a small JSON object, e.g.

    {"type": "download", "download_id": 12, "video_id": 3, "status": "downloading",
     "progress": 41.5, "priority": 5, "attempts": 1, "error_message": null, ...}
    {"type": "thumbnails", "video_id": 3, "status": "completed"}

With Redis, publishers (workers, and the app for what its endpoints change) send events on
one pub/sub channel and every app instance relays the channel to its websocket clients:
`RedisEvents`. Without Redis the jobs run in the app itself and events go from memory to the
websockets: `LocalEvents`. Both hand events to subscribers through an `EventHub`.

Events are hints for a live view: a slow subscriber loses its oldest events rather than
slowing anyone down, and nothing is replayed. The rows stay the truth.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from shared_models.models import Download

logger = logging.getLogger(__name__)

Event = dict[str, Any]
SUBSCRIBER_BUFFER = 256
# A lost Redis connection is retried this often (seconds) by the relay.
RELAY_RETRY_SECONDS = 1.0


def download_event(download: Download) -> Event:
    """The event of a download row as it is now."""
    return {
        "type": "download",
        "download_id": download.id,
        "video_id": download.video_id,
        "status": str(download.status),
        "progress": float(download.progress or 0.0),
        "priority": download.priority,
        "attempts": download.attempts,
        "error_message": download.error_message,
        "file_path": download.file_path,
        "file_size": download.file_size,
    }


def video_job_event(kind: str, video_id: int, status: str, **details: Any) -> Event:
    """A thumbnails/transcode/metadata job's event."""
    return {"type": kind, "video_id": video_id, "status": status, **details}


class EventPublisher(Protocol):
    async def publish(self, event: Event) -> None: ...


@dataclass(eq=False)  # identity: kept in a set
class Subscription:
    """One subscriber's buffer; `download_id` narrows it to one download's events."""

    download_id: int | None
    queue: asyncio.Queue[Event] = field(
        default_factory=lambda: asyncio.Queue(maxsize=SUBSCRIBER_BUFFER)
    )

    def wants(self, event: Event) -> bool:
        return self.download_id is None or event.get("download_id") == self.download_id

    def offer(self, event: Event) -> None:
        if not self.wants(event):
            return
        if self.queue.full():
            # The oldest event is the most out of date: drop it, keep the newest.
            self.queue.get_nowait()
        self.queue.put_nowait(event)

    async def next(self) -> Event:
        return await self.queue.get()


class EventHub:
    """Hands each event to the local subscribers (websockets) that want it."""

    mode = "memory"

    def __init__(self) -> None:
        self._subscriptions: set[Subscription] = set()

    @contextlib.asynccontextmanager
    async def subscribe(self, download_id: int | None = None) -> AsyncIterator[Subscription]:
        subscription = Subscription(download_id)
        self._subscriptions.add(subscription)
        try:
            yield subscription
        finally:
            self._subscriptions.discard(subscription)

    def deliver(self, event: Event) -> None:
        for subscription in list(self._subscriptions):
            subscription.offer(event)

    async def start(self) -> None:
        """Begin relaying (nothing to do in memory)."""

    async def close(self) -> None:
        """Stop relaying."""


class LocalEvents(EventHub):
    """In-process jobs: publishing is delivering."""

    async def publish(self, event: Event) -> None:
        self.deliver(event)


def channel_name(redis: Redis) -> str:
    """Pub/sub channels are server-wide, not per database: the channel names the database
    index so that apps on different indexes (test runs, environments) never mix."""
    database = redis.connection_pool.connection_kwargs.get("db", 0)
    return f"mvidarr:{database}:job-events"


class RedisPublisher:
    """What a worker publishes with: its arq Redis connection."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self.channel = channel_name(redis)

    async def publish(self, event: Event) -> None:
        try:
            await self.redis.publish(self.channel, json.dumps(event, separators=(",", ":")))
        except RedisError as error:
            # Progress is a hint; a Redis hiccup must not fail the job.
            logger.warning("job event not published: %s", error)


class RedisEvents(EventHub):
    """An app with Redis: publishes to the channel and relays the channel to its sockets."""

    mode = "redis"

    def __init__(self, redis: Redis) -> None:
        super().__init__()
        self.publisher = RedisPublisher(redis)
        self.redis = redis
        self._relay: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()

    async def publish(self, event: Event) -> None:
        await self.publisher.publish(event)

    async def start(self) -> None:
        self._relay = asyncio.create_task(self._relay_forever(), name="job-events-relay")
        # Until the channel is subscribed, events would be missed: wait a moment for it (not
        # long: with Redis down the app still starts, and the relay keeps trying).
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._subscribed.wait(), timeout=2)

    async def close(self) -> None:
        if self._relay is not None:
            self._relay.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._relay

    async def _relay_forever(self) -> None:
        while True:
            try:
                await self._relay_once()
            except (RedisError, OSError) as error:
                logger.warning("job events relay lost Redis (%s); reconnecting", error)
                await asyncio.sleep(RELAY_RETRY_SECONDS)

    async def _relay_once(self) -> None:
        async with self.redis.pubsub(ignore_subscribe_messages=True) as pubsub:
            await pubsub.subscribe(self.publisher.channel)
            self._subscribed.set()
            async for message in pubsub.listen():
                if message.get("type") != "message":
                    continue
                try:
                    event = json.loads(message["data"])
                except (TypeError, ValueError):
                    continue
                if isinstance(event, dict):
                    self.deliver(event)
