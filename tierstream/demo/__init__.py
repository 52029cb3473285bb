"""Synthetic customer events for the demo and benchmarks (pure Python, no Kafka)."""

from tierstream.demo.generator import (
    FILE_INVALID_KINDS,
    Record,
    SyntheticStream,
    assign_personas,
    customer_id,
    generate,
)

__all__ = [
    "FILE_INVALID_KINDS",
    "Record",
    "SyntheticStream",
    "assign_personas",
    "customer_id",
    "generate",
]
