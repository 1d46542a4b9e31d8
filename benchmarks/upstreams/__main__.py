"""`python -m benchmarks.upstreams --host 127.0.0.1 --port 8001 --latency-ms 50`"""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn

from benchmarks.upstreams.app import create_app
from benchmarks.upstreams.latency import parse_spread


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Serve the simulated IMVDb, MusicBrainz and media."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--latency-ms", type=float, default=0.0, help="default added latency")
    parser.add_argument(
        "--latency-spread-ms",
        type=parse_spread,
        default=None,
        help="LOW-HIGH: API answers late by a per-subject amount in this range",
    )
    parser.add_argument("--media-dir", type=Path, default=None, help="clip cache directory")
    parser.add_argument("--log-level", default="warning")
    return parser.parse_args()


def main() -> None:
    arguments = parse_arguments()
    app = create_app(
        latency_ms=arguments.latency_ms,
        media_dir=arguments.media_dir,
        latency_spread_ms=arguments.latency_spread_ms,
    )
    uvicorn.run(app, host=arguments.host, port=arguments.port, log_level=arguments.log_level)


if __name__ == "__main__":
    main()
