"""Synthetic customer events for the demo and benchmarks (pure Python, no Kafka)."""

from tierstream.demo.generator import Record, assign_personas, customer_id, generate

__all__ = ["Record", "assign_personas", "customer_id", "generate"]
