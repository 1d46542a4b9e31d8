"""Gateway overhead: the same endpoint called directly and through the gateway, and the cost
of one routing decision. `python -m benchmarks.gateway_overhead --help`."""
