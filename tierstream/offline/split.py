"""Which job decides a line of a file: its customer's partition, as the worker's.

`replay --jobs N` runs N processes over the same file; each decides the customers
that Kafka's default partitioner (murmur2, `tierstream.partitioning`) puts on its
partition out of N, so every customer's events stay in one process and in file
order. Each process reads every line, so skipping the others' must be cheap: the
customer id is found by a byte search, and only a line it cannot be sure of is
decoded in full. A line without a customer (not JSON, no id) belongs to job 0.
"""

from __future__ import annotations

import json
import re

from tierstream.partitioning import default_partition

_KEY = b'"customer_id"'
_VALUE = re.compile(rb'\s*:\s*"([^"]*)"')


def customer_of(line: bytes) -> str | None:
    """The line's customer id, or None when it has none.

    The byte search is trusted only when the key occurs once and the line has no
    backslash (no escape could spell the key or the id another way); for a valid
    event that occurrence is the envelope's."""
    at = line.find(_KEY)
    if at >= 0 and line.find(b"\\") < 0 and line.find(_KEY, at + len(_KEY)) < 0:
        start = at + len(_KEY)
        if line.startswith(b':"', start):  # compact JSON, as producers mostly write it
            end = line.find(b'"', start + 2)
            value = line[start + 2:end] if end >= 0 else None
        else:
            found = _VALUE.match(line, start)
            value = found.group(1) if found is not None else None
        if value is not None:
            try:
                return value.decode()
            except UnicodeDecodeError:
                pass
    return _decoded_customer(line)


def _decoded_customer(line: bytes) -> str | None:
    try:
        body = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if isinstance(body, dict):
        value = body.get("customer_id")
        if isinstance(value, str):
            return value
    return None


class JobSelector:
    """`selector(customer id)`: whether job `index` of `jobs` decides that customer's
    lines (None: a line without a customer id)."""

    def __init__(self, index: int, jobs: int) -> None:
        if not 0 <= index < jobs:
            raise ValueError(f"job {index} of {jobs}")
        self.index, self.jobs = index, jobs
        self._job: dict[str, int] = {}  # customer id -> job (murmur2 once per customer)

    def __call__(self, customer: str | None) -> bool:
        if customer is None:
            return self.index == 0
        job = self._job.get(customer)
        if job is None:
            job = self._job[customer] = default_partition(customer.encode(), self.jobs)
        return job == self.index
