"""Consumer lag of the input topic, per partition this worker owns: end offset - committed.

The committed offset is exported too: records waiting while it stands still for
minutes means the worker has stopped committing (alert `TierstreamCommitsStalled`).

faust's sensor has no lag metric, so a timer asks every few seconds. The end offsets
come from the broker (a ListOffsets request), not from the fetcher's cached
highwater, so a stalled fetcher shows a growing lag instead of a frozen one. The
committed offsets are the consumer's own (faust keeps the last committed offset per
partition, the next one to read); a partition never committed by the group counts
from its earliest offset.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from prometheus_client import Gauge

log = logging.getLogger(__name__)

LAG_INTERVAL_SECONDS = 5.0


class OffsetSource(Protocol):
    """What the lag needs from a consumer (faust's consumer satisfies it)."""

    def assignment(self) -> set[Any]: ...

    async def highwaters(self, *partitions: Any) -> Mapping[Any, int]: ...

    async def earliest_offsets(self, *partitions: Any) -> Mapping[Any, int]: ...


@dataclass(frozen=True)
class PartitionOffsets:
    """Where the group stands on one input partition."""

    committed: int  # next offset to read: the committed one, or the earliest if never committed
    end: int  # the broker's end offset (highwater)

    @property
    def lag(self) -> int:
        return max(self.end - self.committed, 0)


async def partition_offsets(
    consumer: OffsetSource, committed: Mapping[Any, int | None], topic: str
) -> dict[int, PartitionOffsets]:
    """Committed and end offset per assigned partition of `topic`."""
    tps = [tp for tp in consumer.assignment() if tp.topic == topic]
    if not tps:
        return {}
    ends = await consumer.highwaters(*tps)
    never = [tp for tp in tps if committed.get(tp) is None]
    starts = await consumer.earliest_offsets(*never) if never else {}
    out: dict[int, PartitionOffsets] = {}
    for tp in tps:
        end = ends.get(tp)
        if end is None:
            continue
        done = committed.get(tp)
        out[tp.partition] = PartitionOffsets(done if done is not None else starts.get(tp, 0), end)
    return out


class PartitionGauges:
    """The lag and committed-offset gauges, their partitions kept equal to the assignment."""

    def __init__(self, lag: Gauge, committed: Gauge) -> None:
        self.lag = lag
        self.committed = committed
        self.partitions: set[int] = set()

    def set(self, offsets: Mapping[int, PartitionOffsets]) -> None:
        for gone in self.partitions - offsets.keys():
            self.lag.remove(str(gone))
            self.committed.remove(str(gone))
        for partition, at in offsets.items():
            self.lag.labels(str(partition)).set(at.lag)
            self.committed.labels(str(partition)).set(at.committed)
        self.partitions = set(offsets)


async def update_lag(app: Any, topic: str, lag: PartitionGauges) -> None:
    """One timer tick on a faust app: skipped while a rebalance moves partitions."""
    if app.rebalancing:
        return
    consumer = app.consumer
    try:
        offsets = await partition_offsets(consumer, consumer._committed_offset, topic)
    except Exception as exc:  # a broker hiccup must not kill the timer; the next tick retries
        log.warning("consumer lag not updated: %r", exc)
        return
    lag.set(offsets)
