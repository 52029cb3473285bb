"""A faust table read and written for a whole batch, each key under its own record.

faust decides where a table write goes from the event being processed: the local
RocksDB store of that event's partition and, without `use_partitioner`, the
changelog partition too; reads look in the current event's partition. Inside a batch
(`stream.take_events`) the current event is just the last one buffered, which may
belong to another partition. So every access here first makes the customer's own
record the current event: a customer's state stays on its home partition, the one
the input, the changelog and the standby copies agree on.

Writes are collected per batch: `write_local` puts them into the local store (with
RocksDB, one write batch per partition, as faust's own changelog restore does; a
put per key cost a tenth of the worker's time), `send_changelog` sends them to the
changelog, through the producer the outputs use. faust's own `table[key] =` queues
each changelog record in a buffer drained one record per loop turn, and pauses the
whole stream while more than 100 wait: with hundreds of customers per batch that
pause was most of the worker's latency (docs/performance.md).
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Callable, Iterable, Iterator, MutableMapping
from contextlib import contextmanager, suppress
from functools import partial
from typing import Any

import rocksdict
from faust.streams import _current_event

from streams.kafka.batches import send_batches
from tierstream.partitioning import default_partition

Producer = Callable[[], Awaitable[Any]]
"""Returns the producer to send with: faust's transaction manager under exactly_once,
else the aiokafka producer itself."""


def home_records(events: Iterable[Any], partitions: int) -> dict[bytes, Any]:
    """Per key, a record of the batch on the key's home partition: worked out once per
    batch and shared by every table."""
    owners: dict[bytes, Any] = {}
    for event in events:
        msg = event.message
        key = msg.key
        if (key is not None and key not in owners
                and default_partition(key, partitions) == msg.partition):
            owners[key] = event
    return owners


class BatchTable(MutableMapping[bytes, bytes]):
    """A faust table seen through the records of one batch (`bind` it to each batch)."""

    def __init__(self, table: Any, partitions: int) -> None:
        self.table = table
        self.store = table.data
        self.partitions = partitions
        self._owner: dict[bytes, Any] = {}
        self._unsent: dict[bytes, bytes | None] = {}
        self._unwritten: dict[bytes, bytes | None] = {}
        # faust's RocksDB store (rocksdict): written one write batch per partition
        self._rocksdb = bool(getattr(self.store, "use_rocksdict", False))
        self._seen: dict[bytes, bytes | None] = {}  # this batch's reads and writes

    def bind(self, owners: dict[bytes, Any]) -> None:
        """Start a batch: `owners` (from `home_records`) says, per key, the record of the
        batch to stand for it."""
        self._owner = owners
        self._seen = {}

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
        # A batch reads each customer twice (to decide, then to size the write): the
        # second read comes from here, not from RocksDB.
        try:
            value = self._seen[key]
        except KeyError:
            with self._as_owner(key):
                value = self._seen[key] = self.store.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __setitem__(self, key: bytes, value: bytes) -> None:
        self._unwritten[key] = self._unsent[key] = self._seen[key] = value

    def __delitem__(self, key: bytes) -> None:
        self._unwritten[key] = self._unsent[key] = self._seen[key] = None  # a tombstone

    def write_local(self) -> None:
        """Put this batch's writes into the local store (the last per key). Call it
        for every table of a batch before anything awaits, so that nothing else in
        the worker reads a table between two of them."""
        unwritten, self._unwritten = self._unwritten, {}
        batches: dict[int, Any] = {}  # RocksDB partition -> its write batch
        for key, value in unwritten.items():
            if self._rocksdb and value is not None:
                partition = default_partition(key, self.partitions)
                batch = batches.get(partition)
                if batch is None:
                    batch = batches[partition] = rocksdict.WriteBatch(raw_mode=True)
                batch.put(key, value)
                continue
            with self._as_owner(key):  # faust's own path: deletions, other stores
                if value is None:
                    with suppress(KeyError):
                        del self.store[key]
                else:
                    self.store[key] = value
        for partition, batch in batches.items():
            self.store._db_for_partition(partition).write(batch)

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.table.keys())

    def __len__(self) -> int:
        return len(self.table)

    async def send_changelog(self, producer: Producer, in_transaction: bool) -> None:
        """Send this batch's writes to the changelog, one record per key (the last).

        Acknowledgements are not awaited here: faust flushes the producer before it
        commits the input offsets (or commits the transaction that holds them), so an
        unacknowledged write is redelivered input, never lost state. Each
        acknowledgement records the changelog offset the local store now holds, as
        faust does, so a restart replays only the changelog beyond it: once per partition
        and batch, on its last record (offsets grow within a partition, and the store
        already holds every write of the batch).
        """
        if not self._unsent:
            return
        unsent, self._unsent = self._unsent, {}
        send = await producer()
        topic = self.table.changelog_topic.get_topic_name()
        if not in_transaction:  # an aiokafka producer: one batch per partition
            records = [(topic, default_partition(key, self.partitions), key, value, None)
                       for key, value in unsent.items()]
            for batch in await send_batches(send, records):
                batch.delivered.add_done_callback(partial(self._on_batch_ack, batch.records))
            return
        last: dict[int, Any] = {}  # partition -> the acknowledgement of its last record
        for key, value in unsent.items():  # through faust's transaction manager
            partition = default_partition(key, self.partitions)
            last[partition] = await send.send(topic, key, value, partition, None, None)
        for ack in last.values():
            ack.add_done_callback(self._on_ack_in_transaction)

    def _on_batch_ack(self, records: int, fut: Any) -> None:
        if not fut.cancelled() and fut.exception() is None:
            meta = fut.result()  # `offset`: the batch's first record
            self.store.set_persisted_offset(meta.topic_partition, meta.offset + records - 1)

    def _on_ack_in_transaction(self, fut: Any) -> None:
        if not fut.cancelled() and fut.exception() is None:
            meta = fut.result()
            self.table.app.tables.persist_offset_on_commit(
                self.store, meta.topic_partition, meta.offset)
