"""Sending the built-in synthetic customer stream to the input topic (`tierstream produce`)."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable, Iterable

from aiokafka import AIOKafkaProducer

from streams.kafka.clients import started
from streams.kafka.existing import require_topics
from streams.kafka.security import client_kwargs
from tierstream.demo.generator import Record
from tierstream.settings import Settings

Progress = Callable[[int], None]
PROGRESS_EVERY_S = 0.2


async def produce(
    settings: Settings,
    records: Iterable[Record],
    rate: float = 0.0,
    limit: int | None = None,
    duration: float | None = None,
    progress: Progress | None = None,
) -> int:
    """Send records keyed by customer id (default partitioner); returns how many were sent.

    The input topic must exist (`MissingTopics` otherwise: sending would auto-create
    it with the broker's defaults). Stops after `limit` records or `duration` seconds,
    whichever comes first; `progress(sent)` is called a few times a second.
    """
    await require_topics(settings, [settings.input_topic])
    client = AIOKafkaProducer(
        **client_kwargs(settings), acks="all", linger_ms=5,
        enable_idempotence=True,
    )
    async with started(client) as producer:
        sent = 0
        began = time.monotonic()
        next_report = began + PROGRESS_EVERY_S
        for record in itertools.islice(records, limit):
            if duration is not None and time.monotonic() - began >= duration:
                break
            await producer.send(settings.input_topic, key=record.key, value=record.value)
            sent += 1
            if rate > 0:
                ahead = sent / rate - (time.monotonic() - began)
                if ahead > 0:
                    await asyncio.sleep(ahead)
            if progress is not None and time.monotonic() >= next_report:
                progress(sent)
                next_report = time.monotonic() + PROGRESS_EVERY_S
        await producer.flush()
        if progress is not None:
            progress(sent)
    return sent
