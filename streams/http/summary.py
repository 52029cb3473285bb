"""Customers per tier and grade: counted on each worker, summed across the cluster.

Each worker knows the customers of the table partitions it owns from its
incrementally kept gauges (`tierstream_customers{tier}`,
`tierstream_customers_by_grade{grade}`, moved on every state write and rebuilt after
each table recovery). A worker whose registry has no such gauges counts its owned
partitions in the table instead (standby copies excluded), reading each stored
state's `tier` and `grade` once per request.

The worker asked for `GET /tiers/summary` (`SummaryQuery`) adds its own counts to those of every
other worker in the partition assignment (`GET /tiers/summary?scope=local`). A worker
that does not answer leaves its partitions uncounted and the summary says so
(`complete: false`), rather than failing the whole request.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from prometheus_client import CollectorRegistry

from schemas.api import LocalCounts, TierSummary, WorkerCount
from schemas.vocabulary import GRADES, TIERS
from streams.http.ownership import PartitionOwners
from streams.http.peers import Fetch, PeerUnavailable
from streams.http.replies import Reply, Request, json_reply
from tierstream.partitioning import default_partition

log = logging.getLogger(__name__)

Source = Literal["gauges", "table"]
TIER_GAUGE = "tierstream_customers"
GRADE_GAUGE = "tierstream_customers_by_grade"


def _zero(names: Iterable[str]) -> dict[str, int]:
    return dict.fromkeys(names, 0)


@dataclass
class Counts:
    """Customers per tier and per grade over some partitions."""

    partitions: set[int] = field(default_factory=set)
    tiers: dict[str, int] = field(default_factory=lambda: _zero(TIERS))
    grades: dict[str, int] = field(default_factory=lambda: _zero(GRADES))
    source: Source = "table"

    @property
    def customers(self) -> int:
        return sum(self.tiers.values())

    def add(self, other: Counts) -> None:
        self.partitions |= other.partitions
        for tier, n in other.tiers.items():
            self.tiers[tier] += n
        for grade, n in other.grades.items():
            self.grades[grade] += n


def count_from_gauges(registry: CollectorRegistry, owned: set[int]) -> Counts | None:
    """The worker's kept tier/grade gauges, or None when the registry has none."""
    tiers = {t: registry.get_sample_value(TIER_GAUGE, {"tier": t}) for t in TIERS}
    grades = {g: registry.get_sample_value(GRADE_GAUGE, {"grade": g}) for g in GRADES}
    if any(v is None for v in (*tiers.values(), *grades.values())):
        return None
    return Counts(
        partitions=set(owned),
        tiers={t: int(v or 0) for t, v in tiers.items()},
        grades={g: int(v or 0) for g, v in grades.items()},
        source="gauges",
    )


def count_table(
    items: Iterable[tuple[bytes, bytes | None]], owned: set[int], partitions: int
) -> Counts:
    """Count stored states whose key's partition is in `owned` (standby copies excluded)."""
    counts = Counts(partitions=set(owned))
    for key, value in items:
        if value is None or default_partition(key, partitions) not in owned:
            continue
        state = json.loads(value)
        tier, grade = state.get("tier"), state.get("grade")
        if tier in counts.tiers and grade in counts.grades:
            counts.tiers[tier] += 1
            counts.grades[grade] += 1
    return counts


def summary_of(
    workers: Sequence[tuple[str, list[int], Counts | None]], partitions: int
) -> TierSummary:
    """The cluster summary from each worker's (url, owned partitions, counts or None)."""
    total = Counts()
    for _, _, counts in workers:
        if counts is not None:
            total.add(counts)
    return TierSummary(
        customers=total.customers,
        tiers={t: total.tiers[t] for t in TIERS},
        grades={g: total.grades[g] for g in GRADES},
        partitions_total=partitions,
        partitions_counted=len(total.partitions),
        complete=len(total.partitions) == partitions,
        workers=[
            WorkerCount(url=url, partitions=sorted(parts),
                        customers=c.customers if c is not None else None,
                        source=c.source if c is not None else None)
            for url, parts, c in workers
        ],
    )


def counts_to_json(counts: Counts) -> dict[str, object]:
    """The worker-to-worker form of a local count (`GET /tiers/summary?scope=local`)."""
    local = LocalCounts(partitions=sorted(counts.partitions), tiers=counts.tiers,
                        grades=counts.grades, source=counts.source)
    body: dict[str, object] = local.model_dump(mode="json")
    return body


def counts_from_json(body: object) -> Counts:
    """Parse a peer's local count; raises ValueError when it is not one."""
    if not isinstance(body, dict) or body.get("source") not in ("gauges", "table"):
        raise ValueError("not a local count")
    counts = Counts(partitions={int(p) for p in body["partitions"]}, source=body["source"])
    for tier, n in dict(body["tiers"]).items():
        if tier in counts.tiers:
            counts.tiers[tier] = int(n)
    for grade, n in dict(body["grades"]).items():
        if grade in counts.grades:
            counts.grades[grade] = int(n)
    return counts


class SummaryQuery:
    """`GET /tiers/summary`: customers per tier and grade over the cluster (or this
    worker alone, `?scope=local`, which is what workers ask each other)."""

    def __init__(
        self,
        registry: CollectorRegistry,
        items: Callable[[], Iterable[tuple[bytes, bytes | None]]],
        owners: PartitionOwners,
        fetch: Fetch,
    ) -> None:
        self.registry = registry
        self.items = items
        self.owners = owners
        self.fetch = fetch

    async def __call__(self, request: Request) -> Reply:
        me = self.owners.me
        assignment = self.owners.owners()
        mine = {p for p, url in assignment.items() if url == me}
        local = (count_from_gauges(self.registry, mine)
                 or count_table(self.items(), mine, self.owners.partitions))
        if request.query.get("scope") == "local":
            return json_reply(counts_to_json(local))
        by_worker: dict[str, list[int]] = {url: [] for url in self.owners.workers()}
        by_worker[me] = sorted(mine)
        for p, url in assignment.items():
            if url != me:
                by_worker.setdefault(url, []).append(p)
        peers = [url for url in by_worker if url != me]
        answers = await asyncio.gather(*(self._peer_counts(url) for url in peers))
        counted: dict[str, Counts | None] = {me: local, **dict(zip(peers, answers, strict=True))}
        rows = [(url, sorted(parts), counted[url]) for url, parts in by_worker.items()]
        summary = summary_of(rows, self.owners.partitions)
        return Reply(200, summary.model_dump_json().encode())

    async def _peer_counts(self, url: str) -> Counts | None:
        try:
            status, body = await self.fetch(f"{url}/tiers/summary?scope=local")
            if status != 200:
                return None
            return counts_from_json(json.loads(body))
        except (PeerUnavailable, ValueError, KeyError, TypeError) as exc:
            log.warning("tier summary: worker %s did not answer: %s", url, exc)
            return None
