"""Tier-change records as the pipeline publishes them, for history tests."""

from __future__ import annotations

from datetime import datetime

from schemas.outputs import Reason, Standing, TierChange

CID = "C0042"


def change(eid: str, at: str, tier: str, grade: str = "A",
           previous: tuple[str, str] | None = ("C", "A")) -> bytes:
    """The published bytes of a change to `tier`/`grade` caused by an event at `at`."""
    before = Standing(tier=previous[0], grade=previous[1]) if previous else None
    return TierChange(
        event_id=eid, customer_id=CID, previous=before,
        current=Standing(tier=tier, grade=grade),
        reasons=[Reason.model_validate({"code": f"why_{tier}", "message": f"tier {tier}",
                                        "income": "16000"})],
        policy_version="default@test", cause_event_id=f"cause-{eid}",
        occurred_at=datetime.fromisoformat(at),
        decided_at=datetime.fromisoformat("2026-12-31T00:00:00+00:00"),
    ).model_dump_json().encode()
