"""The faust app: topics, the customer-state table and the one agent.

Built by `create_app(settings, policy, registry)` rather than at import time, so
tests can make apps with their own topics, store and metrics registry. The agent
only adapts faust's message to `RawRecord` and hands it to `Processor`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import faust
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from streams.metrics import Metrics
from streams.processor import Clock, Processor, RawRecord, utcnow
from tierstream.policy import Policy
from tierstream.settings import Settings

log = logging.getLogger(__name__)

STATE_TABLE = "customer-state"


@dataclass(frozen=True)
class TierApp:
    app: faust.App
    processor: Processor
    metrics: Metrics
    registry: CollectorRegistry


def create_app(
    settings: Settings,
    policy: Policy,
    registry: CollectorRegistry | None = None,
    clock: Clock = utcnow,
) -> TierApp:
    registry = registry if registry is not None else CollectorRegistry()
    metrics = Metrics.create(registry)
    metrics.policy_info.labels(policy.version).set(1)
    app = faust.App(
        settings.app_id,
        broker=settings.broker_urls(),
        store=settings.store,
        datadir=str(settings.data_dir),
        autodiscover=False,
        processing_guarantee=settings.processing_guarantee,
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        topic_disable_leader=True,
        consumer_auto_offset_reset="earliest",  # a new group reads everything: no event skipped
        producer_acks=-1,
        web_enabled=True,
        web_host=settings.web_host,
        web_bind=settings.web_host,
        web_port=settings.web_port,
        web_in_thread=False,
        key_serializer="raw",  # tables and any topic without its own serializer
        value_serializer="raw",
    )
    # Bytes in, bytes out: decoding and validation are ours (tierstream.intake), so a bad
    # record reaches the processor and the dead-letter topic instead of crashing faust.
    raw: dict[str, Any] = {"key_type": bytes, "value_type": bytes,
                           "key_serializer": "raw", "value_serializer": "raw"}
    n, r = settings.partitions, settings.replication_factor
    source = app.topic(settings.input_topic, partitions=n, replicas=r, **raw)
    sinks = {
        name: app.topic(name, partitions=n, replicas=r, **raw)
        for name in (settings.tier_changes_topic, settings.alerts_topic, settings.dlq_topic)
    }
    sinks[settings.latest_topic] = app.topic(
        settings.latest_topic, partitions=n, replicas=r, compacting=True, **raw
    )
    table = app.Table(STATE_TABLE, default=None, partitions=n, key_type=bytes, value_type=bytes)

    async def send(topic: str, key: bytes | None, value: bytes, partition: int | None) -> None:
        target = sinks.get(topic) or source
        await target.send(key=key, value=value, partition=partition)

    processor = Processor(settings, policy, table, send, metrics, clock)

    async def tiering(stream: faust.StreamT[bytes]) -> None:
        async for event in stream.events():
            msg = event.message
            await processor.handle(RawRecord(
                topic=msg.topic, partition=msg.partition, offset=msg.offset,
                timestamp_ms=int(msg.timestamp * 1000) if msg.timestamp else None,
                key=msg.key, value=msg.value,
            ))

    app.agent(source, name="tiering", concurrency=1)(tiering)

    async def metrics_page(web: Any, request: Any) -> Any:
        return web.bytes(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)

    app.page("/metrics")(metrics_page)

    async def announce() -> None:
        log.info("tierstream worker up: policy %s, input %s (%d partitions), store %s",
                 policy.version, settings.input_topic, n, settings.store)

    app.task(announce)

    return TierApp(app=app, processor=processor, metrics=metrics, registry=registry)
