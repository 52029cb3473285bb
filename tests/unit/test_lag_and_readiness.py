"""Consumer lag per partition and the readiness answer, with fakes for faust's consumer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from prometheus_client import CollectorRegistry

from streams.lag import LagGauge, partition_lags
from streams.metrics import Metrics
from streams.readiness import Readiness


class TP(NamedTuple):
    topic: str
    partition: int


class FakeConsumer:
    def __init__(self, ends: dict[TP, int], starts: dict[TP, int]) -> None:
        self.ends, self.starts = ends, starts

    def assignment(self) -> set[TP]:
        return set(self.ends)

    async def highwaters(self, *partitions: TP) -> Mapping[TP, int]:
        return {tp: self.ends[tp] for tp in partitions}

    async def earliest_offsets(self, *partitions: TP) -> Mapping[TP, int]:
        return {tp: self.starts[tp] for tp in partitions}


async def test_lag_is_end_offset_minus_committed_for_the_input_topic_only() -> None:
    ends = {TP("in", 0): 120, TP("in", 1): 40, TP("in", 2): 500, TP("changelog", 0): 9}
    consumer = FakeConsumer(ends, starts={TP("in", 2): 450})
    committed = {TP("in", 0): 100, TP("in", 1): 40}  # partition 2 never committed
    lags = await partition_lags(consumer, committed, "in")
    assert lags == {0: 20, 1: 0, 2: 50}  # 2 counts from its earliest offset, not from 0


async def test_the_lag_gauge_follows_the_assignment() -> None:
    registry = CollectorRegistry()
    gauge = LagGauge(Metrics.create(registry).consumer_lag)
    gauge.set({0: 5, 1: 7})
    gauge.set({1: 3})  # partition 0 went to another worker in a rebalance
    assert registry.get_sample_value("tierstream_consumer_lag", {"partition": "0"}) is None
    assert registry.get_sample_value("tierstream_consumer_lag", {"partition": "1"}) == 3


def test_ready_only_after_the_table_recovery_that_follows_each_rebalance() -> None:
    readiness = Readiness()
    assert not readiness.ready(rebalancing=False)  # started, nothing assigned yet
    readiness.on_rebalance()
    readiness.on_recovered()
    assert readiness.ready(rebalancing=False)
    assert not readiness.ready(rebalancing=True)
    readiness.on_rebalance()  # another worker joined: recovery starts again
    assert not readiness.ready(rebalancing=False)
