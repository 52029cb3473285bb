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
from prometheus_client import CollectorRegistry

from streams import faust_fixes
from streams.api import register_api
from streams.kafka_security import faust_credentials
from streams.metrics import Metrics
from streams.observability import install_observability
from streams.policy_feed import PolicyFeed
from streams.processor import Clock, Processor, RawRecord, default_partition, utcnow
from streams.reevaluation import Scheduler
from tierstream.policy import Policy
from tierstream.settings import Settings

log = logging.getLogger(__name__)

STATE_TABLE = "customer-state"
DUE_TABLE = "customer-due"  # customer id -> event time it is next due for re-evaluation


@dataclass(frozen=True)
class TierApp:
    app: faust.App
    processor: Processor
    metrics: Metrics
    registry: CollectorRegistry
    scheduler: Scheduler


def create_app(
    settings: Settings,
    policy: Policy,
    registry: CollectorRegistry | None = None,
    clock: Clock = utcnow,
) -> TierApp:
    faust_fixes.install()  # recovery -> stream hand-over (see streams/faust_fixes.py)
    registry = registry if registry is not None else CollectorRegistry()
    metrics = Metrics.create(registry)
    metrics.policy_info.labels(policy.version).set(1)
    app = faust.App(
        settings.app_id,
        broker=settings.broker_urls(),
        broker_credentials=faust_credentials(settings),  # TLS / SASL from settings
        store=settings.store,
        datadir=str(settings.data_dir),
        autodiscover=False,
        processing_guarantee=settings.processing_guarantee,
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        topic_disable_leader=True,
        consumer_auto_offset_reset="earliest",  # a new group reads everything: no event skipped
        producer_acks=-1,
        broker_session_timeout=settings.session_timeout_seconds,
        web_enabled=True,
        web_host=settings.web_host,
        web_bind=settings.web_bind or settings.web_host,
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
    due_table = app.Table(DUE_TABLE, default=None, partitions=n, key_type=bytes, value_type=bytes)
    # Re-evaluation requests travel through an internal topic co-partitioned with the
    # input, so they are decided inside the stream (streams/reevaluation.py).
    sinks[settings.reevaluation_topic] = app.topic(
        settings.reevaluation_topic, partitions=n, replicas=r, **raw
    )
    channel = app.topic(settings.input_topic, settings.reevaluation_topic,
                        partitions=n, replicas=r, **raw)

    async def send(topic: str, key: bytes | None, value: bytes, partition: int | None) -> None:
        target = sinks.get(topic) or source
        await target.send(key=key, value=value, partition=partition)

    async def delivered() -> None:
        # at_least_once: the outputs must be on the broker before the state's changelog
        # record can be (see streams/processor.py). exactly_once: one transaction holds both.
        if settings.processing_guarantee == "at_least_once":
            await app.producer.flush()

    processor = Processor(settings, policy, table, send, metrics, clock, delivered)
    processor.due = due_table

    async def send_request(key: bytes, value: bytes) -> None:
        home = default_partition(key, n)
        await send(settings.reevaluation_topic, key, value, home)

    scheduler = Scheduler(due_table, table.keys, lambda: processor.stream_time, send_request)

    async def reevaluation_pass() -> None:
        await scheduler.tick()

    app.timer(settings.reevaluation_interval_seconds, name="reevaluation")(reevaluation_pass)

    def switch_policy(new: Policy) -> None:
        processor.policy = new
        metrics.policy_info.clear()
        metrics.policy_info.labels(new.version).set(1)
        scheduler.request_sweep()

    feed = PolicyFeed(settings, lambda: processor.policy, switch_policy, metrics)
    app.task(feed.follow)

    async def tiering(stream: faust.StreamT[bytes]) -> None:
        async for event in stream.events():
            msg = event.message
            await processor.handle(RawRecord(
                topic=msg.topic, partition=msg.partition, offset=msg.offset,
                timestamp_ms=int(msg.timestamp * 1000) if msg.timestamp else None,
                key=msg.key, value=msg.value,
            ))

    app.agent(channel, name="tiering", concurrency=1)(tiering)

    install_observability(app, settings, table, metrics, registry)  # /metrics /healthz /readyz
    register_api(app, table, settings, lambda: processor.policy, registry)

    async def announce() -> None:
        log.info("tierstream worker up: policy %s, input %s (%d partitions), store %s",
                 policy.version, settings.input_topic, n, settings.store)

    app.task(announce)

    return TierApp(app=app, processor=processor, metrics=metrics, registry=registry,
                   scheduler=scheduler)
