"""Which worker owns which table partition, from the group's current assignment.

A customer lives in one table partition, chosen by the producers' default murmur2
partitioner (tierstream/partitioning.py); the assignment says which worker holds
it. faust's `@app.table_route` does the same lookup through the producer's metadata
of the changelog topic, which a worker only has after writing to it; computing the
partition here answers the same on every worker from its start.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from tierstream.partitioning import default_partition

# worker URL -> topic -> partitions (faust's `router.table_metadata` has this shape)
Assignment = Mapping[str, Mapping[str, Iterable[int]]]


class PartitionOwners:
    def __init__(
        self,
        assignment: Callable[[], Assignment],
        members: Callable[[], Iterable[str]],
        me: str,
        partitions: int,
    ) -> None:
        """`assignment`: the table's partitions by worker; `members`: every worker of the
        group, including those that own no partition of the table now."""
        self._assignment = assignment
        self._members = members
        self.me = me.rstrip("/")
        self.partitions = partitions

    def owners(self) -> dict[int, str]:
        """partition -> URL of the worker that owns it now."""
        out: dict[int, str] = {}
        for url, topics in self._assignment().items():
            for parts in topics.values():
                for p in parts:
                    out[int(p)] = str(url).rstrip("/")
        return out

    def workers(self) -> list[str]:
        """Every worker in the assignment, this one first, even those owning nothing."""
        urls = [self.me]
        for url in [*self._members(), *self._assignment()]:
            url = str(url).rstrip("/")
            if url not in urls:
                urls.append(url)
        return urls

    def partition_of(self, key: bytes) -> int:
        return default_partition(key, self.partitions)
