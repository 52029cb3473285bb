"""A live, readable view of tier changes and alerts (`tierstream tail`).

With `--from-beginning` what is already on the topics is shown first, merged in
record-time order across both topics; then new records as they arrive. A record
that is not a readable tier change or alert is reported as such (topic, partition,
offset, size) and skipped: one bad record must not end the view.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from streams.kafka.clients import started
from streams.kafka.existing import require_topics
from streams.kafka.security import client_kwargs
from streams.kafka.time_order import history_in_time_order
from tierstream.settings import Settings

CHANGE, ALERT = "change", "alert"


@dataclass(frozen=True)
class TailFilter:
    """`tier` keeps tier changes to that tier; alerts then only with `alerts` (those of
    customers at that tier). `alert_type` keeps only alerts of that type."""

    customer: str | None = None
    customer_prefix: str | None = None
    tier: str | None = None
    alert_type: str | None = None
    alerts: bool = False

    def kinds(self) -> list[str]:
        if self.alert_type:
            return [ALERT]
        if self.tier and not self.alerts:
            return [CHANGE]
        return [CHANGE, ALERT]

    def accepts(self, kind: str, value: dict[str, Any]) -> bool:
        cid = str(value.get("customer_id", ""))
        if self.customer and cid != self.customer:
            return False
        if self.customer_prefix and not cid.startswith(self.customer_prefix):
            return False
        tier = value["current"]["tier"] if kind == CHANGE else value.get("tier")
        if self.tier and tier != self.tier:
            return False
        return not (kind == ALERT and self.alert_type and value.get("type") != self.alert_type)


def render(topic_kind: str, value: dict[str, Any]) -> str:
    """One line per output, for a person watching the stream."""
    when = str(value.get("occurred_at", ""))[:19].replace("T", " ")
    who = value.get("customer_id", "?")
    if topic_kind == CHANGE:
        prev = value.get("previous") or {}
        cur = value["current"]
        codes = ", ".join(r["code"] for r in value.get("reasons", []))
        if not prev:
            return f"{when}  {who:<10} TIER  new {cur['tier']}  grade {cur['grade']}  [{codes}]"
        return (f"{when}  {who:<10} TIER  {prev['tier']}->{cur['tier']}  "
                f"grade {prev['grade']}->{cur['grade']}  [{codes}]")
    return (f"{when}  {who:<10} ALERT {value['severity']:<8} {value['type']:<18} "
            f"{value['message']}")


def line_for(kind: str, msg: ConsumerRecord[bytes, bytes], filt: TailFilter) -> str | None:
    """The line to show for a record (None: filtered out); ValueError if unreadable."""
    try:
        value = json.loads(msg.value or b"")
        if not isinstance(value, dict):
            raise TypeError("not a JSON object")
        return render(kind, value) if filt.accepts(kind, value) else None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        size = len(msg.value or b"")
        raise ValueError(f"undecodable record at {msg.topic}/{msg.partition}/{msg.offset}: "
                         f"{size} bytes") from exc


async def tail(
    settings: Settings,
    filt: TailFilter,
    from_beginning: bool,
    emit: Callable[[str], None] = print,
    limit: int | None = None,
    notice: Callable[[str], None] = print,
) -> int:
    """Print matching tier changes and alerts until cancelled (or `limit` lines);
    `notice` gets what is not a record: undecodable records, waiting for new ones."""
    names = {CHANGE: settings.tier_changes_topic, ALERT: settings.alerts_topic}
    kinds = {names[kind]: kind for kind in filt.kinds()}
    # subscribing would auto-create a missing topic
    partitions = await require_topics(settings, kinds)
    shown = 0

    def show(msg: ConsumerRecord[bytes, bytes]) -> bool:
        """Show one record; True once `limit` lines are shown."""
        nonlocal shown
        try:
            line = line_for(kinds[msg.topic], msg, filt)
        except ValueError as exc:
            notice(str(exc))
            return False
        if line is not None:
            emit(line)
            shown += 1
        return limit is not None and shown >= limit

    client = AIOKafkaConsumer(**client_kwargs(settings), group_id=None,
                              enable_auto_commit=False)
    async with started(client) as consumer:
        parts = [TopicPartition(topic, p) for topic in kinds for p in partitions[topic]]
        consumer.assign(parts)
        if limit == 0:
            return 0
        if from_beginning:
            await consumer.seek_to_beginning(*parts)
            ends = await consumer.end_offsets(parts)
            async for msg in history_in_time_order(consumer, {tp: ends[tp] for tp in parts}):
                if show(msg):
                    return shown
        else:
            await consumer.seek_to_end(*parts)
        notice(f"waiting for new records on {', '.join(kinds)} (Ctrl-C to stop)")
        async for msg in consumer:
            if show(msg):
                return shown
    return shown
