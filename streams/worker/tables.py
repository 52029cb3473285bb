"""A faust table read and written for a whole batch, each key under its own record.

faust decides where a table write goes from the event being processed: the local
RocksDB store of that event's partition and, without `use_partitioner`, the
changelog partition too; reads look in the current event's partition. Inside a batch
(`stream.take_events`) the current event is just the last one buffered, which may
belong to another partition. So every access here first makes the customer's own
record the current event: a customer's state stays on its home partition, the one
the input, the changelog and the standby copies agree on.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any

from faust.streams import _current_event

from tierstream.partitioning import default_partition


class BatchTable(MutableMapping[bytes, bytes]):
    """A faust table seen through the records of one batch (`bind` it to each batch)."""

    def __init__(self, table: Any, partitions: int) -> None:
        self.table = table
        self.partitions = partitions
        self._owner: dict[bytes, Any] = {}

    def bind(self, events: Iterable[Any]) -> None:
        """Remember, per key, a record of the batch on the key's home partition."""
        self._owner = {}
        for event in events:
            msg = event.message
            key = msg.key
            if (key is not None and key not in self._owner
                    and default_partition(key, self.partitions) == msg.partition):
                self._owner[key] = event

    @contextmanager
    def _as_owner(self, key: bytes) -> Iterator[None]:
        event = self._owner.get(key)
        if event is None:
            yield
            return
        token = _current_event.set(weakref.ref(event))
        try:
            yield
        finally:
            _current_event.reset(token)

    def __getitem__(self, key: bytes) -> bytes:
        with self._as_owner(key):
            value: bytes | None = self.table.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __setitem__(self, key: bytes, value: bytes) -> None:
        with self._as_owner(key):
            self.table[key] = value

    def __delitem__(self, key: bytes) -> None:
        with self._as_owner(key):
            del self.table[key]

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.table.keys())

    def __len__(self) -> int:
        return len(self.table)
