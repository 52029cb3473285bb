"""Reading the dead-letter topic, and sending fixed records back (`tierstream dlq redrive`).

A dead letter keeps the rejected record's key and value and says why in headers
(schemas/outputs.py `DeadLetterHeaders`), so redriving is sending those bytes to the
input topic again, once the policy or the producer is fixed. The topic is read up to
the end offsets it had at the start: records dead-lettered meanwhile (a redriven one
rejected again, say) wait for the next run, and the command always ends. Neither
topic is created: both must exist (streams/kafka/existing.py).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from datetime import datetime

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaConnectionError, KafkaError
from pydantic import ValidationError

from schemas.outputs import REDRIVEN_FROM_HEADER, DeadLetterHeaders
from streams.kafka.clients import started
from streams.kafka.existing import require_topics
from streams.kafka.security import client_kwargs
from tierstream.settings import Settings

Progress = Callable[[int], None]
PROGRESS_EVERY_S = 0.2


@dataclass(frozen=True)
class DeadLetter:
    """One record of the dead-letter topic; `why` is None for a record without our
    headers (written by something else, or by a version before them)."""

    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    why: DeadLetterHeaders | None

    def where(self, topic: str) -> str:
        return f"{topic}/{self.partition}/{self.offset}"


@dataclass(frozen=True)
class Redriven:
    read: int  # dead letters read
    sent: int  # of which sent back to the input topic


class RedriveFailed(Exception):
    """A send was refused; some matching dead letters may have been sent already."""


def _why(headers: Sequence[tuple[str, bytes]]) -> DeadLetterHeaders | None:
    try:
        return DeadLetterHeaders.from_headers(headers)
    except ValidationError:
        return None


async def dead_letters(settings: Settings,
                       since: datetime | None = None) -> AsyncGenerator[DeadLetter, None]:
    """The dead letters on the topic now, as they arrive from its partitions; with
    `since`, from each partition's first record of that time on (a dead letter is
    written after its rejection, so none rejected since then comes before it)."""
    topic = settings.dlq_topic
    partitions = (await require_topics(settings, [topic]))[topic]
    client = AIOKafkaConsumer(**client_kwargs(settings), group_id=None,
                              enable_auto_commit=False, isolation_level="read_committed")
    async with started(client) as consumer:
        parts = [TopicPartition(topic, p) for p in partitions]
        consumer.assign(parts)
        ends = await consumer.end_offsets(parts)
        starts = await consumer.beginning_offsets(parts)
        if since is not None:
            found = await consumer.offsets_for_times(
                {tp: int(since.timestamp() * 1000) for tp in parts})
            starts = {tp: found[tp].offset if found[tp] is not None else ends[tp]
                      for tp in parts}
        for tp in parts:
            consumer.seek(tp, starts[tp])
        left = [tp for tp in parts if starts[tp] < ends[tp]]
        while left:
            batch = await consumer.getmany(*left, timeout_ms=1000)
            for tp, messages in batch.items():
                for m in messages:
                    if m.offset < ends[tp]:
                        yield DeadLetter(m.partition, m.offset, m.key, m.value,
                                         _why(m.headers))
            left = [tp for tp in left if await consumer.position(tp) < ends[tp]]


async def redrive(settings: Settings, reason: str, since: datetime | None = None,
                  progress: Progress | None = None) -> Redriven:
    """Send every dead letter of `reason` (rejected at or after `since`) back to the
    input topic: its key and value, and a header naming the dead letter it was.
    `progress(read)` is called a few times a second."""
    await require_topics(settings, [settings.input_topic, settings.dlq_topic])
    producer = AIOKafkaProducer(**client_kwargs(settings), acks="all", linger_ms=5,
                                enable_idempotence=True)
    try:
        await producer.start()
    except BaseException:
        await producer.stop()
        raise
    read, acks = 0, []
    next_report = time.monotonic() + PROGRESS_EVERY_S
    try:
        async with aclosing(dead_letters(settings, since)) as letters:  # its consumer too
            async for letter in letters:
                read += 1
                why = letter.why
                if why is not None and why.reason == reason and (
                        since is None or why.rejected_at >= since):
                    from_where = letter.where(settings.dlq_topic).encode()
                    acks.append(await producer.send(
                        settings.input_topic, letter.value, key=letter.key,
                        headers=[(REDRIVEN_FROM_HEADER, from_where)]))
                if progress is not None and time.monotonic() >= next_report:
                    progress(read)
                    next_report = time.monotonic() + PROGRESS_EVERY_S
        results = await asyncio.gather(*acks, return_exceptions=True)
    except KafkaConnectionError:
        raise  # said in one line by the command (tierstream/cli/base.py)
    except KafkaError as exc:  # e.g. a record the producer refuses (too large, not allowed)
        raise RedriveFailed(f"stopped after queueing {len(acks)} dead letters for "
                            f"{settings.input_topic}: {exc}") from None
    finally:
        await producer.stop()
    if progress is not None:
        progress(read)
    failed = [r for r in results if isinstance(r, BaseException)]
    if failed:
        raise RedriveFailed(f"{len(acks) - len(failed)} of {len(acks)} dead letters sent to "
                            f"{settings.input_topic}; the rest were refused: {failed[0]}")
    return Redriven(read=read, sent=len(acks))
