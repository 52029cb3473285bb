"""The A cool-off completes with no new event for the customer: the periodic pass
decides it again once the stream's time has moved 30 days on."""

from __future__ import annotations

from pathlib import Path

import pytest

from streams.kafka.topics import create_topics
from tests.integration.harness import WorkerProcess, event, produce, read_until, unique_settings

pytestmark = pytest.mark.integration


def rising_star(cid: str) -> list[tuple[bytes, bytes]]:
    ev = [event(f"{cid}-s", cid, "salary.changed", "2026-01-02T09:00:00Z", monthly_income=25000)]
    for n in range(6):
        ev.append(event(f"{cid}-r{n}", cid, "loan.repayment", f"2026-01-03T09:0{n}:00Z",
                        loan_id="L1", installment=n + 1, due_date=f"2025-0{n + 3}-01",
                        paid_date=f"2025-0{n + 3}-01", amount_due=900, amount_paid=900))
    for n, day in enumerate(["2026-01-05", "2026-02-05", "2026-03-05"]):
        ev.append(event(f"{cid}-p{n}", cid, "purchase.made", f"{day}T10:00:00Z",
                        product="fund", amount=100))
    return ev


async def test_cool_off_completes_by_the_periodic_pass(tmp_path: Path) -> None:
    settings = unique_settings(tmp_path, reevaluation_interval_seconds=0.5)
    await create_topics(settings)
    worker = WorkerProcess(settings, tmp_path / "worker.log")
    try:
        star = "C-STAR-1"
        await produce(settings, rising_star(star))
        s = settings
        seen = await read_until(s, [s.alerts_topic], lambda seen: any(
            a["type"] == "upgrade.candidate" for a in seen[s.alerts_topic]), worker=worker)
        # Another customer's event 31 days later moves the stream's time on.
        await produce(settings, [event("o-1", "C-OTHER-1", "salary.changed",
                                       "2026-04-05T10:00:00Z", monthly_income=9000)])
        seen = await read_until(s, [s.tier_changes_topic], lambda seen: any(
            c["customer_id"] == star and c["current"]["tier"] == "A"
            for c in seen[s.tier_changes_topic]), worker=worker)
        upgrade = [c for c in seen[s.tier_changes_topic]
                   if c["customer_id"] == star and c["current"]["tier"] == "A"]
        assert len(upgrade) == 1
        assert upgrade[0]["previous"]["tier"] == "B"
        assert upgrade[0]["cause_event_id"].startswith("reevaluation@2026-04-05T10:00:00")
        assert upgrade[0]["occurred_at"].startswith("2026-04-05T10:00:00")
        assert "tier_a_stable_relationship" in [r["code"] for r in upgrade[0]["reasons"]]
    finally:
        worker.stop()
