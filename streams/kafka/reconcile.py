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

import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterable

from aiokafka import AIOKafkaConsumer, TopicPartition
from prometheus_client.parser import text_string_to_metric_families
from pydantic import BaseModel

from streams.kafka.clients import started
from streams.kafka.existing import require_topics
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


class MetricsUnreadable(Exception):
    """A worker's /metrics could not be fetched or is not a tierstream worker's."""


def metrics_url(url: str) -> str:
    """`http://host:port` means that worker's `/metrics` page."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise MetricsUnreadable(f"{url}: not an http(s)://HOST:PORT[/metrics] URL")
    if parts.path in ("", "/"):
        return urllib.parse.urlunsplit(parts._replace(path="/metrics"))
    return url


def counters_from_text(text: str) -> Counter[str]:
    """Prometheus exposition text -> sample totals by name (all label sets summed)."""
    totals: Counter[str] = Counter()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            totals[sample.name] += int(sample.value)
    return totals


def scrape(url: str, timeout: float = 5.0) -> Counter[str]:
    """The counters of one worker; `MetricsUnreadable` for anything but its /metrics."""
    url = metrics_url(url)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            text = resp.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as exc:
        raise MetricsUnreadable(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise MetricsUnreadable(f"cannot reach {url}: {reason}") from None
    try:
        totals = counters_from_text(text)
    except ValueError:
        raise MetricsUnreadable(f"{url} is not a Prometheus metrics page") from None
    if not any(name in totals for name in COUNTERS.values()):
        raise MetricsUnreadable(f"{url} has no tierstream counters (is it a worker's "
                                "/metrics?)")
    return totals


async def input_record_count(settings: Settings) -> int:
    """Records on the input topic now (every partition it has, not the configured count)."""
    partitions = await require_topics(settings, [settings.input_topic])
    async with started(AIOKafkaConsumer(**client_kwargs(settings), group_id=None)) as consumer:
        parts = [TopicPartition(settings.input_topic, p)
                 for p in partitions[settings.input_topic]]
        ends = await consumer.end_offsets(parts)
        starts = await consumer.beginning_offsets(parts)
        return sum(ends[tp] - starts[tp] for tp in parts)


async def reconcile(settings: Settings, metrics_urls: Iterable[str]) -> Reconciliation:
    """Sum the counters of every worker of the group and compare with the input topic."""
    totals: Counter[str] = Counter()
    for url in metrics_urls:
        totals.update(scrape(url))
    return Reconciliation(
        input_records=await input_record_count(settings),
        **{field: totals[name] for field, name in COUNTERS.items()},
    )
