"""Accounting for every input record: `in = applied + duplicates + dead-lettered`.

The input topic's record count is read from the broker (end minus start offsets);
what happened to each record is read from the workers' `/metrics` counters. Every
consumed record is counted exactly once: applied, a duplicate `event_id`, sent to
the dead-letter topic, or forwarded to its customer's home partition (the forwarded
copy is itself an input record, counted again when consumed). So, for one run of
workers that consumed the topic from its start to its end:

    input records = applied + duplicate + rejected + forwarded

Counters restart with a worker, so after a crash (which replays the uncommitted
tail) the sides differ by the replayed records; the fault tests audit those runs
record by record instead.
"""

from __future__ import annotations

import urllib.request
from collections import Counter
from collections.abc import Iterable

from aiokafka import AIOKafkaConsumer, TopicPartition
from prometheus_client.parser import text_string_to_metric_families
from pydantic import BaseModel

from streams.kafka.security import client_kwargs
from tierstream.settings import Settings

COUNTERS = {
    "applied": "tierstream_events_applied_total",
    "duplicate": "tierstream_events_duplicate_total",
    "rejected": "tierstream_events_rejected_total",
    "forwarded": "tierstream_events_forwarded_total",
}


class Reconciliation(BaseModel):
    input_records: int
    applied: int
    duplicate: int
    rejected: int
    forwarded: int

    @property
    def accounted(self) -> int:
        return self.applied + self.duplicate + self.rejected + self.forwarded

    @property
    def balanced(self) -> bool:
        return self.input_records == self.accounted

    def summary(self) -> str:
        missing = self.input_records - self.accounted
        verdict = "balanced" if self.balanced else f"UNBALANCED by {missing}"
        return (f"in={self.input_records} applied={self.applied} duplicate={self.duplicate} "
                f"dlq={self.rejected} forwarded={self.forwarded}: {verdict}")


def counters_from_text(text: str) -> Counter[str]:
    """Prometheus exposition text -> sample totals by name (all label sets summed)."""
    totals: Counter[str] = Counter()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            totals[sample.name] += int(sample.value)
    return totals


def scrape(url: str, timeout: float = 5.0) -> Counter[str]:
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return counters_from_text(resp.read().decode())


async def input_record_count(settings: Settings) -> int:
    consumer = AIOKafkaConsumer(**client_kwargs(settings), group_id=None)
    await consumer.start()
    try:
        parts = [TopicPartition(settings.input_topic, p) for p in range(settings.partitions)]
        ends = await consumer.end_offsets(parts)
        starts = await consumer.beginning_offsets(parts)
        return sum(ends[tp] - starts[tp] for tp in parts)
    finally:
        await consumer.stop()


async def reconcile(settings: Settings, metrics_urls: Iterable[str]) -> Reconciliation:
    """Sum the counters of every worker of the group and compare with the input topic."""
    totals: Counter[str] = Counter()
    for url in metrics_urls:
        totals.update(scrape(url))
    return Reconciliation(
        input_records=await input_record_count(settings),
        **{field: totals[name] for field, name in COUNTERS.items()},
    )
