"""The demo library: a deterministic catalog of artists and videos, real media clips made
with ffmpeg, and the seed that writes a library from them into the database.

The simulated upstream APIs (`benchmarks/upstreams`) serve the same catalog, so the seeded
library and the simulated IMVDb and MusicBrainz agree on every id.
"""
