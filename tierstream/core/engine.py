"""The classifier's single entry point: `apply(state, event, policy, now)`.

Pure: no Kafka, no faust, no metrics, no clock (the decision time `now` is passed
in). The caller stores `Decision.state` and publishes `Decision.outputs()`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Literal

from schemas.events import CustomerEvent
from schemas.outputs import Alert, LatestTier, Reason, Standing, TierChange
from tierstream.core.alerts import (
    AlertDraft,
    downgrade_alerts,
    income_drop_alert,
    overdue_alerts,
    upgrade_candidate_alert,
)
from tierstream.core.facts import merge
from tierstream.core.grade import compute_grade
from tierstream.core.hysteresis import decide_tier
from tierstream.core.retention import prune, refuse_if_beyond_retention
from tierstream.core.state import CustomerState
from tierstream.core.tier import evaluate_tier
from tierstream.policy import Policy

Outcome = Literal["applied", "duplicate"]
Output = TierChange | Alert | LatestTier

# Output ids are uuid5 of (customer, cause event, what): a redelivered event yields the
# same ids, so downstream can drop repeats.
_ID_NAMESPACE = uuid.UUID("6f1c7f9e-3b0e-4a55-9a43-1d2d8c7e5a10")


def output_id(customer_id: str, cause_event_id: str, what: str) -> str:
    return str(uuid.uuid5(_ID_NAMESPACE, f"{customer_id}\x1f{cause_event_id}\x1f{what}"))


@dataclass(frozen=True)
class Decision:
    state: CustomerState
    outcome: Outcome
    note: str | None = None
    tier_change: TierChange | None = None
    alerts: tuple[Alert, ...] = ()
    latest: LatestTier | None = None
    reasons: tuple[Reason, ...] = field(default=())

    def outputs(self) -> list[Output]:
        out: list[Output] = []
        if self.tier_change is not None:
            out.append(self.tier_change)
        out.extend(self.alerts)
        if self.latest is not None:
            out.append(self.latest)
        return out


def encode_output(out: Output) -> bytes:
    """The record value of an output on its topic (the contract's JSON)."""
    return out.model_dump_json().encode()


def apply(
    state: CustomerState | None,
    event: CustomerEvent,
    policy: Policy,
    now: datetime,
    *,
    copy: bool = True,
) -> Decision:
    """Merge `event` into `state`, re-decide grade and tier, and say what to emit.

    With `copy` (the default) the given state is left as it was; a caller that owns
    the state and keeps only the result (`copy=False`) saves the copy. A rejected
    event (`EventRejected`, see facts.py) is refused before anything is changed.
    """
    if state is not None and event.event_id in state.seen_event_ids:
        return Decision(state=state, outcome="duplicate")
    refuse_if_beyond_retention(state, event, policy, now)  # bounded state: retention.py
    if state is None:
        state = CustomerState(customer_id=event.customer_id)
    elif copy:
        state = state.deep_copy()
    merged = merge(state, event, policy)
    state.seen_event_ids[event.event_id] = event.occurred_at.date()
    prune(state, policy)
    return decide(
        state, event.event_id, event.occurred_at, policy, now, merged.replaced_income, merged.note
    )


def decide(
    state: CustomerState,
    cause_id: str,
    occurred_at: datetime,
    policy: Policy,
    now: datetime,
    replaced_income: Decimal | None = None,
    note: str | None = None,
) -> Decision:
    """Re-decide grade and tier of an updated `state` (mutated: decision bookkeeping)."""
    grade, grade_reason = compute_grade(state, policy)
    evaluation = evaluate_tier(state, grade, policy)
    decided = decide_tier(state, evaluation, policy)
    previous = (state.tier, state.grade) if state.tier and state.grade else None
    state.a_qualified_since = decided.a_qualified_since
    state.tier, state.grade = decided.tier, grade
    reasons = (grade_reason, *decided.reasons)

    drafts: list[AlertDraft] = overdue_alerts(state, policy)
    drop = income_drop_alert(replaced_income, state, policy)
    if drop is not None:
        drafts.append(drop)
    drafts.extend(downgrade_alerts(previous, decided.tier, grade, policy))
    if decided.candidate_started:
        drafts.append(upgrade_candidate_alert(state, policy))

    customer, cause = state.customer_id, cause_id
    version = policy.version
    change = None
    if previous != (decided.tier, grade):
        change = TierChange(
            event_id=output_id(customer, cause, "tier-change"),
            customer_id=customer,
            previous=Standing(tier=previous[0], grade=previous[1]) if previous else None,
            current=Standing(tier=decided.tier, grade=grade),
            reasons=list(reasons),
            policy_version=version,
            cause_event_id=cause,
            occurred_at=occurred_at,
            decided_at=now,
        )
    alerts = tuple(
        Alert(
            alert_id=output_id(customer, cause, f"alert:{d.type}:{d.discriminator}"),
            customer_id=customer,
            type=d.type,
            severity=d.severity,
            tier=decided.tier,
            grade=grade,
            message=d.message,
            details=d.details,
            policy_version=version,
            cause_event_id=cause,
            occurred_at=occurred_at,
            decided_at=now,
        )
        for d in drafts
    )
    assert state.as_of is not None
    latest = LatestTier(
        customer_id=customer,
        tier=decided.tier,
        grade=grade,
        reasons=list(reasons),
        policy_version=version,
        as_of=state.as_of,
    )
    return Decision(state, "applied", note, change, alerts, latest, reasons)
