"""A batch's table writes: seen at once by the batch, stored by `write_local`, the last
per key, deletions included (a store other than RocksDB: faust's own path)."""

from __future__ import annotations

from streams.worker.tables import BatchTable


class FakeTable:
    """What BatchTable uses of a faust table: its store (`data`)."""

    def __init__(self) -> None:
        self.data: dict[bytes, bytes] = {b"gone": b"old", b"kept": b"old"}


def test_writes_are_stored_by_write_local_the_last_per_key() -> None:
    table = FakeTable()
    bound = BatchTable(table, partitions=4)
    bound.bind({})
    bound[b"new"] = b"1"
    bound[b"new"] = b"2"
    del bound[b"gone"]
    assert bound[b"new"] == b"2"  # the batch sees its writes ...
    assert b"gone" not in bound
    assert table.data == {b"gone": b"old", b"kept": b"old"}  # ... the store not yet
    bound.write_local()
    assert table.data == {b"kept": b"old", b"new": b"2"}
    bound.write_local()  # nothing left to write
    assert table.data == {b"kept": b"old", b"new": b"2"}


def test_a_deletion_then_a_write_in_one_batch_stores_the_write() -> None:
    table = FakeTable()
    bound = BatchTable(table, partitions=4)
    bound.bind({})
    del bound[b"gone"]
    bound[b"gone"] = b"again"  # an erased customer with a later event in the batch
    bound.write_local()
    assert table.data[b"gone"] == b"again"
