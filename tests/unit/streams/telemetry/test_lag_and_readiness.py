"""Consumer lag per partition and the readiness answer, with fakes for faust's consumer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from prometheus_client import CollectorRegistry

from streams.http.readiness import Readiness
from streams.telemetry.lag import PartitionGauges, PartitionOffsets, partition_offsets
from streams.telemetry.metrics import Metrics


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
    offsets = await partition_offsets(consumer, committed, "in")
    assert {p: at.lag for p, at in offsets.items()} == {0: 20, 1: 0, 2: 50}
    # partition 2 counts from its earliest offset, not from 0
    assert {p: at.committed for p, at in offsets.items()} == {0: 100, 1: 40, 2: 450}


def test_a_committed_offset_past_the_end_is_no_negative_lag() -> None:
    assert PartitionOffsets(committed=130, end=120).lag == 0  # end offset read before commit


async def test_the_lag_gauges_follow_the_assignment() -> None:
    registry = CollectorRegistry()
    metrics = Metrics.create(registry)
    gauge = PartitionGauges(metrics.consumer_lag, metrics.consumer_committed_offset)
    gauge.set({0: PartitionOffsets(10, 15), 1: PartitionOffsets(20, 27)})
    gauge.set({1: PartitionOffsets(24, 27)})  # partition 0 went to another worker
    for name in ("tierstream_consumer_lag", "tierstream_consumer_committed_offset"):
        assert registry.get_sample_value(name, {"partition": "0"}) is None
    assert registry.get_sample_value("tierstream_consumer_lag", {"partition": "1"}) == 3
    assert registry.get_sample_value(
        "tierstream_consumer_committed_offset", {"partition": "1"}) == 24


def test_ready_only_after_the_table_recovery_that_follows_each_rebalance() -> None:
    readiness = Readiness()
    assert not readiness.ready(rebalancing=False)  # started, nothing assigned yet
    readiness.on_rebalance()
    readiness.on_recovered()
    assert readiness.ready(rebalancing=False)
    assert not readiness.ready(rebalancing=True)
    readiness.on_rebalance()  # another worker joined: recovery starts again
    assert not readiness.ready(rebalancing=False)
