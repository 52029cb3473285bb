"""Following the state table's changelog into the replica's store.

A plain aiokafka consumer without a group: every partition assigned, read from the
beginning (the topic is compacted, so that is every customer's latest state plus the
not yet compacted tail), each record written to the store as it comes (a None value,
a tombstone, deletes). Nothing is committed: a replica rebuilds at every start. After
a broker error it reconnects and goes on from where it was.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from streams.kafka.security import client_kwargs
from streams.kafka.topics import STATE_TABLE, changelog_topic
from streams.query.metrics import QueryMetrics
from streams.query.progress import Progress
from streams.query.store import ReplicaStore
from tierstream.settings import Settings

log = logging.getLogger(__name__)

OnWrite = Callable[[bytes, bytes | None, bytes | None], None]  # key, old and new state
RETRY_SECONDS = 2.0


class ChangelogFollower:
    def __init__(self, settings: Settings, store: ReplicaStore, metrics: QueryMetrics | None,
                 on_write: OnWrite, clock: Callable[[], float] = time.time,
                 table: str = STATE_TABLE) -> None:
        """`metrics` None: a follower of another table (the history) beside the state's,
        whose figures the metrics and /readyz describe."""
        self.settings = settings
        self.topic = changelog_topic(settings, table)
        self.store = store
        self.metrics = metrics
        self.on_write = on_write
        self.clock = clock
        self.progress = Progress()
        self.last_delay: float | None = None  # freshness of the last live record applied

    @property
    def caught_up(self) -> bool:
        return self.progress.caught_up

    async def run(self) -> None:
        """Follow until cancelled."""
        while True:
            try:
                await self._follow()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("changelog %s: read failed; retrying", self.topic)
                await asyncio.sleep(RETRY_SECONDS)

    async def _follow(self) -> None:
        exactly_once = self.settings.processing_guarantee == "exactly_once"
        consumer = AIOKafkaConsumer(
            group_id=None, enable_auto_commit=False, auto_offset_reset="earliest",
            isolation_level="read_committed" if exactly_once else "read_uncommitted",
            **client_kwargs(self.settings),
        )
        try:
            await consumer.start()
            parts = [TopicPartition(self.topic, p) for p in range(self.settings.partitions)]
            consumer.assign(parts)
            for tp in parts:
                if tp.partition in self.progress.position:
                    consumer.seek(tp, self.progress.position[tp.partition])
                else:
                    await consumer.seek_to_beginning(tp)
            ends = await consumer.end_offsets(parts)
            positions = {tp.partition: await consumer.position(tp) for tp in parts}
            self.progress.start({tp.partition: end for tp, end in ends.items()}, positions)
            self._show_progress()
            log.info("changelog %s: %d records to read before answering", self.topic,
                     self.progress.lag)
            while True:
                batch = await consumer.getmany(timeout_ms=200, max_records=2000)
                was_caught_up = self.caught_up
                for msgs in batch.values():
                    self.apply(msgs)
                for tp in parts:
                    end = (consumer.last_stable_offset(tp) if exactly_once
                           else consumer.highwater(tp))
                    self.progress.advance(tp.partition, await consumer.position(tp), end)
                self._show_progress()
                if self.caught_up and not was_caught_up:
                    log.info("changelog %s: caught up, %d customers", self.topic,
                             len(self.store))
        finally:
            await consumer.stop()

    def apply(self, records: Sequence[ConsumerRecord[bytes, bytes]]) -> None:
        """Write records of one partition to the store, in offset order."""
        live = self.caught_up
        now = self.clock()
        for record in records:
            if record.key is None:
                continue
            old = self.store.apply(record.key, record.value)
            self.on_write(record.key, old, record.value)
            if live and record.timestamp is not None:
                self.last_delay = max(now - record.timestamp / 1000, 0.0)
                if self.metrics is not None:
                    self.metrics.freshness.observe(self.last_delay)
        if self.metrics is not None:
            self.metrics.records_applied.inc(len(records))

    def _show_progress(self) -> None:
        if self.metrics is None:
            return
        self.metrics.changelog_lag.set(self.progress.lag)
        self.metrics.caught_up.set(1 if self.caught_up else 0)
        self.metrics.customers.set(len(self.store))
