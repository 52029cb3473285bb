"""A scripted customer history through a real worker on the real broker.

A plain aiokafka producer sends events; a plain consumer reads the four output
topics. The test checks the story a relationship manager would see (first tier,
grade upgrade, A candidate, tier A after the cool-off, downgrade with alerts,
income drop) and that every output equals what the pure core decides for the
same events, so the worker adds no behaviour of its own.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from schemas.events import CUSTOMER_EVENT
from tests.integration.harness import WorkerProcess, event, produce, read_until
from tierstream.core.engine import apply
from tierstream.core.events import from_contract
from tierstream.core.state import CustomerState
from tierstream.policy import load_policy
from tierstream.settings import Settings

pytestmark = pytest.mark.integration

CID = "C-HIST-1"


def history() -> list[tuple[bytes, bytes]]:
    ev = [
        event("h1", CID, "profile.updated", "2026-01-01T09:00:00+08:00", education="master"),
        event("h2", CID, "salary.changed", "2026-01-02T09:00:00+08:00", monthly_income=25000),
    ]
    for n, month in enumerate(["2025-08", "2025-09", "2025-10", "2025-11", "2025-12", "2026-01"]):
        ev.append(event(f"r{n + 1}", CID, "loan.repayment", f"2026-01-03T09:0{n}:00+08:00",
                        loan_id="L1", installment=n + 1, due_date=f"{month}-01",
                        paid_date=f"{month}-01", amount_due="1000.00", amount_paid="1000.00"))
    for n, day in enumerate(["2026-01-05", "2026-02-05", "2026-03-05"]):
        ev.append(event(f"p{n + 1}", CID, "purchase.made", f"{day}T10:00:00Z",
                        product="fund", amount="5000"))
    ev += [
        event("g1", CID, "engagement.recorded", "2026-04-10T10:00:00Z",
              channel="phone", outcome="responded"),
        event("o1", CID, "loan.overdue", "2026-05-06T10:00:00Z", loan_id="L1",
              installment=7, due_date="2026-04-01", days_past_due=35, amount_overdue="1000"),
        event("s2", CID, "salary.changed", "2026-05-07T10:00:00Z", monthly_income=15000),
        event("m1", CID, "mortgage.closed", "2026-05-08T10:00:00Z", loan_id="NEVER-OPENED"),
        event("s2", CID, "salary.changed", "2026-05-07T10:00:00Z", monthly_income=15000),
    ]
    return ev


def strip(value: dict[str, Any]) -> dict[str, Any]:
    """Drop transport fields and the wall-clock decision time before comparing."""
    return {k: v for k, v in value.items() if not k.startswith("_") and k != "decided_at"}


def expected_outputs(events: list[tuple[bytes, bytes]]) -> dict[str, list[dict[str, Any]]]:
    policy = load_policy()
    state: CustomerState | None = None
    out: dict[str, list[dict[str, Any]]] = {"changes": [], "alerts": [], "latest": []}
    for _, value in events:
        event = from_contract(CUSTOMER_EVENT.validate_json(value))
        decision = apply(state, event, policy, datetime.now(UTC))
        state = decision.state
        if decision.tier_change:
            out["changes"].append(strip(json.loads(decision.tier_change.model_dump_json())))
        out["alerts"] += [strip(json.loads(a.model_dump_json())) for a in decision.alerts]
        if decision.latest:
            out["latest"].append(strip(json.loads(decision.latest.model_dump_json())))
    return out


def _latest_is_final(latest: list[dict[str, Any]]) -> bool:
    """The last event of `history()` (the closing of a mortgage) has been decided."""
    return bool(latest) and latest[-1]["as_of"].startswith("2026-05-08T10:00:00")


async def test_customer_history_produces_the_documented_outputs(
    settings: Settings, worker: WorkerProcess
) -> None:
    events = history()
    await produce(settings, events)
    s = settings
    seen = await read_until(
        s, [s.tier_changes_topic, s.alerts_topic, s.latest_topic, s.dlq_topic],
        lambda seen: _latest_is_final(seen[s.latest_topic]), worker=worker,
    )
    changes, alerts = seen[s.tier_changes_topic], seen[s.alerts_topic]

    # The story, as a relationship manager reads it.
    steps = [((c["previous"] or {}).get("tier"), c["current"]["tier"], c["current"]["grade"],
              c["cause_event_id"]) for c in changes]
    assert steps == [
        (None, "B", "A", "h1"),  # first tier: advanced degree
        ("B", "B", "AA", "r6"),  # six on-time installments
        ("B", "A", "AA", "g1"),  # A rule held since p3 (2026-03-05) for 30+ days
        ("A", "B", "B", "o1"),  # 35 days past due: grade B, tier down at once
    ]
    assert [c["reasons"][0]["code"] for c in changes] == [
        "grade_a_default", "grade_aa", "grade_aa", "grade_b_currently_past_due"]
    assert "tier_a_stable_relationship" in [r["code"] for r in changes[2]["reasons"]]
    assert [(a["type"], a["severity"], a["cause_event_id"]) for a in alerts] == [
        ("upgrade.candidate", "info", "p3"),
        ("repayment.overdue", "high", "o1"),
        ("tier.downgraded", "high", "o1"),
        ("grade.downgraded", "warning", "o1"),
        ("income.drop", "warning", "s2"),
    ]
    policy_version = load_policy().version
    assert {c["policy_version"] for c in changes + alerts} == {policy_version}
    assert all(v["_key"] == CID for v in changes + alerts + seen[s.latest_topic])
    assert seen[s.dlq_topic] == []

    # Exactly what the pure core decides for the same events (the duplicate is ignored).
    want = expected_outputs(events)
    assert [strip(c) for c in changes] == want["changes"]
    assert [strip(a) for a in alerts] == want["alerts"]
    # The compacted latest-tier topic: one record per customer and batch, the batch's
    # last, so what it holds is the per-event standings with some left out, in order.
    assert len(want["latest"]) == len(events) - 1
    published = [strip(v) for v in seen[s.latest_topic]]
    assert published[-1] == want["latest"][-1]
    it = iter(want["latest"])
    assert all(any(v == w for w in it) for v in published), "not a subsequence"


async def test_latest_tier_topic_is_compacted_and_holds_the_final_standing(
    settings: Settings, worker: WorkerProcess
) -> None:
    from aiokafka.admin import AIOKafkaAdminClient
    from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

    await produce(settings, history())
    s = settings
    seen = await read_until(s, [s.latest_topic],
                            lambda seen: _latest_is_final(seen[s.latest_topic]), worker=worker)
    final = seen[s.latest_topic][-1]
    assert (final["tier"], final["grade"]) == ("B", "B")
    assert final["as_of"].startswith("2026-05-08T10:00:00")
    assert {r["code"] for r in final["reasons"]} >= {"advanced_degree", "high_income"}

    admin = AIOKafkaAdminClient(bootstrap_servers=s.bootstrap_servers)
    await admin.start()
    try:
        resource = ConfigResource(ConfigResourceType.TOPIC, s.latest_topic)
        described = await admin.describe_configs([resource])
    finally:
        await admin.close()
    configs = {c[0]: c[1] for c in described[0].resources[0][4]}
    assert configs["cleanup.policy"] == "compact"
