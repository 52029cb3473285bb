"""Records sent as one producer batch per topic partition, in their order."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.producer.message_accumulator import MessageBatch

from streams.kafka.batches import send_batches
from streams.worker.batched_sends import BatchedSends
from tierstream.partitioning import default_partition


class FakeBuilder:
    def __init__(self, room: int) -> None:
        self.room = room
        self.records: list[tuple[Any, ...]] = []
        self.closed = False

    def close(self) -> None:
        self.closed = True

    def append(self, *, timestamp: Any, key: Any, value: Any, headers: Any) -> object | None:
        if len(self.records) == self.room or self.closed:
            return None
        self.records.append((key, value, headers))
        return object()


class FakeProducer:
    def __init__(self, room: int = 100) -> None:
        self.room = room
        self.sent: list[tuple[str, int, list[tuple[Any, ...]]]] = []

    def create_batch(self) -> FakeBuilder:
        return FakeBuilder(self.room)

    async def send_batch(self, builder: FakeBuilder, topic: str, *,
                         partition: int) -> asyncio.Future[Any]:
        assert builder.closed, "an open batch lingers in the producer before it is sent"
        self.sent.append((topic, partition, builder.records))
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        future.set_result(None)
        return future


async def test_one_batch_per_topic_partition_in_order_split_when_full() -> None:
    producer = FakeProducer(room=2)
    records = [("t", 0, b"a", b"1", None), ("u", 1, b"b", b"2", [("h", b"x")]),
               ("t", 0, b"a", b"3", None), ("t", 0, b"a", None, None)]
    sent = await send_batches(producer, records)
    assert producer.sent == [
        ("t", 0, [(b"a", b"1", []), (b"a", b"3", [])]),
        ("t", 0, [(b"a", None, [])]),  # the first batch was full
        ("u", 1, [(b"b", b"2", [("h", b"x")])]),
    ]
    assert [(b.topic, b.partition, b.records) for b in sent] == [("t", 0, 2), ("t", 0, 1),
                                                                ("u", 1, 1)]


async def test_a_closed_batch_does_not_wait_for_the_producer_linger() -> None:
    """What `send_batches` relies on in aiokafka: a batch closed before it is handed
    over is ready at once (an open one waits `linger_ms`, 5 ms in the worker, for more
    records that never come: a third of a batch's time under load)."""
    producer = AIOKafkaProducer(bootstrap_servers="127.0.0.1:1", linger_ms=5000)
    builder = producer.create_batch()
    builder.append(timestamp=None, key=b"k", value=b"v")
    tp = TopicPartition("t", 0)
    assert MessageBatch(tp, builder, ttl=60, linger_time=5.0).remaining_linger() is not None
    builder.close()
    assert MessageBatch(tp, builder, ttl=60, linger_time=5.0).remaining_linger() is None


async def test_a_record_that_fits_no_batch_is_refused() -> None:
    with pytest.raises(ValueError, match="does not fit"):
        await send_batches(FakeProducer(room=0), [("t", 0, b"k", b"v", None)])


async def test_the_worker_sends_nothing_before_delivery_and_keys_pick_partitions() -> None:
    producer = FakeProducer()

    async def started() -> FakeProducer:
        return producer

    sends = BatchedSends(started, 6)
    await sends.send("out", b"C1", b"x", None)
    await sends.send("dlq", None, b"y", None)
    await sends.send("in", b"C2", b"z", 4)
    assert producer.sent == []
    await sends.delivered()
    assert producer.sent == [("out", default_partition(b"C1", 6), [(b"C1", b"x", [])]),
                             ("dlq", 0, [(None, b"y", [])]), ("in", 4, [(b"C2", b"z", [])])]
    await sends.delivered()  # nothing new: nothing sent
    assert len(producer.sent) == 3
