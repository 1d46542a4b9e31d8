"""Simulated upstream services (IMVDb, MusicBrainz, a media host) for tests, the demo and
benchmarks: `create_app()` builds the ASGI app, `python -m benchmarks.upstreams` serves it."""

from benchmarks.upstreams.app import create_app

__all__ = ["create_app"]
