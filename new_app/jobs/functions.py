"""Every job function, by the name the queues use (arq's names: the function's own)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from new_app.jobs.download import download_video
from new_app.jobs.metadata import refresh_metadata
from new_app.jobs.thumbnails import generate_thumbnails
from new_app.jobs.transcode import transcode_video

JobFunction = Callable[..., Awaitable[Any]]

JOB_FUNCTIONS: dict[str, JobFunction] = {
    function.__name__: function
    for function in (download_video, generate_thumbnails, transcode_video, refresh_metadata)
}
