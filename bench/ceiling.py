"""The ceiling: the least a Python Kafka service can do per record, on the same client.

consume -> json.loads -> produce one record, with the worker's acks, linger, batch
size and commit cadence (read from the faust app the worker builds, so the two
stay alike). Under exactly-once, offsets commit inside producer transactions.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition


@dataclass(frozen=True)
class ClientSettings:
    """The knobs the ceiling shares with the worker's faust app."""

    acks: int
    linger_ms: int
    max_batch_size: int
    commit_every: int
    commit_interval_s: float
    max_fetch_size: int

    @classmethod
    def of_faust(cls, conf: object) -> ClientSettings:
        get = conf.__getattribute__
        return cls(
            acks=int(get("producer_acks")),
            linger_ms=int(float(get("producer_linger")) * 1000),
            max_batch_size=int(get("producer_max_batch_size")),
            commit_every=int(get("broker_commit_every")),
            commit_interval_s=float(get("broker_commit_interval")),
            max_fetch_size=int(get("consumer_max_fetch_size")),
        )


async def run_ceiling(
    bootstrap: str, source: str, sink: str, group: str, total: int,
    client: ClientSettings, exactly_once: bool,
) -> None:
    """Drain `total` records from `source` into `sink` and commit; returns when done."""
    consumer = AIOKafkaConsumer(
        source, bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False,
        auto_offset_reset="earliest", max_partition_fetch_bytes=client.max_fetch_size,
        isolation_level="read_committed" if exactly_once else "read_uncommitted",
    )
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all" if client.acks == -1 else client.acks,
        linger_ms=client.linger_ms, max_batch_size=client.max_batch_size,
        transactional_id=f"{group}-tx" if exactly_once else None,
    )
    await producer.start()
    await consumer.start()
    done = since_commit = 0
    last_commit = time.monotonic()
    pending: dict[TopicPartition, int] = {}
    try:
        if exactly_once:
            await producer.begin_transaction()
        while done < total:
            batch = await consumer.getmany(timeout_ms=500)
            for tp, msgs in batch.items():
                for m in msgs:
                    body = json.loads(m.value or b"")
                    await producer.send(sink, json.dumps(body).encode(), key=m.key)
                pending[tp] = msgs[-1].offset + 1
                done += len(msgs)
                since_commit += len(msgs)
            now = time.monotonic()
            if since_commit >= client.commit_every or now - last_commit >= client.commit_interval_s:
                await _commit(consumer, producer, group, pending, exactly_once)
                since_commit, last_commit = 0, now
        await _commit(consumer, producer, group, pending, exactly_once, last=True)
    finally:
        await consumer.stop()
        await producer.stop()


async def _commit(
    consumer: AIOKafkaConsumer, producer: AIOKafkaProducer, group: str,
    pending: dict[TopicPartition, int], exactly_once: bool, last: bool = False,
) -> None:
    if exactly_once:
        if pending:
            await producer.send_offsets_to_transaction(dict(pending), group)
        await producer.commit_transaction()
        if not last:
            await producer.begin_transaction()
    else:
        await producer.flush()  # faust waits for its sends before committing, too
        if pending:
            await consumer.commit(dict(pending))
    pending.clear()
