"""The processor's `send` and `delivered` without transactions: a batch's records go
to the producer together, one producer batch per topic partition (streams/kafka/batches.py).

`send` only collects; `delivered` hands everything collected to the producer and waits
until the broker has acknowledged all of it, or raises. Under exactly_once the records
go one by one through faust's transaction manager instead (app.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from streams.kafka.batches import Headers, Record, send_batches
from tierstream.partitioning import default_partition


class BatchedSends:
    def __init__(self, producer: Callable[[], Awaitable[Any]], partitions: int) -> None:
        """`producer` returns the started aiokafka producer; every topic has `partitions`."""
        self._producer = producer
        self._partitions = partitions
        self._pending: list[Record] = []

    async def send(self, topic: str, key: bytes | None, value: bytes | None,
                   partition: int | None, headers: Headers | None = None) -> None:
        """Collect one record; a keyed record without a partition goes where Kafka's
        default partitioner would put it, one without a key to partition 0."""
        if partition is None:
            partition = default_partition(key, self._partitions) if key is not None else 0
        self._pending.append((topic, partition, key, value, headers))

    async def delivered(self) -> None:
        pending, self._pending = self._pending, []
        if pending:
            sent = await send_batches(await self._producer(), pending)
            await asyncio.gather(*(batch.delivered for batch in sent))
