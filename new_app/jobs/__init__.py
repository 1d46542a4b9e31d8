"""Background jobs behind the endpoints. Endpoints talk to a `JobQueue` (queue.py): they
record the job's row first, then ask the queue to run it. `InProcessJobQueue` runs
downloads on this process's event loop, with yt-dlp in a worker thread."""

from new_app.jobs.in_process import InProcessJobQueue
from new_app.jobs.queue import JobQueue

__all__ = ["InProcessJobQueue", "JobQueue"]
