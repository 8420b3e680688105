"""Benchmarks: numbers, not assertions. `python -m bench` (or `make bench`) prints a table."""
