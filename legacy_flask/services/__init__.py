"""The blocking work behind the views: upstream HTTP calls, yt-dlp downloads, ffmpeg
streams, Pillow thumbnails, system checks. Nothing here knows about Flask requests."""
