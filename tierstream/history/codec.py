"""The stored value of a customer's history: its tier-change records, compressed.

The records are the exact bytes published on the tier-change topic, joined into
one JSON array and compressed with zlib (RFC 1950). The records of one customer
repeat the same keys, reason codes and messages, so they shrink to about a third:
what keeps state and history of a customer within 3 KB (docs/audit.md "Size").
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import msgspec

_RECORDS = msgspec.json.Decoder(list[msgspec.Raw])


def encode(records: Sequence[bytes]) -> bytes:
    """The stored value of `records` (each one tier-change JSON record)."""
    return zlib.compress(b"[" + b",".join(records) + b"]", 9)


def decode(value: bytes) -> list[bytes]:
    """The records of a stored value, each as the bytes that were published."""
    return [bytes(raw) for raw in _RECORDS.decode(zlib.decompress(value))]
