"""Sending the built-in synthetic customer stream to the input topic (`tierstream produce`)."""

from __future__ import annotations

import asyncio
import itertools
import sys
import time

from aiokafka import AIOKafkaProducer

from tierstream.demo.generator import generate
from tierstream.settings import Settings


async def produce(
    settings: Settings,
    customers: int,
    seed: int = 7,
    rate: float = 0.0,
    limit: int | None = None,
    invalid_ratio: float = 0.0,
    id_prefix: str = "",
) -> int:
    """Send records keyed by customer id (default partitioner); returns how many were sent."""
    producer = AIOKafkaProducer(
        bootstrap_servers=settings.bootstrap_servers, acks="all", linger_ms=5,
        enable_idempotence=True,
    )
    await producer.start()
    sent = 0
    started = time.monotonic()
    try:
        records = generate(customers, seed=seed, invalid_ratio=invalid_ratio, id_prefix=id_prefix)
        for record in itertools.islice(records, limit):
            await producer.send(settings.input_topic, key=record.key, value=record.value)
            sent += 1
            if rate > 0:
                ahead = sent / rate - (time.monotonic() - started)
                if ahead > 0:
                    await asyncio.sleep(ahead)
            if sent % 1000 == 0:
                print(f"\rproduced {sent}", end="", file=sys.stderr, flush=True)
        await producer.flush()
    finally:
        await producer.stop()
    return sent
