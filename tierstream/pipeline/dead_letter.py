"""The dead-letter record of a rejected input record (the `DeadLetterHeaders` contract).

It keeps the rejected record's key and value bytes as its own, so any Kafka tool
shows them as sent and `tierstream dlq redrive` can send them back as they are; why
and where from travel in headers. Only a record read from a topic has one: the
headers name its topic, partition and offset. A file's rejected lines are listed by
the replay from the outcomes instead.
"""

from __future__ import annotations

from datetime import datetime

from schemas.outputs import DeadLetterHeaders
from tierstream.intake import Rejection
from tierstream.pipeline.records import RawRecord, Send


def dead_letter(record: RawRecord, rejection: Rejection, now: datetime) -> list[Send]:
    """The record to send for `record` (none for a line of a file). A record without a
    value gets an empty one: a `Send` always has bytes."""
    if record.partition is None:
        return []
    headers = DeadLetterHeaders(
        reason=rejection.reason,
        detail=rejection.detail,
        source_topic=record.topic,
        source_partition=record.partition,
        source_offset=record.offset,
        source_timestamp_ms=record.timestamp_ms,
        rejected_at=now,
    )
    return [Send("dead_letter", record.key, record.value or b"", None, headers.to_headers())]
