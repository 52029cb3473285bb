"""Broker chores of the benchmark: fill the input, count and time outputs, clean up."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import GroupCoordinatorNotAvailableError

from bench.stats import event_time
from tierstream.demo.generator import Record


@dataclass(frozen=True)
class Span:
    """How many records a topic holds and the timestamps of its first and last one."""

    count: int
    first_ms: int
    last_ms: int


async def create(bootstrap: str, topics: Sequence[str], partitions: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        new = [NewTopic(t, partitions, 1) for t in topics if t not in existing]
        if new:
            await admin.create_topics(new)
    finally:
        await admin.close()


async def delete_prefixed(bootstrap: str, prefix: str) -> None:
    """Delete every topic whose name starts with the run's unique prefix."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        mine = [t for t in await admin.list_topics() if t.startswith(prefix)]
        if mine:
            await admin.delete_topics(mine)
    finally:
        await admin.close()


async def fill(bootstrap: str, topic: str, records: Sequence[Record]) -> None:
    """Send as fast as the broker takes them (default partitioner, keyed by customer)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=20,
                                max_batch_size=256 * 1024)
    await producer.start()
    try:
        futures = [await producer.send(topic, r.value, key=r.key) for r in records]
        await producer.flush()
        for f in futures:
            f.result()
    finally:
        await producer.stop()


async def end_count(consumer: AIOKafkaConsumer, parts: list[TopicPartition]) -> int:
    ends = await consumer.end_offsets(parts)
    return int(sum(ends.values()))


async def wait_count(
    bootstrap: str, topic: str, partitions: int, target: int, timeout: float,
    alive: Callable[[], bool] = lambda: True,
) -> float:
    """Poll end offsets (cheap: no records read) until `topic` holds `target` records.

    Returns the monotonic time it got there; raises on timeout or when `alive()` fails.
    """
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    await consumer.start()
    parts = [TopicPartition(topic, p) for p in range(partitions)]
    deadline = time.monotonic() + timeout
    try:
        while (n := await end_count(consumer, parts)) < target:
            if not alive():
                raise RuntimeError(f"{topic}: the process producing it exited at {n}/{target}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{topic}: {n} of {target} records after {timeout:.0f}s")
            await asyncio.sleep(0.25)
        return time.monotonic()
    finally:
        await consumer.stop()


async def wait_committed(
    bootstrap: str, group: str, topic: str, partitions: int, timeout: float,
    alive: Callable[[], bool] = lambda: True,
) -> float:
    """Poll the group's committed offsets until they reach the end of `topic`.

    Returns the wall-clock time (epoch seconds) it got there: a drain is over when the
    input is committed, whatever the outputs look like (the latest-tier topic may
    carry one record per customer per batch).
    """
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    await admin.start()
    await consumer.start()
    parts = [TopicPartition(topic, p) for p in range(partitions)]
    deadline = time.monotonic() + timeout
    try:
        ends = await consumer.end_offsets(parts)
        while True:
            try:
                offsets = await admin.list_consumer_group_offsets(group)
            except GroupCoordinatorNotAvailableError:  # a fresh broker still electing it
                offsets = {}
            done = sum(min(offsets[tp].offset, ends[tp]) for tp in parts
                       if tp in offsets and offsets[tp].offset >= 0)
            if done >= sum(ends.values()):
                return time.time()
            if not alive():
                raise RuntimeError(f"{group}: the worker exited at {done} committed")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{group}: {done} of {sum(ends.values())} committed "
                                   f"after {timeout:.0f}s")
            await asyncio.sleep(0.2)
    finally:
        await consumer.stop()
        await admin.close()


async def read_all(
    bootstrap: str, topic: str, partitions: int, isolation: str = "read_uncommitted",
) -> list[tuple[bytes, int, bytes]]:
    """(key, timestamp ms, value) of every record, in per-partition order."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None,
                                isolation_level=isolation, enable_auto_commit=False,
                                max_partition_fetch_bytes=4 * 1024 * 1024)
    await consumer.start()
    parts = [TopicPartition(topic, p) for p in range(partitions)]
    try:
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        ends = await consumer.end_offsets(parts)
        left = {tp for tp in parts if ends[tp] > 0}
        out: list[tuple[bytes, int, bytes]] = []
        while left:
            batch = await consumer.getmany(*left, timeout_ms=1000)
            for tp, msgs in batch.items():
                out.extend((m.key or b"", m.timestamp, m.value or b"") for m in msgs)
                if msgs and msgs[-1].offset + 1 >= ends[tp]:
                    left.discard(tp)
            for tp in list(left):  # transaction markers can leave the position at the end
                if await consumer.position(tp) >= ends[tp]:
                    left.discard(tp)
        return out
    finally:
        await consumer.stop()


async def span(bootstrap: str, topic: str, partitions: int, isolation: str) -> Span:
    """Count and first/last timestamps of a topic (reads it once)."""
    rows = await read_all(bootstrap, topic, partitions, isolation)
    stamps = [ts for _, ts, _ in rows]
    return Span(len(rows), min(stamps, default=0), max(stamps, default=0))


class Pacer:
    """Sends records at a fixed rate through one producer, kept for every phase of a
    run: a producer started anew for the measured phase would spend its first seconds
    on metadata and connections, and then catch up in a burst the worker is timed on.
    Records share produce requests for up to 5 ms, as an upstream system's producer
    would: one request per record costs the broker, on the same two cores as the
    worker, more than the worker's own work at these rates. The 5 ms count in the
    latency (the timestamp is taken when a record is handed to the producer)."""

    def __init__(self, bootstrap: str) -> None:
        self._producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)

    async def __aenter__(self) -> Pacer:
        await self._producer.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._producer.stop()

    async def send(
        self, topic: str, records: Sequence[Record], per_s: float
    ) -> list[tuple[bytes, int, float]]:
        """Send at `per_s`; returns (key, broker-visible timestamp ms, occurred_at) per
        record."""
        producer = self._producer
        start = time.monotonic()
        futures = []
        for i, r in enumerate(records):
            delay = start + i / per_s - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            futures.append(await producer.send(topic, r.value, key=r.key))
        await producer.flush()
        return [(r.key or b"", f.result().timestamp, event_time(json.loads(r.value)["occurred_at"]))
                for r, f in zip(records, futures, strict=True)]


async def paced(
    bootstrap: str, topic: str, records: Sequence[Record], per_s: float
) -> list[tuple[bytes, int, float]]:
    """`Pacer.send` through a producer of its own."""
    async with Pacer(bootstrap) as pacer:
        return await pacer.send(topic, records, per_s)
