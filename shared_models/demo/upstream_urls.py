"""Where the simulated upstreams (`benchmarks/upstreams`) serve what, as URLs.

The simulator and the seed both use these paths, so a seeded video's download URL and
thumbnail URL always point at something the simulator answers.
"""

from __future__ import annotations

from dataclasses import dataclass

IMVDB_PREFIX = "/imvdb/api/v1"
MUSICBRAINZ_PREFIX = "/musicbrainz/ws/2"
WATCH_PATH = "/media/watch/{youtube_id}.{extension}"
IMAGE_PATH = "/media/image/{name}.jpg"


@dataclass(frozen=True)
class UpstreamURLs:
    """The settings values that point both apps at a simulator running at `root`."""

    root: str
    imvdb_base_url: str
    musicbrainz_base_url: str
    video_url_template: str  # has a {youtube_id} placeholder (VIDEO_URL_TEMPLATE)
    image_url_template: str  # has a {name} placeholder (an image stem, e.g. video-1000001-o)


def upstream_urls(root: str, video_extension: str = "mp4") -> UpstreamURLs:
    """URLs for a simulator at `root`, e.g. `http://127.0.0.1:8001`."""
    root = root.rstrip("/")
    watch = WATCH_PATH.replace("{extension}", video_extension)
    return UpstreamURLs(
        root=root,
        imvdb_base_url=root + IMVDB_PREFIX,
        musicbrainz_base_url=root + MUSICBRAINZ_PREFIX,
        video_url_template=root + watch,
        image_url_template=root + IMAGE_PATH,
    )


def simulator_root(imvdb_base_url: str) -> str | None:
    """The simulator's root if IMVDB_BASE_URL points at one (it ends in the IMVDb prefix)."""
    base = imvdb_base_url.rstrip("/")
    if base.endswith(IMVDB_PREFIX):
        return base[: -len(IMVDB_PREFIX)]
    return None
