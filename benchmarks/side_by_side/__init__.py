"""Legacy vs new on one IMVDb-backed endpoint under concurrency (see __main__.py)."""
