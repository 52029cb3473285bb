"""Sending the built-in synthetic customer stream to the input topic (`tierstream produce`)."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable, Collection

from aiokafka import AIOKafkaProducer

from streams.kafka.security import client_kwargs
from tierstream.demo.generator import generate
from tierstream.settings import Settings

Progress = Callable[[int, float], None]
PROGRESS_EVERY_S = 1.0


async def produce(
    settings: Settings,
    customers: int,
    seed: int = 7,
    rate: float = 0.0,
    limit: int | None = None,
    invalid_ratio: float = 0.0,
    id_prefix: str = "",
    duration: float | None = None,
    personas: Collection[str] | None = None,
    progress: Progress | None = None,
) -> int:
    """Send records keyed by customer id (default partitioner); returns how many were sent.

    Stops after `limit` records or `duration` seconds, whichever comes first;
    `progress(sent, elapsed_seconds)` is called about once a second.
    """
    records = generate(customers, seed=seed, invalid_ratio=invalid_ratio, id_prefix=id_prefix,
                       personas=personas)
    producer = AIOKafkaProducer(
        **client_kwargs(settings), acks="all", linger_ms=5,
        enable_idempotence=True,
    )
    try:
        await producer.start()
    except BaseException:  # e.g. broker unreachable: close it, no 'Unclosed' warning
        await producer.stop()
        raise
    sent = 0
    started = time.monotonic()
    next_report = started + PROGRESS_EVERY_S
    try:
        for record in itertools.islice(records, limit):
            if duration is not None and time.monotonic() - started >= duration:
                break
            await producer.send(settings.input_topic, key=record.key, value=record.value)
            sent += 1
            if rate > 0:
                ahead = sent / rate - (time.monotonic() - started)
                if ahead > 0:
                    await asyncio.sleep(ahead)
            if progress is not None and time.monotonic() >= next_report:
                progress(sent, time.monotonic() - started)
                next_report += PROGRESS_EVERY_S
        await producer.flush()
    finally:
        await producer.stop()
    return sent
