"""One decision of a customer's history: the published record and what orders it.

Only the fields that order, deduplicate and bound the history are read here (the
record stays as published); the answers parse the whole record when they show it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec


class _Stamp(msgspec.Struct):
    event_id: str
    occurred_at: datetime
    previous: Any = None


_STAMP = msgspec.json.Decoder(_Stamp)


@dataclass(frozen=True, slots=True)
class Entry:
    raw: bytes  # the tier-change record as published
    event_id: str  # deterministic per cause event: a redelivered decision repeats it
    occurred_at: datetime  # the cause event's time: from then on this standing is in force
    first: bool  # the customer's first tier (`previous` null): nothing came before it


def entry_of(raw: bytes) -> Entry:
    stamp = _STAMP.decode(raw)
    if stamp.occurred_at.tzinfo is None:
        raise ValueError("a tier change's occurred_at carries a UTC offset")
    return Entry(raw, stamp.event_id, stamp.occurred_at, stamp.previous is None)


def entries_of(records: Iterable[bytes]) -> list[Entry]:
    return [entry_of(raw) for raw in records]
