"""Bootstrapping a deployment from history: decided offline, written where workers restore.

A worker restores its tables from their changelog topics before it consumes. So a
history decided offline (the same pipeline as the worker) becomes a deployment's
starting point by writing each customer's final state into the state table's
changelog, its next due time into the due table's changelog and its latest standing
into the compacted latest-tier topic, on the partition the worker would use (the
producers' murmur2 partition of the customer id). Workers started afterwards restore
exactly that and go on from there. The history's tier changes and alerts are
published only on request: downstream systems may already have acted on them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from aiokafka import AIOKafkaProducer

from streams.kafka.clients import started
from streams.kafka.security import client_kwargs
from streams.kafka.topics import (
    DUE_TABLE,
    STATE_TABLE,
    changelog_specs,
    changelog_topic,
    create_topics,
)
from tierstream.offline.bootstrap import FinalCustomer
from tierstream.partitioning import default_partition
from tierstream.settings import Settings

PENDING_LIMIT = 10_000  # sends in flight before waiting for their acknowledgements


@dataclass
class BackfillCounts:
    customers: int = 0
    due: int = 0
    latest: int = 0
    history: int = 0


async def write_backfill(
    settings: Settings,
    customers: Iterable[FinalCustomer],
    history: Iterable[tuple[str, bytes, bytes]] = (),
) -> BackfillCounts:
    """Write `history` ((output role, key, value) in order: "tier_changes" or "alerts"),
    then every final customer."""
    await create_topics(settings)
    await create_topics(settings, changelog_specs(settings))
    state_topic = changelog_topic(settings, STATE_TABLE)
    due_topic = changelog_topic(settings, DUE_TABLE)
    client = AIOKafkaProducer(**client_kwargs(settings), acks="all",
                              enable_idempotence=True, linger_ms=20)
    async with started(client) as producer:
        counts = BackfillCounts()
        pending = []
        n = settings.partitions

        async def send(topic: str, key: bytes, value: bytes) -> None:
            pending.append(await producer.send(topic, value, key=key,
                                               partition=default_partition(key, n)))
            if len(pending) >= PENDING_LIMIT:
                for future in pending:
                    await future
                pending.clear()

        topics = {"tier_changes": settings.tier_changes_topic, "alerts": settings.alerts_topic}
        for role, key, value in history:
            await send(topics[role], key, value)
            counts.history += 1
        for customer in customers:
            await send(state_topic, customer.key, customer.state)
            counts.customers += 1
            if customer.due is not None:
                await send(due_topic, customer.key, customer.due)
                counts.due += 1
            if customer.latest is not None:
                await send(settings.latest_topic, customer.key, customer.latest)
                counts.latest += 1
        for future in pending:
            await future
    return counts
