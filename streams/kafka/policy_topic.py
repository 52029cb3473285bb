"""Writing keyed records to the compacted policy topic, and reading back its latest.

`promote` must publish the challenger the workers actually run, so it reads the
topic (to its end, as it is now) rather than trusting a local file.
"""

from __future__ import annotations

from collections.abc import Sequence

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from streams.kafka.clients import started
from streams.kafka.security import client_kwargs
from tierstream.settings import Settings


async def write(settings: Settings, records: Sequence[tuple[bytes, bytes | None]]) -> None:
    """Send (key, value) records in order, each acknowledged before the next; a None
    value is a tombstone."""
    async with started(AIOKafkaProducer(acks="all", **client_kwargs(settings))) as producer:
        for key, value in records:
            await producer.send_and_wait(settings.policy_topic, value, key=key)


async def read_latest(settings: Settings, topic: str) -> dict[bytes, bytes | None]:
    """The latest value of every key on `topic`, read from the beginning to its end."""
    consumer = AIOKafkaConsumer(group_id=None, enable_auto_commit=False,
                                **client_kwargs(settings))
    try:
        await consumer.start()
    except BaseException:
        await consumer.stop()
        raise
    latest: dict[bytes, bytes | None] = {}
    try:
        parts = [TopicPartition(topic, 0)]  # one partition (topics.py): one order of policies
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        ends = await consumer.end_offsets(parts)
        pending = {tp for tp in parts if ends[tp] > 0}
        while pending:
            batch = await consumer.getmany(*pending, timeout_ms=1000)
            for msgs in batch.values():
                for msg in msgs:
                    if msg.key is not None:
                        latest[msg.key] = msg.value
            for tp in list(pending):
                if await consumer.position(tp) >= ends[tp]:
                    pending.discard(tp)
    finally:
        await consumer.stop()
    return latest
