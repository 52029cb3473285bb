"""What enters and leaves the pipeline: raw records in, records to send out.

Plain data with no client library behind it, so the worker adapts faust's messages
to `RawRecord` and the replay its file lines, and each maps a `Send`'s role to a
topic (or a file) of its own. msgspec structs, read-only by convention: a few are
built per event, and a struct builds in a third of a slotted dataclass's time (a
frozen one costs more still). They hold no cycles, so the garbage collector does
not track them.
"""

from __future__ import annotations

from typing import Literal

import msgspec

Role = Literal["tier_change", "alert", "latest", "dead_letter", "forward", "erasure",
               "challenger_tier_change", "challenger_alert"]
"""What a record to send is: one of the three outputs, a dead letter, an input record
forwarded to its customer's home partition, the audit record of an erasure, or a
challenger policy's tier change or alert (challenger.py)."""


class RawRecord(msgspec.Struct, gc=False):
    """One input record as read: a Kafka record, or a line of a file."""

    topic: str
    partition: int | None  # None: read from a file (no home partition, no dead-letter record)
    offset: int  # the Kafka offset, or the line number in a file
    timestamp_ms: int | None
    key: bytes | None
    value: bytes | None


class Send(msgspec.Struct, gc=False):
    """One record to publish, in the order the pipeline decided it."""

    role: Role
    key: bytes | None
    value: bytes | None  # None: a tombstone (only "latest": an erased customer's record)
    partition: int | None  # None: the producer's partitioner picks it from the key
    headers: list[tuple[str, bytes]] | None = None  # Kafka record headers (dead letters)
