"""A live, readable view of tier changes and alerts (`tierstream tail`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer

from streams.kafka.security import client_kwargs
from tierstream.settings import Settings


@dataclass(frozen=True)
class TailFilter:
    customer: str | None = None
    customer_prefix: str | None = None
    tier: str | None = None
    alert_type: str | None = None

    def accepts(self, value: dict[str, Any]) -> bool:
        cid = str(value.get("customer_id", ""))
        if self.customer and cid != self.customer:
            return False
        if self.customer_prefix and not cid.startswith(self.customer_prefix):
            return False
        tier = value.get("current", {}).get("tier") if "current" in value else value.get("tier")
        if self.tier and tier != self.tier:
            return False
        return not (self.alert_type and value.get("type", self.alert_type) != self.alert_type)


def render(topic_kind: str, value: dict[str, Any]) -> str:
    """One line per output, for a person watching the stream."""
    when = str(value.get("occurred_at", ""))[:19].replace("T", " ")
    who = value.get("customer_id", "?")
    if topic_kind == "change":
        prev = value.get("previous") or {}
        cur = value["current"]
        codes = ", ".join(r["code"] for r in value.get("reasons", []))
        if not prev:
            return f"{when}  {who:<10} TIER  new {cur['tier']}  grade {cur['grade']}  [{codes}]"
        return (f"{when}  {who:<10} TIER  {prev['tier']}->{cur['tier']}  "
                f"grade {prev['grade']}->{cur['grade']}  [{codes}]")
    return (f"{when}  {who:<10} ALERT {value['severity']:<8} {value['type']:<18} "
            f"{value['message']}")


async def tail(
    settings: Settings,
    filt: TailFilter,
    from_beginning: bool,
    emit: Callable[[str], None] = print,
    limit: int | None = None,
) -> int:
    """Print matching tier changes and alerts until cancelled (or `limit` lines)."""
    kinds = {settings.tier_changes_topic: "change", settings.alerts_topic: "alert"}
    consumer = AIOKafkaConsumer(
        *kinds, **client_kwargs(settings), group_id=None,
        auto_offset_reset="earliest" if from_beginning else "latest",
    )
    try:
        await consumer.start()
    except BaseException:  # e.g. broker unreachable: close it, no 'Unclosed' warning
        await consumer.stop()
        raise
    shown = 0
    try:
        async for msg in consumer:
            value = json.loads(msg.value)
            kind = kinds[msg.topic]
            if kind == "change" and filt.alert_type:
                continue
            if filt.accepts(value):
                emit(render(kind, value))
                shown += 1
                if limit is not None and shown >= limit:
                    break
    finally:
        await consumer.stop()
    return shown
