"""The faust app: topics, the three tables, the agent, the timers and the web pages.

Built by `create_app(settings, policy, registry)` rather than at import time, so
tests can make apps with their own topics, store and metrics registry. Everything is
built first and handed to its users' constructors; the agent only adapts faust's
message to `RawRecord` and hands it to `Processor`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, cast

import faust
from prometheus_client import CollectorRegistry

from streams.http.customers import CustomerQuery
from streams.http.health import HealthPages
from streams.http.history import HistoryQuery
from streams.http.openapi import OpenApiPage
from streams.http.ownership import PartitionOwners
from streams.http.peers import peer_fetch
from streams.http.summary import SummaryQuery
from streams.http.tls import peer_context
from streams.kafka.policy_feed import PolicyFeed
from streams.kafka.topics import CHALLENGER_TABLE, DUE_TABLE, HISTORY_TABLE, STATE_TABLE
from streams.processing.processor import Clock, Processor, utcnow
from streams.processing.reevaluation import Scheduler
from streams.telemetry.metrics import Metrics
from streams.worker import faust_fixes
from streams.worker.batched_sends import BatchedSends
from streams.worker.credentials import faust_credentials
from streams.worker.gc_tuning import freeze_survivors
from streams.worker.observability import install_observability
from streams.worker.tables import BatchTable, home_records
from streams.worker.web import api_tokens, input_partitions, serve, web_settings
from tierstream.partitioning import default_partition
from tierstream.pipeline import RawRecord
from tierstream.policy import ActivePolicy, Policy
from tierstream.policy.challenger import ChallengerPolicy
from tierstream.settings import Settings

log = logging.getLogger(__name__)

# Bytes in, bytes out: decoding and validation are ours (tierstream.intake), so a bad
# record reaches the processor and the dead-letter topic instead of crashing faust.
RAW: dict[str, Any] = {"key_type": bytes, "value_type": bytes,
                       "key_serializer": "raw", "value_serializer": "raw"}


@dataclass(frozen=True)
class TierApp:
    app: faust.App
    processor: Processor
    metrics: Metrics
    registry: CollectorRegistry
    scheduler: Scheduler


def faust_app(settings: Settings) -> faust.App:
    """The faust app with our settings (no topics, tables or agents yet)."""
    return faust.App(
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
        # A batch's outputs share produce requests: small per-record requests cost a
        # socket write each (a fifth of the worker's time); flush() still ends a batch.
        producer_linger=0.005,
        # A batch's records for one partition go as one producer batch (batched_sends.py):
        # at the default 16 KiB most split in several. 512 KiB stays under the broker's
        # default message.max.bytes (1 MiB).
        producer_max_batch_size=512 * 1024,
        broker_session_timeout=settings.session_timeout_seconds,
        **web_settings(settings),  # host, port, TLS; faust's own pages off
        key_serializer="raw",  # tables and any topic without its own serializer
        value_serializer="raw",
    )


class Sinks:
    """The output topics, declared with the app, and one `send` for the processor and
    the timer. Records go straight to faust's producer (its transaction manager under
    exactly_once): a topic's `send` costs several times more per record in faust's
    bookkeeping, and the processor checks every acknowledgement itself. A value of None
    goes out as a Kafka tombstone (an erased customer's latest tier)."""

    def __init__(self, app: faust.App, settings: Settings) -> None:
        self.app = app
        n, r = settings.partitions, settings.replication_factor
        self.source = app.topic(settings.input_topic, partitions=n, replicas=r, **RAW)
        self.topics = {
            name: app.topic(name, partitions=n, replicas=r, **RAW)
            for name in (settings.tier_changes_topic, settings.alerts_topic,
                         settings.dlq_topic, settings.reevaluation_topic,
                         settings.erasures_topic, settings.challenger_tier_changes_topic,
                         settings.challenger_alerts_topic)
        }
        self.topics[settings.latest_topic] = app.topic(
            settings.latest_topic, partitions=n, replicas=r, compacting=True, **RAW)

    async def send(self, topic: str, key: bytes | None, value: bytes | None,
                   partition: int | None,
                   headers: list[tuple[str, bytes]] | None = None) -> Awaitable[Any]:
        producer = await self.app.maybe_start_producer()
        ack: Awaitable[Any] = await producer.send(topic, key, value, partition, None, headers)
        return ack


def _record(msg: Any) -> RawRecord:
    return RawRecord(topic=msg.topic, partition=msg.partition, offset=msg.offset,
                     timestamp_ms=int(msg.timestamp * 1000) if msg.timestamp else None,
                     key=msg.key, value=msg.value)


def create_app(
    settings: Settings,
    policy: Policy,
    registry: CollectorRegistry | None = None,
    clock: Clock = utcnow,
) -> TierApp:
    faust_fixes.install()  # recovery -> stream hand-over (see streams/worker/faust_fixes.py)
    registry = registry if registry is not None else CollectorRegistry()
    metrics = Metrics.create(registry)
    active = ActivePolicy(policy)
    app = faust_app(settings)
    n, r = settings.partitions, settings.replication_factor
    sinks = Sinks(app, settings)
    # RocksDB memory bounded per table partition (faust's defaults: 64 MiB memtables,
    # three at most, and a 2 GiB cache, each per partition of each table).
    store = {"write_buffer_size": settings.rocksdb_write_buffer_mb << 20,
             "max_write_buffer_number": 2,
             "block_cache_size": settings.rocksdb_block_cache_mb << 20}
    table = app.Table(STATE_TABLE, default=None, partitions=n, key_type=bytes,
                      value_type=bytes, options=store)
    due_table = app.Table(DUE_TABLE, default=None, partitions=n, key_type=bytes,
                          value_type=bytes, options=store)
    history_table = app.Table(HISTORY_TABLE, default=None, partitions=n, key_type=bytes,
                              value_type=bytes, options=store)
    # The challenger policy's bookkeeping per customer (tierstream/pipeline/challenger.py).
    challenger_table = app.Table(CHALLENGER_TABLE, default=None, partitions=n,
                                 key_type=bytes, value_type=bytes, options=store)
    challenger = ChallengerPolicy()

    # at_least_once: a batch's outputs go to the producer together and must be on the
    # broker before the state's changelog records can be (streams/processing/
    # processor.py). exactly_once: records go one by one through faust's transaction
    # manager, and one transaction holds outputs, changelogs and offsets.
    transactions = settings.processing_guarantee == "exactly_once"

    async def aiokafka_producer() -> Any:
        faust_producer = await app.maybe_start_producer()
        return faust_producer._ensure_producer()

    batched = BatchedSends(aiokafka_producer, n)
    send, delivered = ((sinks.send, None) if transactions  # the transaction delivers
                       else (batched.send, batched.delivered))
    changelog_producer = app.maybe_start_producer if transactions else aiokafka_producer

    states, dues = BatchTable(table, n), BatchTable(due_table, n)
    histories = BatchTable(history_table, n)
    shadows = BatchTable(challenger_table, n)
    processor = Processor(settings, active, states, send, metrics, clock, delivered,
                          due=dues, history=histories, challenger=challenger, shadow=shadows)

    # Re-evaluation requests travel through an internal topic co-partitioned with the
    # input, so they are decided inside the stream (streams/processing/reevaluation.py).
    async def send_request(key: bytes, value: bytes) -> None:
        await sinks.send(settings.reevaluation_topic, key, value, default_partition(key, n))
        # the timer's requests are few: nothing waits for their acknowledgement

    scheduler = Scheduler(due_table, table.keys, lambda: processor.stream_time, send_request)
    app.timer(settings.reevaluation_interval_seconds, name="reevaluation")(scheduler.tick)

    metrics.policy_info.labels(policy.version).set(1)
    active.on_switch(metrics.show_policy)
    active.on_switch(lambda _: scheduler.request_sweep())
    challenger.on_switch(metrics.show_challenger)
    app.task(PolicyFeed(settings, active, metrics, challenger).follow)

    channel = app.topic(settings.input_topic, settings.reevaluation_topic,
                        partitions=n, replicas=r, **RAW)

    async def tiering(stream: faust.StreamT[bytes]) -> None:
        # Batches: one broker acknowledgement and one state write per customer per batch;
        # faust acknowledges the batch's offsets once this body has returned.
        batches = cast(Any, stream).take_events  # faust's stubs do not list it
        started = False
        async for events in batches(settings.batch_size, within=settings.batch_wait_seconds):
            if not started:  # everything built to start is long-lived: out of the GC's way
                freeze_survivors()
                started = True
            owners = home_records(events, n)
            for bound in (histories, states, dues, shadows):
                bound.bind(owners)
            await processor.handle_batch([_record(event.message) for event in events])
            # history first, as in the processor
            for written in (histories, states, dues, shadows):
                written.write_local()
            for written in (histories, states, dues, shadows):
                await written.send_changelog(changelog_producer, transactions)

    app.agent(channel, name="tiering", concurrency=1)(tiering)

    readiness = install_observability(app, settings, table, metrics, registry)
    me = str(app.conf.canonical_url).rstrip("/")
    owners = PartitionOwners(lambda: app.router.table_metadata(table.name),
                             app.router.tables_metadata, me, n)
    tokens = api_tokens(settings)  # None: the query API is open (warned at start)
    fetch = peer_fetch(lambda: app.http_client, me, tokens, peer_context(settings))

    def restoring() -> bool:  # an absent customer may yet appear
        return bool(app.in_recovery or app.rebalancing)

    health = HealthPages(registry, readiness, lambda: bool(app.rebalancing),
                         lambda: input_partitions(app, settings.input_topic))
    serve(app, tokens, public={  # no customer data: open to probes and scrapers
        "/metrics": health.metrics,
        "/healthz": health.healthz,
        "/readyz": health.readyz,
        "/openapi.json": OpenApiPage(),
    }, private={  # customer data: a bearer token when TIERSTREAM_API_TOKEN_FILE is set
        "/customers/{customer_id}": CustomerQuery(
            table.get, active, owners, fetch, restoring, history=history_table.get,
            challenger=(challenger_table.get, challenger)),
        "/customers/{customer_id}/history": HistoryQuery(
            history_table.get, owners, fetch, restoring),
        "/tiers/summary": SummaryQuery(registry, table.items, owners, fetch),
    })

    async def announce() -> None:
        log.info("tierstream worker up: policy %s, input %s (%d partitions), store %s",
                 policy.version, settings.input_topic, n, settings.store)

    app.task(announce)

    return TierApp(app=app, processor=processor, metrics=metrics, registry=registry,
                   scheduler=scheduler)
