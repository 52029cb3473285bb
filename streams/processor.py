"""What the agent does with one input record, without faust in the way.

decode -> (forward | dead-letter | core.apply) -> table write -> sends -> counters.
The table is any mutable mapping of customer-id bytes to state JSON bytes (the
faust Table in the worker, a dict in unit tests); `send` is an async callable.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime

from aiokafka.partitioner import murmur2

from schemas.events import CustomerEvent
from schemas.outputs import Alert, DeadLetter, LatestTier, SourceRecord, TierChange
from streams.metrics import Metrics
from tierstream.core.engine import Decision, apply
from tierstream.core.facts import EventRejected
from tierstream.core.state import CustomerState
from tierstream.intake import Rejection, decode
from tierstream.policy import Policy
from tierstream.settings import Settings

log = logging.getLogger(__name__)

Send = Callable[[str, bytes | None, bytes, int | None], Awaitable[None]]
Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


def default_partition(key: bytes, partitions: int) -> int:
    """The partition Kafka's default (murmur2) partitioner picks for `key`."""
    return int(murmur2(key) & 0x7FFFFFFF) % partitions


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
        policy: Policy,
        table: MutableMapping[bytes, bytes],
        send: Send,
        metrics: Metrics,
        clock: Clock = utcnow,
    ) -> None:
        self.settings = settings
        self.policy = policy
        self.table = table
        self.send = send
        self.metrics = metrics
        self.clock = clock

    async def handle(self, record: RawRecord) -> None:
        """Process one record; never raises for a bad record (it is dead-lettered)."""
        try:
            await self._handle(record)
        except Exception as exc:  # a bug must not stop the stream: park the record
            log.exception("processing failed at %s[%d]@%d", record.topic, record.partition,
                          record.offset)
            await self._dead_letter(record, Rejection("processing_error", type(exc).__name__))

    async def _handle(self, record: RawRecord) -> None:
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
        state = CustomerState.model_validate_json(stored) if stored is not None else None
        try:
            decision = apply(state, event, self.policy, self.clock())
        except EventRejected as exc:
            await self._dead_letter(record, Rejection(exc.reason, exc.detail))
            return
        if decision.outcome == "duplicate":
            self.metrics.events_duplicate.inc()
            return
        self.table[key] = decision.state.model_dump_json().encode()
        await self._publish(key, decision)
        self.metrics.events_applied.labels(event.type).inc()
        if decision.note is not None:
            self.metrics.noops.labels(decision.note).inc()

    async def _publish(self, key: bytes, decision: Decision) -> None:
        s = self.settings
        for out in decision.outputs():
            if isinstance(out, TierChange):
                await self.send(s.tier_changes_topic, key, out.model_dump_json().encode(), None)
                before = out.previous.tier if out.previous else "none"
                self.metrics.tier_changes.labels(before, out.current.tier).inc()
            elif isinstance(out, Alert):
                await self.send(s.alerts_topic, key, out.model_dump_json().encode(), None)
                self.metrics.alerts.labels(out.type, out.severity).inc()
            elif isinstance(out, LatestTier):
                await self.send(s.latest_topic, key, out.model_dump_json().encode(), None)

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


def _b64(data: bytes | None) -> str | None:
    return base64.b64encode(data).decode("ascii") if data is not None else None
