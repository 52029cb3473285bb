"""Raw input records for pipeline tests: JSON events as bytes, on a topic or a file."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from tierstream.partitioning import default_partition
from tierstream.pipeline import RawRecord
from tierstream.policy import load_policy

POLICY = load_policy()
NOW = datetime(2026, 12, 31, tzinfo=UTC)
PARTITIONS = 4
TOPIC = "customer-events"


def body(eid: str, cid: str, type_: str, at: str, **data: object) -> bytes:
    return json.dumps({"event_id": eid, "customer_id": cid, "type": type_, "occurred_at": at,
                       "schema_version": 1, "data": data}).encode()


def salary(eid: str, cid: str, income: int, at: str = "2026-03-01T09:00:00Z") -> bytes:
    return body(eid, cid, "salary.changed", at, monthly_income=income)


def home(cid: str) -> int:
    return default_partition(cid.encode(), PARTITIONS)


def keyed(offset: int, cid: str, value: bytes, partition: int | None = None) -> RawRecord:
    """A record as a producer keyed by customer sends it (home partition by default)."""
    return RawRecord(TOPIC, home(cid) if partition is None else partition, offset, 1000,
                     cid.encode(), value)


def line(number: int, value: bytes) -> RawRecord:
    """A line of a file: no key, no partition."""
    return RawRecord("file", None, number, None, None, value)
