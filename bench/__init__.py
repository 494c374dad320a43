"""Benchmarks, run by `make bench` (each bench/*.py script but this file), never by `make test`."""
