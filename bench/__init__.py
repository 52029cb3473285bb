"""Throughput and latency benchmark of the worker against a plain aiokafka loop.

Run with `make bench` (or `python -m bench.run --help`). Not a test: it needs the
broker, takes minutes and its numbers depend on the machine.
"""
