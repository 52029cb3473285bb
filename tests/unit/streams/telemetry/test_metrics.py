"""The metric factory and what the processor records: each test has its own registry."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from schemas.outputs import Standing, TierChange
from schemas.vocabulary import GRADES, TIERS
from streams.processing.processor import Processor
from streams.telemetry.metrics import EVENT_AGE_BUCKETS, Metrics
from streams.telemetry.tier_gauges import rebuild
from tests.unit.builders import DEFAULT_POLICY
from tierstream.partitioning import default_partition
from tierstream.pipeline import RawRecord
from tierstream.policy import ActivePolicy
from tierstream.settings import Settings

SETTINGS = Settings(partitions=4, store="memory://")
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def value(registry: CollectorRegistry, name: str, **labels: str) -> float:
    found = registry.get_sample_value(name, labels)
    assert found is not None, f"{name}{labels} not exported"
    return found


def change(before: tuple[str, str] | None, after: tuple[str, str]) -> TierChange:
    return TierChange.model_validate({
        "event_id": "x", "customer_id": "C1", "reasons": [], "policy_version": "p",
        "cause_event_id": "e", "occurred_at": NOW, "decided_at": NOW,
        "previous": Standing(tier=before[0], grade=before[1]) if before else None,
        "current": Standing(tier=after[0], grade=after[1]),
    })


def test_factory_registers_only_on_the_registry_it_is_given() -> None:
    first, second = CollectorRegistry(), CollectorRegistry()
    Metrics.create(first)
    Metrics.create(second)  # no clash: nothing global
    with pytest.raises(ValueError, match="Duplicated"):
        Metrics.create(first)


def test_known_series_start_at_zero_so_rates_exist_before_the_first_event() -> None:
    registry = CollectorRegistry()
    Metrics.create(registry)
    assert value(registry, "tierstream_events_consumed_total", type="salary.changed") == 0
    assert value(registry, "tierstream_events_consumed_total", type="invalid") == 0
    for tier in "ABCD":
        assert value(registry, "tierstream_customers", tier=tier) == 0
    assert value(registry, "tierstream_customers_by_grade", grade="AAA") == 0
    build = [s for m in registry.collect() if m.name == "tierstream_build_info" for s in m.samples]
    assert build[0].labels["version"]
    assert build[0].value == 1


def test_a_grade_only_change_is_not_counted_as_a_tier_change() -> None:
    registry = CollectorRegistry()
    metrics = Metrics.create(registry)
    metrics.count_change(change(None, ("C", "A")))
    metrics.count_change(change(("C", "A"), ("C", "AA")))
    metrics.count_change(change(("C", "AA"), ("D", "C")))
    assert value(registry, "tierstream_tier_changes_total", from_tier="none", to_tier="C") == 1
    assert value(registry, "tierstream_tier_changes_total", from_tier="C", to_tier="D") == 1
    assert registry.get_sample_value(
        "tierstream_tier_changes_total", {"from_tier": "C", "to_tier": "C"}) is None
    assert value(registry, "tierstream_grade_changes_total", from_grade="A", to_grade="AA") == 1
    assert value(registry, "tierstream_grade_changes_total", from_grade="none", to_grade="A") == 1


def test_latencies_fall_in_millisecond_buckets_and_replays_in_the_overflow() -> None:
    registry = CollectorRegistry()
    metrics = Metrics.create(registry)
    record_ms = int((NOW - timedelta(milliseconds=30)).timestamp() * 1000)
    metrics.observe_decision(record_ms, NOW - timedelta(days=120), NOW)  # a replayed event
    metrics.observe_decision(record_ms + 60_000, NOW, NOW)  # producer clock ahead: 0, not < 0
    latency = "tierstream_decision_latency_seconds_bucket"
    assert value(registry, latency, le="0.005") == 1  # the skewed one, clamped to 0
    assert value(registry, latency, le="0.05") == 2
    age = "tierstream_event_age_seconds_bucket"
    assert value(registry, age, le=str(EVENT_AGE_BUCKETS[-1])) == 1  # the live one (age 0)
    assert value(registry, age, le="+Inf") == 2


def record(offset: int, cid: str, body: dict[str, object]) -> RawRecord:
    key = cid.encode()
    return RawRecord(topic=SETTINGS.input_topic, partition=default_partition(key, 4),
                     offset=offset, timestamp_ms=int(NOW.timestamp() * 1000), key=key,
                     value=json.dumps(body).encode())


def event(eid: str, cid: str, type_: str, at: str, **data: object) -> dict[str, object]:
    return {"event_id": eid, "customer_id": cid, "type": type_, "occurred_at": at,
            "schema_version": 1, "data": data}


STREAM = [
    event("a1", "C-A", "profile.updated", "2026-01-01T00:00:00Z", education="master"),  # B
    event("b1", "C-B", "salary.changed", "2026-01-01T00:00:00Z", monthly_income=5000),  # C
    event("b2", "C-B", "salary.changed", "2026-02-01T00:00:00Z", monthly_income=16000),  # C->B
    event("c1", "C-C", "loan.overdue", "2026-05-01T00:00:00Z", loan_id="L1", installment=1,
          due_date="2026-01-01", days_past_due=120, amount_overdue="10"),  # grade C, tier D
    event("b2", "C-B", "salary.changed", "2026-02-01T00:00:00Z", monthly_income=16000),  # dup
]


async def run_stream() -> tuple[CollectorRegistry, Metrics, dict[bytes, bytes], bytes]:
    registry = CollectorRegistry()
    metrics = Metrics.create(registry)
    table: dict[bytes, bytes] = {}
    sent: list[bytes] = []

    async def send(topic: str, key: bytes | None, value: bytes | None, partition: int | None,
                   headers: list[tuple[str, bytes]] | None = None) -> None:
        assert value is not None  # no erasures here: no tombstones
        sent.append(value)

    processor = Processor(SETTINGS, ActivePolicy(DEFAULT_POLICY), table, send, metrics, lambda: NOW)
    for offset, body in enumerate(STREAM):
        await processor.handle(record(offset, str(body["customer_id"]), body))
    await processor.handle(RawRecord(SETTINGS.input_topic, 0, 99, None, b"C-X", b"{oops"))
    return registry, metrics, table, generate_latest(registry)


async def test_the_processor_counts_what_a_user_sent() -> None:
    registry, _, _, _ = await run_stream()
    assert value(registry, "tierstream_events_consumed_total", type="salary.changed") == 3
    assert value(registry, "tierstream_events_applied_total", type="salary.changed") == 2
    assert value(registry, "tierstream_events_duplicate_total") == 1
    assert value(registry, "tierstream_events_rejected_total", reason="not_json") == 1
    assert value(registry, "tierstream_tier_changes_total", from_tier="C", to_tier="B") == 1
    assert value(registry, "tierstream_tier_changes_total", from_tier="none", to_tier="D") == 1
    assert value(registry, "tierstream_alerts_total", type="repayment.overdue",
                 severity="critical") == 1
    assert {t: value(registry, "tierstream_customers", tier=t) for t in "ABCD"} == {
        "A": 0, "B": 2, "C": 0, "D": 1}
    assert value(registry, "tierstream_customers_by_grade", grade="C") == 1
    assert value(registry, "tierstream_table_customers") == 3
    assert value(registry, "tierstream_decision_latency_seconds_count") == 4


async def test_labels_never_carry_customer_ids() -> None:
    _, _, _, page = await run_stream()
    assert b"C-A" not in page
    assert b"C-B" not in page


async def test_a_rebuild_from_the_table_gives_the_gauges_kept_on_each_write() -> None:
    kept, _, table, _ = await run_stream()
    fresh = CollectorRegistry()
    assert rebuild(Metrics.create(fresh), table.values()) == 3
    for tier in TIERS:
        assert value(fresh, "tierstream_customers", tier=tier) == value(
            kept, "tierstream_customers", tier=tier)
    for grade in GRADES:
        assert value(fresh, "tierstream_customers_by_grade", grade=grade) == value(
            kept, "tierstream_customers_by_grade", grade=grade)
    for name in ("tierstream_table_customers", "tierstream_table_state_bytes"):
        assert value(fresh, name) == value(kept, name)
    assert value(fresh, "tierstream_table_state_bytes") == sum(len(v) for v in table.values())
