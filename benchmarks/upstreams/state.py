"""What one simulator instance holds: the catalog with its search indexes, the media files,
the default latency and the counters behind `/_sim/stats`."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.upstreams.search import SearchIndex
from shared_models.demo.catalog import Catalog, CatalogArtist, CatalogVideo


@dataclass
class RequestStats:
    requests_total: int = 0
    by_endpoint: Counter[str] = field(default_factory=Counter)
    by_status: Counter[int] = field(default_factory=Counter)
    latency_applied_ms_total: float = 0.0
    slow_started: int = 0
    slow_completed: int = 0
    slow_aborted: int = 0

    def as_json(self) -> dict[str, object]:
        return {
            "requests_total": self.requests_total,
            "by_endpoint": dict(self.by_endpoint),
            "by_status": {str(status): count for status, count in self.by_status.items()},
            "latency_applied_ms_total": self.latency_applied_ms_total,
            "slow": {
                "started": self.slow_started,
                "completed": self.slow_completed,
                "aborted": self.slow_aborted,
            },
        }


@dataclass
class SimulatorState:
    catalog: Catalog
    artist_index: SearchIndex[CatalogArtist]
    video_index: SearchIndex[CatalogVideo]
    clips: dict[str, Path]
    default_latency_ms: float = 0.0
    latency_spread_ms: tuple[float, float] | None = None  # see latency.spread_latency_ms
    stats: RequestStats = field(default_factory=RequestStats)
    flaky_hits: Counter[str] = field(default_factory=Counter)

    @classmethod
    def build(cls, catalog: Catalog, clips: dict[str, Path], latency_ms: float) -> SimulatorState:
        return cls(
            catalog=catalog,
            artist_index=SearchIndex(catalog.artists, lambda artist: artist.name),
            # IMVDb's video search matches the song title and the artist's name.
            video_index=SearchIndex(
                list(catalog.all_videos()), lambda video: f"{video.title} {video.artist_name}"
            ),
            clips=clips,
            default_latency_ms=latency_ms,
        )

    def reset(self) -> None:
        self.stats = RequestStats()
        self.flaky_hits.clear()
