"""Sending one erasure request to the input topic (`tierstream erase`).

The request is an input event like any other, keyed by the customer id, so it lands
on the customer's partition after the events already sent and the worker decides it
in order (tierstream/pipeline/erasure.py). The send is acknowledged by every in-sync
replica before the command says it was sent.
"""

from __future__ import annotations

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaConnectionError, KafkaError

from schemas.events import CustomerErased
from streams.kafka.clients import started
from streams.kafka.existing import require_topics
from streams.kafka.security import client_kwargs
from tierstream.settings import Settings


class EraseFailed(Exception):
    """The broker refused the request (the message says why)."""


async def send_erasure(settings: Settings, event: CustomerErased) -> tuple[int, int]:
    """Send `event` to the input topic; its (partition, offset) once acknowledged.
    `MissingTopics` if the input topic does not exist (it is never created here)."""
    await require_topics(settings, [settings.input_topic])
    client = AIOKafkaProducer(**client_kwargs(settings), acks="all", enable_idempotence=True)
    async with started(client) as producer:
        try:
            meta = await producer.send_and_wait(
                settings.input_topic, event.model_dump_json(exclude_none=True).encode(),
                key=event.customer_id.encode())
        except KafkaConnectionError:
            raise  # said in one line by the command (tierstream/cli/base.py)
        except KafkaError as exc:
            raise EraseFailed(f"{settings.input_topic} refused the request: {exc}") from None
    return meta.partition, meta.offset
