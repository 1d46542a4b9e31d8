"""The work behind the endpoints, all of it without holding the event loop: upstream HTTP
on the shared httpx client, ffmpeg through asyncio subprocesses, Pillow and file I/O in
threads. Nothing here knows about requests or responses."""
