"""Benchmarks: each bench_*.py prints a table and writes benchmarks/results/<name>.json."""
