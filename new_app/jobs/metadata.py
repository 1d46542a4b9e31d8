"""refresh_metadata: a video's metadata refreshed from IMVDb on the shared httpx client (the
same lookup and mapping as POST /api/videos/<id>/refresh-metadata). An unreachable or failing
IMVDb is retried with backoff; a video IMVDb does not know is left as it is."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from arq.worker import Retry
from sqlalchemy.orm import joinedload

from new_app.jobs.context import services_of
from new_app.jobs.events import video_job_event
from new_app.services.imvdb import ImvdbClient
from new_app.services.upstream import UpstreamError
from new_app.services.video_metadata import apply_imvdb_video, find_on_imvdb
from shared_models.models import Video

logger = logging.getLogger(__name__)


async def refresh_metadata(ctx: dict[str, Any], video_id: int) -> str:
    """Job: refresh one video from IMVDb."""
    services = services_of(ctx)
    client = ImvdbClient.from_settings(services.http, services.settings)
    try:
        async with (
            asyncio.timeout(services.tuning.metadata_timeout),
            services.session_factory() as db,
        ):
            video = await db.get(Video, video_id, options=[joinedload(Video.artist)])
            if video is None:
                return "no such video"
            found = await find_on_imvdb(client, video)
            if found is None:
                outcome = "not on IMVDb"
            else:
                apply_imvdb_video(video, found, services.settings.video_url_template)
                await db.commit()
                outcome = "refreshed"
    except (UpstreamError, TimeoutError) as error:
        job_try = int(ctx.get("job_try", 1))
        if job_try < services.tuning.max_attempts:
            raise Retry(defer=services.tuning.backoff(job_try)) from error
        logger.warning("metadata of video %d: %s", video_id, error)
        await services.events.publish(video_job_event("metadata", video_id, "failed"))
        return f"failed: {error}"
    await services.events.publish(video_job_event("metadata", video_id, outcome))
    return outcome
