"""Benchmarks: commands that print figures (never timed asserts). Run `python -m benchmarks --help`."""
