"""Benchmarks: each module exposes ``run() -> dict`` and runs alone with ``python -m bench.<name>``."""
