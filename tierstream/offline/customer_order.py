"""The replay decides a file customer by customer, in bounded memory.

Customers share nothing, so only each customer's own order matters to its decisions
(and to a consumer: docs/operations.md). Deciding one customer's events one after
another keeps its state in the processor's caches and copies it once per batch
instead of once per event: a quarter less time per event than file order
(docs/decisions/0016-replay-decides-customer-by-customer.md).

Two passes. The first reads the file, numbers each customer in the order they first
appear, and puts each selected line into one of several buckets by its customer's
number, spilling the buckets to a scratch folder when the lines held pass
`bucket_bytes`. The second takes the buckets in turn, orders a bucket's lines by
customer number (a stable sort: each customer's lines stay in file order) and yields
them in batches. An input smaller than `bucket_bytes` never touches the disk. Lines
without a customer id are one group of their own.
"""

from __future__ import annotations

import math
import os
import stat
import struct
import tempfile
from array import array
from collections.abc import Callable, Generator, Iterable
from contextlib import ExitStack
from pathlib import Path

from tierstream.offline.split import customer_of
from tierstream.pipeline import RawRecord

BUCKET_BYTES = 16 << 20  # line bytes a bucket holds: the second pass keeps one in memory
UNKNOWN_SIZE_BUCKETS = 64  # when the input's size is not known up front
MAX_BUCKETS = 1024  # spill files; past 16 GB of input, a bucket holds more
FILE_TOPIC = "file"  # the `topic` of a record read from a file

Select = Callable[[str | None], bool]
"""`select(customer id)`: whether to decide this customer's lines (None: no id)."""


def customer_batches(
    lines: Iterable[bytes],
    size: int,
    *,
    select: Select | None = None,
    scratch: Path | None = None,
    bucket_bytes: int = BUCKET_BYTES,
) -> Generator[tuple[int, list[RawRecord]], None, None]:
    """Records of the selected non-blank lines (offset: the line number), customer by
    customer, in batches of `size`, each with how far through the input it is in bytes
    (batches come once the first pass has read it all). Spill files go to a temporary
    folder inside `scratch` (None: the system's), removed when this is closed."""
    with ExitStack() as stack:
        buckets = _Buckets(_bucket_count(lines, bucket_bytes), bucket_bytes, scratch, stack)
        known: dict[str | None, int] = {}  # customer -> its number, or -1: not selected
        read = 0
        for number, raw in enumerate(lines, start=1):
            read += len(raw)
            line = raw.strip()  # as the pipeline decodes it
            if not line:
                continue
            customer = customer_of(line)
            index = known.get(customer, -2)
            if index == -2:
                index = known[customer] = (
                    len(known) if select is None or select(customer) else -1)
            if index >= 0:
                buckets.add(index, number, line)
        del known
        total, done = buckets.lines, 0
        records: list[RawRecord] = []
        for bucket in buckets.all:
            numbers, customers, texts = bucket.take()
            for i in sorted(range(len(texts)), key=customers.__getitem__):
                records.append(RawRecord(FILE_TOPIC, None, numbers[i], None, None, texts[i]))
                if len(records) == size:
                    done += size
                    yield read * done // total, records
                    records = []
        yield read, records


def _bucket_count(lines: Iterable[bytes], bucket_bytes: int) -> int:
    """Enough buckets that one holds about `bucket_bytes`, from the input's size (a
    list's, or a regular file's; a pipe's is not known)."""
    if isinstance(lines, list):
        size = sum(len(line) for line in lines)
    else:
        try:
            status = os.fstat(lines.fileno())  # type: ignore[attr-defined]
        except (AttributeError, OSError, ValueError):
            return UNKNOWN_SIZE_BUCKETS
        if not stat.S_ISREG(status.st_mode):
            return UNKNOWN_SIZE_BUCKETS
        size = status.st_size
    return max(1, min(MAX_BUCKETS, math.ceil(size / bucket_bytes)))


_CHUNK = struct.Struct("<qq")  # a spilled chunk's header: lines, bytes of text


class _Bucket:
    """Some customers' lines: line numbers, customer numbers and texts, held in
    memory, and chunks of them spilled to the file `path` (opened only to add a chunk
    or to read them all: a thousand buckets hold no file open)."""

    def __init__(self) -> None:
        self.numbers, self.customers, self.texts = array("q"), array("q"), list[bytes]()
        self.path: Path | None = None  # once spilled

    def spill(self, path: Path) -> None:
        self.path = path
        text = b"".join(self.texts)
        with path.open("ab") as file:
            file.write(_CHUNK.pack(len(self.texts), len(text)))
            self.numbers.tofile(file)
            self.customers.tofile(file)
            array("q", map(len, self.texts)).tofile(file)
            file.write(text)
        self.numbers, self.customers, self.texts = array("q"), array("q"), []

    def take(self) -> tuple[array[int], array[int], list[bytes]]:
        """All the bucket's lines in the order they came; its file is then removed."""
        numbers, customers, texts = array("q"), array("q"), list[bytes]()
        if self.path is not None:
            with self.path.open("rb") as file:
                while header := file.read(_CHUNK.size):
                    count, length = _CHUNK.unpack(header)
                    numbers.fromfile(file, count)
                    customers.fromfile(file, count)
                    lengths = array("q")
                    lengths.fromfile(file, count)
                    text, at = file.read(length), 0
                    for n in lengths:
                        texts.append(text[at:at + n])
                        at += n
            self.path.unlink()
            self.path = None
        numbers.extend(self.numbers)
        customers.extend(self.customers)
        texts.extend(self.texts)
        self.numbers, self.customers, self.texts = array("q"), array("q"), []
        return numbers, customers, texts


class _Buckets:
    """The first pass's buckets; all are spilled when the lines held pass `limit`, to
    a temporary folder made at the first spill inside `scratch`, removed by `stack`."""

    def __init__(self, count: int, limit: int, scratch: Path | None, stack: ExitStack):
        self.all = [_Bucket() for _ in range(count)]
        self.limit, self.scratch, self.stack = limit, scratch, stack
        self.folder: Path | None = None
        self.held = 0  # bytes of text held in memory
        self.lines = 0  # lines added

    def add(self, customer: int, number: int, text: bytes) -> None:
        """A line of the customer numbered `customer` (a bucket holds every `len`th)."""
        bucket = self.all[customer % len(self.all)]
        bucket.numbers.append(number)
        bucket.customers.append(customer)
        bucket.texts.append(text)
        self.lines += 1
        self.held += len(text)
        if self.held > self.limit:
            self._spill()

    def _spill(self) -> None:
        if self.folder is None:
            self.folder = Path(self.stack.enter_context(
                tempfile.TemporaryDirectory(prefix=".replay-buckets-", dir=self.scratch)))
        for number, bucket in enumerate(self.all):
            if bucket.texts:
                bucket.spill(self.folder / str(number))
        self.held = 0
