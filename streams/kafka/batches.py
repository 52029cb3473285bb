"""Records handed to the producer as one batch per topic partition, not one `send` each.

The worker sends several records per input event (outputs, changelog records). A
producer `send` per record costs a coroutine, a future and the producer's bookkeeping
each, a tenth of the worker's time; a batch built here costs one of each per topic
partition. Records keep their order within a partition, which is all Kafka orders.
Without transactions only: a transactional producer takes records through faust's
transaction manager (streams/worker/app.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

Headers = list[tuple[str, bytes]]
Record = tuple[str, int, bytes | None, bytes | None, Headers | None]
"""Topic, partition, key, value (None: a tombstone), headers."""


@dataclass(frozen=True)
class SentBatch:
    topic: str
    partition: int
    records: int
    delivered: asyncio.Future[Any]  # its RecordMetadata: `offset` is the first record's


async def send_batches(producer: Any, records: Iterable[Record]) -> list[SentBatch]:
    """Queue `records` on an aiokafka producer, one batch per topic partition (more
    when one fills up), in their order within each partition. Returns at once; each
    batch's `delivered` completes when the broker has acknowledged it."""
    grouped: dict[tuple[str, int], list[tuple[bytes | None, bytes | None, Headers]]] = {}
    for topic, partition, key, value, headers in records:
        grouped.setdefault((topic, partition), []).append((key, value, headers or []))
    sent: list[SentBatch] = []
    for (topic, partition), items in grouped.items():
        builder, count = producer.create_batch(), 0
        for key, value, headers in items:
            while builder.append(timestamp=None, key=key, value=value, headers=headers) is None:
                if count == 0:  # an empty batch takes any record: never with aiokafka's
                    raise ValueError(f"a record for {topic} does not fit in a producer batch")
                builder.close()
                future = await producer.send_batch(builder, topic, partition=partition)
                sent.append(SentBatch(topic, partition, count, future))
                builder, count = producer.create_batch(), 0
            count += 1
        builder.close()  # complete: sent now, not after the producer's linger
        future = await producer.send_batch(builder, topic, partition=partition)
        sent.append(SentBatch(topic, partition, count, future))
    return sent
