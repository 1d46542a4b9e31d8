"""Locust scenarios: MVidarr users for the capacity benchmark (`python -m benchmarks.run`).

`mvidarr.py` is the locustfile; `library.py` reads the ids the runner found in the seeded
library, `caps.py` keeps the heavy actions (downloads, live transcodes) at a fixed global
rate, and `shape.py` is the step load that measures one user count after another.
"""
