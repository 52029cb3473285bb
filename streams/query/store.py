"""The replica's copy of the state table: customer id bytes -> state JSON bytes.

A plain dict. A stored state is about 1.3 KB of JSON (`make bench` reports
`state_bytes_per_customer`), so a million customers take about 1.5 GB with the
dict's own overhead, and a lookup costs no I/O: what a replica answering hundreds of
requests a second on one core needs. A replica is rebuilt from the changelog at every start, so
nothing is gained by persisting it; a RocksDB-backed store (rocksdict is installed)
with the same three methods is the step to take when the customer count outgrows
the replica's memory.
"""

from __future__ import annotations

from collections.abc import Iterator


class ReplicaStore:
    def __init__(self) -> None:
        self._states: dict[bytes, bytes] = {}

    def apply(self, key: bytes, value: bytes | None) -> bytes | None:
        """Write one changelog record (None: a tombstone deletes); returns the old value."""
        if value is None:
            return self._states.pop(key, None)
        old = self._states.get(key)
        self._states[key] = value
        return old

    def get(self, key: bytes) -> bytes | None:
        return self._states.get(key)

    def items(self) -> Iterator[tuple[bytes, bytes | None]]:
        """A snapshot, so a write during an iteration cannot break it."""
        return iter(list(self._states.items()))

    def __len__(self) -> int:
        return len(self._states)
