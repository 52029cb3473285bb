"""The dead-letter record of a rejected input record (the `DeadLetter` contract).

Only a record read from a topic has one: the contract names its topic, partition and
offset. A file's rejected lines are listed by the replay from the outcomes instead.
"""

from __future__ import annotations

import base64
from datetime import datetime

from schemas.outputs import DeadLetter, SourceRecord
from tierstream.intake import Rejection
from tierstream.pipeline.records import RawRecord, Send


def dead_letter(record: RawRecord, rejection: Rejection, now: datetime) -> list[Send]:
    """The record to send for `record` (none for a line of a file)."""
    if record.partition is None:
        return []
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
        rejected_at=now,
    )
    return [Send("dead_letter", record.key, letter.model_dump_json().encode(), None)]


def _b64(data: bytes | None) -> str | None:
    return base64.b64encode(data).decode("ascii") if data is not None else None
