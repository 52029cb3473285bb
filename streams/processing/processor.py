"""What the agent does with one input record, without faust in the way.

decode -> (forward | dead-letter | core.apply) -> sends -> delivered -> table write -> counters.
The tables are any mutable mappings of customer-id bytes to bytes (faust Tables in
the worker, dicts in unit tests); `send` is an async callable. Input offsets are
faust's to commit, after this returns.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime

from schemas.events import CustomerEvent
from schemas.outputs import Alert, DeadLetter, LatestTier, SourceRecord, TierChange
from streams.processing.reevaluation import ReevaluationRequest
from streams.telemetry.metrics import Metrics
from streams.telemetry.tier_gauges import track_write
from tierstream.core.engine import Decision, apply, encode_output
from tierstream.core.facts import EventRejected
from tierstream.core.reevaluate import next_due, reevaluate
from tierstream.core.state import CustomerState
from tierstream.intake import Rejection, decode
from tierstream.partitioning import default_partition
from tierstream.policy import ActivePolicy
from tierstream.settings import Settings

log = logging.getLogger(__name__)

Send = Callable[[str, bytes | None, bytes, int | None], Awaitable[None]]
Delivered = Callable[[], Awaitable[None]]
"""Waits until every record sent so far is acknowledged by the broker."""
Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class RawRecord:
    topic: str
    partition: int
    offset: int
    timestamp_ms: int | None
    key: bytes | None
    value: bytes | None


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
    ) -> None:
        self.settings = settings
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

    async def handle(self, record: RawRecord) -> None:
        """Process one record; never raises for a bad record (it is dead-lettered)."""
        try:
            await self._handle(record)
        except Exception as exc:  # a bug must not stop the stream: park the record
            log.exception("processing failed at %s[%d]@%d", record.topic, record.partition,
                          record.offset)
            await self._dead_letter(record, Rejection("processing_error", type(exc).__name__))

    async def _handle(self, record: RawRecord) -> None:
        if record.topic == self.settings.reevaluation_topic:
            await self._reevaluate(record)
            return
        decoded = decode(record.key, record.value, self.settings.max_message_bytes)
        if isinstance(decoded, Rejection):
            self.metrics.events_consumed.labels("invalid").inc()
            await self._dead_letter(record, decoded)
            return
        event = decoded
        self.metrics.events_consumed.labels(event.type).inc()
        key = event.customer_id.encode()
        home = default_partition(key, self.settings.partitions)
        if record.key is None or record.partition != home:
            # State must live on one partition per customer: send it where it belongs.
            why = "missing_key" if record.key is None else "wrong_partition"
            assert record.value is not None
            await self.send(self.settings.input_topic, key, record.value, home)
            self.metrics.events_forwarded.labels(why).inc()
            return
        await self._apply(record, event, key)

    async def _apply(self, record: RawRecord, event: CustomerEvent, key: bytes) -> None:
        stored = self.table.get(key)
        state = CustomerState.from_json(stored) if stored is not None else None
        try:
            decision = apply(state, event, self.active.current, self.clock(), copy=False)
        except EventRejected as exc:
            await self._dead_letter(record, Rejection(exc.reason, exc.detail))
            return
        if decision.outcome == "duplicate":
            # Re-store the state as it is: if a crash lost this state's changelog record
            # (the local store kept it), the changelog converges again (README, guarantees).
            if stored is not None:
                self.table[key] = stored
            self.metrics.events_duplicate.inc()
            return
        if self.stream_time is None or event.occurred_at > self.stream_time:
            self.stream_time = event.occurred_at
        await self._publish_then_store(key, decision)
        self.metrics.observe_decision(record.timestamp_ms, event.occurred_at, self.clock())
        self.metrics.events_applied.labels(event.type).inc()
        if decision.note is not None:
            self.metrics.noops.labels(decision.note).inc()

    async def _publish_then_store(self, key: bytes, decision: Decision) -> None:
        # Outputs first, acknowledged, then the state: a crash in between re-applies the
        # event on redelivery (same output ids again) instead of finding it a duplicate
        # whose outputs never left.
        await self._publish(key, decision)
        await self.delivered()
        written, old = decision.state.to_json(), self.table.get(key)
        self.table[key] = written
        track_write(self.metrics, old, written, decision.tier_change)  # tier/grade gauges
        due = next_due(decision.state, self.active.current)
        if due is not None:
            self.due[key] = due.isoformat().encode()
        elif key in self.due:
            del self.due[key]

    async def _reevaluate(self, record: RawRecord) -> None:
        """A request from the timer (or a policy change) to decide a customer again."""
        request = ReevaluationRequest.model_validate_json(record.value or b"{}")
        stored = self.table.get(record.key) if record.key is not None else None
        if record.key is None or stored is None:
            return  # the customer is gone (or never was): nothing to decide
        state = CustomerState.from_json(stored)
        assert state.as_of is not None
        decision = reevaluate(state, self.active.current, request.at or state.as_of, self.clock())
        await self._publish_then_store(record.key, decision)
        self.metrics.reevaluations.labels(request.why).inc()

    async def _publish(self, key: bytes, decision: Decision) -> None:
        s = self.settings
        for out in decision.outputs():
            if isinstance(out, TierChange):
                await self.send(s.tier_changes_topic, key, encode_output(out), None)
                self.metrics.count_change(out)
            elif isinstance(out, Alert):
                await self.send(s.alerts_topic, key, encode_output(out), None)
                self.metrics.alerts.labels(out.type, out.severity).inc()
            elif isinstance(out, LatestTier):
                await self.send(s.latest_topic, key, encode_output(out), None)

    async def _dead_letter(self, record: RawRecord, rejection: Rejection) -> None:
        letter = DeadLetter(
            reason=rejection.reason,
            detail=rejection.detail,
            source=SourceRecord(
                topic=record.topic,
                partition=record.partition,
                offset=record.offset,
                timestamp_ms=record.timestamp_ms,
                key_base64=_b64(record.key),
                value_base64=_b64(record.value) or "",
            ),
            rejected_at=self.clock(),
        )
        value = letter.model_dump_json().encode()
        await self.send(self.settings.dlq_topic, record.key, value, None)
        self.metrics.events_rejected.labels(rejection.reason).inc()


async def _nothing_pending() -> None:
    """The default `delivered`: a send that returns has already been delivered."""


def _b64(data: bytes | None) -> str | None:
    return base64.b64encode(data).decode("ascii") if data is not None else None
