"""The worker's edge around the decision pipeline (tierstream/pipeline/), without faust.

A batch of records -> pipeline -> sends -> delivered -> table writes -> counters.
Outputs are acknowledged before any state is written: a crash in between re-applies
the events on redelivery (same output ids again) instead of finding them duplicates
whose outputs never left. The compacted latest-tier topic gets one record per
customer and batch, the last: compaction keeps only that one anyway. The tables are
any mutable mappings of customer-id bytes to bytes (faust Tables in the worker, dicts
in unit tests); `send` is an async callable. Input offsets are faust's to commit,
after this returns. Each customer's published tier changes are appended to its
history (tierstream/history/) just before its state is written; an erased customer's
state, due entry and history are deleted before anything is written.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from datetime import UTC, datetime
from typing import Any

from streams.telemetry.metrics import Metrics
from streams.telemetry.outcomes import count_outcomes
from streams.telemetry.tier_gauges import track_erasures, track_write
from tierstream.core.retention import horizon
from tierstream.history import record
from tierstream.pipeline import Decided, Pipeline, RawRecord, Role, StoredStates
from tierstream.pipeline import Send as Output
from tierstream.pipeline.challenger import Challenger
from tierstream.pipeline.erasure import since_erasure
from tierstream.policy import ActivePolicy
from tierstream.policy.challenger import ChallengerPolicy
from tierstream.settings import Settings

Headers = list[tuple[str, bytes]]
Send = Callable[[str, bytes | None, bytes | None, int | None, Headers | None],
                Awaitable[Awaitable[Any] | None]]
"""Queue one record (topic, key, value, partition, headers); may return a future of its
acknowledgement, checked after delivery. Only dead letters carry headers; a value of
None is a tombstone (an erased customer's latest tier)."""
Delivered = Callable[[], Awaitable[None]]
"""Waits until every record sent so far is acknowledged by the broker."""
Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


class Processor:
    def __init__(
        self,
        settings: Settings,
        policy: ActivePolicy,
        table: MutableMapping[bytes, bytes],
        send: Send,
        metrics: Metrics,
        clock: Clock = utcnow,
        delivered: Delivered | None = None,
        due: MutableMapping[bytes, bytes] | None = None,
        history: MutableMapping[bytes, bytes] | None = None,
        challenger: ChallengerPolicy | None = None,
        shadow: MutableMapping[bytes, bytes] | None = None,
    ) -> None:
        self.active = policy
        self.table = table
        self.send = send
        self.metrics = metrics
        self.clock = clock
        self.delivered = delivered if delivered is not None else _nothing_pending
        # Re-evaluation (streams/processing/reevaluation.py): when each customer is next
        # due, and the latest occurred_at this worker has processed (its stream time).
        self.due: MutableMapping[bytes, bytes] = due if due is not None else {}
        self.stream_time: datetime | None = None
        # Each customer's published tier changes within the retention horizon (docs/audit.md).
        self.history = history
        # A challenger policy decided beside the active one, and its bookkeeping per
        # customer (tierstream/pipeline/challenger.py); none: nothing is shadowed.
        self.challenger = challenger
        self.shadow: MutableMapping[bytes, bytes] = shadow if shadow is not None else {}
        self.pipeline = Pipeline(max_bytes=settings.max_message_bytes,
                                 partitions=settings.partitions,
                                 reevaluation_topic=settings.reevaluation_topic)
        self.topics: dict[Role, str] = {
            "tier_change": settings.tier_changes_topic,
            "alert": settings.alerts_topic,
            "latest": settings.latest_topic,
            "dead_letter": settings.dlq_topic,
            "forward": settings.input_topic,
            "erasure": settings.erasures_topic,
            "challenger_tier_change": settings.challenger_tier_changes_topic,
            "challenger_alert": settings.challenger_alerts_topic,
        }

    async def handle(self, record: RawRecord) -> None:
        """Process one record: a batch of one."""
        await self.handle_batch([record])

    async def handle_batch(self, records: Sequence[RawRecord]) -> None:
        """Process records in order. A bad record never raises (it is dead-lettered); a
        send or a table write that fails does, and the batch is then redelivered."""
        shadow = self.challenger.current if self.challenger is not None else None
        decided = self.pipeline.run(records, StoredStates(self.table), self.active.current,
                                    self.clock(),
                                    Challenger(shadow, self.shadow) if shadow else None)
        acks = []
        started = time.monotonic()
        for out in last_latest_only(decided.sends):
            ack = await self.send(self.topics[out.role], out.key, out.value, out.partition,
                                  out.headers)
            if ack is not None:
                acks.append(ack)
        if decided.sends:
            try:
                await self.delivered()
                for ack in acks:  # a record the broker refused fails the batch: redelivered
                    await ack
            except Exception:
                self.metrics.send_errors.inc()
                raise
            self.metrics.send_latency.observe(time.monotonic() - started)
        self._store(decided)
        count_outcomes(self.metrics, decided.outcomes, self.clock())

    def _store(self, decided: Decided) -> None:
        if decided.erased:  # first: a later event of the batch starts afresh
            self._erase(decided)
        if self.history is not None:  # before the states: a redelivery decides them again
            record(self.history, since_erasure(decided.sends, decided.erased),
                   horizon(decided.policy))
        for customer_id, state in decided.states.items():
            key = customer_id.encode()
            written, old = state.to_json(), self.table.get(key)
            self.table[key] = written
            track_write(self.metrics, old, written)  # table size gauges
        for customer_id, kept in decided.challenger.items():
            self.shadow[customer_id.encode()] = kept
        for customer_id in decided.unchanged:
            # Only duplicates: re-store the state as it is. If a crash lost its changelog
            # record (the local store kept it), the changelog converges again (docs/guarantees.md).
            key = customer_id.encode()
            stored = self.table.get(key)
            if stored is not None:
                self.table[key] = stored
        for customer_id, due in decided.due().items():
            key = customer_id.encode()
            if due is not None:
                self.due[key] = due.isoformat().encode()
            elif key in self.due:
                del self.due[key]
        if decided.stream_time is not None and (
                self.stream_time is None or decided.stream_time > self.stream_time):
            self.stream_time = decided.stream_time

    def _erase(self, decided: Decided) -> None:
        """Delete each erased customer's state, due entry and history: a tombstone in
        each changelog (a table that cannot delete a key it lacks has nothing to do)."""
        stored = {}
        for customer_id in decided.erased:
            key = customer_id.encode()
            stored[key] = self.table.get(key)
            for table in (self.table, self.due, self.history, self.shadow):
                if table is not None:
                    with contextlib.suppress(KeyError):
                        del table[key]
        track_erasures(self.metrics, decided.sends, stored)


def last_latest_only(sends: Sequence[Output]) -> list[Output]:
    """The sends in order, with only each customer's last latest-tier record kept."""
    seen: set[bytes | None] = set()
    kept: list[Output] = []
    for out in reversed(sends):
        if out.role == "latest":
            if out.key in seen:
                continue
            seen.add(out.key)
        kept.append(out)
    kept.reverse()
    return kept


async def _nothing_pending() -> None:
    """The default `delivered`: a send that returns has already been delivered."""
