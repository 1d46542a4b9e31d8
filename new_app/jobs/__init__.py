"""Background jobs: yt-dlp downloads, thumbnails, transcodes and metadata refreshes.

Job functions are plain `async def f(ctx, ...)` (arq's shape), run either by `mvgate worker`
processes on Redis (`worker.WorkerSettings`, `arq_queue.ArqJobQueue`) or, with REDIS_URL
unset, by the app itself (`in_process.InProcessJobQueue`). Endpoints see a `JobQueue`
(queue.py); the `downloads` row is always the truth. See docs/jobs.md.
"""

from new_app.jobs.queue import JobQueue

__all__ = ["JobQueue"]
