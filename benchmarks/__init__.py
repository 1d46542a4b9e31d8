"""Benchmarks: the simulated upstream services, load scenarios, runners and reports."""
