"""Consumer lag of the input topic, per partition this worker owns: end offset - committed.

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
from typing import Any, Protocol

from prometheus_client import Gauge

log = logging.getLogger(__name__)

LAG_INTERVAL_SECONDS = 5.0


class OffsetSource(Protocol):
    """What the lag needs from a consumer (faust's consumer satisfies it)."""

    def assignment(self) -> set[Any]: ...

    async def highwaters(self, *partitions: Any) -> Mapping[Any, int]: ...

    async def earliest_offsets(self, *partitions: Any) -> Mapping[Any, int]: ...


async def partition_lags(
    consumer: OffsetSource, committed: Mapping[Any, int | None], topic: str
) -> dict[int, int]:
    """Lag per assigned partition of `topic` (never negative)."""
    tps = [tp for tp in consumer.assignment() if tp.topic == topic]
    if not tps:
        return {}
    ends = await consumer.highwaters(*tps)
    never = [tp for tp in tps if committed.get(tp) is None]
    starts = await consumer.earliest_offsets(*never) if never else {}
    lags: dict[int, int] = {}
    for tp in tps:
        end = ends.get(tp)
        if end is None:
            continue
        done = committed.get(tp)
        position = done if done is not None else starts.get(tp, 0)
        lags[tp.partition] = max(end - position, 0)
    return lags


class LagGauge:
    """Keeps the gauge's partitions equal to the worker's current assignment."""

    def __init__(self, gauge: Gauge) -> None:
        self.gauge = gauge
        self.partitions: set[int] = set()

    def set(self, lags: Mapping[int, int]) -> None:
        for gone in self.partitions - lags.keys():
            self.gauge.remove(str(gone))
        for partition, lag in lags.items():
            self.gauge.labels(str(partition)).set(lag)
        self.partitions = set(lags)


async def update_lag(app: Any, topic: str, lag: LagGauge) -> None:
    """One timer tick on a faust app: skipped while a rebalance moves partitions."""
    if app.rebalancing:
        return
    consumer = app.consumer
    try:
        lags = await partition_lags(consumer, consumer._committed_offset, topic)
    except Exception as exc:  # a broker hiccup must not kill the timer; the next tick retries
        log.warning("consumer lag not updated: %r", exc)
        return
    lag.set(lags)
