"""The classifier's single entry point: `apply(state, event, policy, now)`.

Pure: no Kafka, no faust, no metrics, no clock (the decision time `now` is passed
in). The caller stores `Decision.state` and publishes `Decision.outputs()`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Literal

import msgspec

from schemas.outputs import Alert, LatestTier, Reason, TierChange
from tierstream.core.alerts import (
    downgrade_alerts,
    income_drop_alert,
    overdue_alerts,
    upgrade_candidate_alert,
)
from tierstream.core.compiled import Compiled, compiled
from tierstream.core.events import CustomerEvent
from tierstream.core.facts import merge_at
from tierstream.core.grade import grade_of
from tierstream.core.history import History
from tierstream.core.hysteresis import decide_tier
from tierstream.core.outputs import (
    Output,
    alert,
    encode_output,
    latest_tier,
    output_id,
    standing,
    tier_change,
)
from tierstream.core.retention import kept_history, prune_after, refuse
from tierstream.core.state import CustomerState, shared_day
from tierstream.core.tier import tier_of
from tierstream.policy import Policy

__all__ = ["Decision", "Outcome", "Output", "apply", "decide", "encode_output", "latest_of",
           "output_id"]

Outcome = Literal["applied", "duplicate"]


class Decision(msgspec.Struct, frozen=True, gc=False):
    state: CustomerState
    outcome: Outcome
    note: str | None = None
    tier_change: TierChange | None = None
    alerts: tuple[Alert, ...] = ()
    latest: LatestTier | None = None
    reasons: tuple[Reason, ...] = ()

    def outputs(self) -> list[Output]:
        out: list[Output] = []
        if self.tier_change is not None:
            out.append(self.tier_change)
        out.extend(self.alerts)
        if self.latest is not None:
            out.append(self.latest)
        return out


def apply(
    state: CustomerState | None,
    event: CustomerEvent,
    policy: Policy,
    now: datetime,
    *,
    copy: bool = True,
    latest: bool = True,
) -> Decision:
    """Merge `event` into `state`, re-decide grade and tier, and say what to emit.

    With `copy` (the default) the given state is left as it was; a caller that owns
    the state and keeps only the result (`copy=False`) saves the copy. A rejected
    event (`EventRejected`, see facts.py) is refused before anything is changed.
    Without `latest`, `Decision.latest` is left out: a caller that keeps only each
    customer's newest builds that one with `latest_of`.
    """
    if state is not None and event.event_id in state.seen_event_ids:
        return Decision(state, "duplicate")
    c = compiled(policy)
    at = event.occurred_at.astimezone(UTC)
    keep = kept_history(c)
    refuse(state, event, at, now, keep)  # bounded state: retention.py
    if state is None:
        state = CustomerState(event.customer_id)
    elif copy:
        state = state.deep_copy()
    merged = merge_at(state, event, at, policy)
    state.own_seen_event_ids()[event.event_id] = shared_day(event.occurred_at.date())
    prune_after(state, event, at, keep)
    return _decide(
        state, event.event_id, event.occurred_at, c, now, merged.replaced_income, merged.note,
        latest,
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
    return _decide(state, cause_id, occurred_at, compiled(policy), now, replaced_income, note)


def _decide(
    state: CustomerState,
    cause_id: str,
    occurred_at: datetime,
    c: Compiled,
    now: datetime,
    replaced_income: Decimal | None,
    note: str | None,
    latest: bool = True,
) -> Decision:
    policy = c.policy
    history = History.of(state, c)
    grade, grade_reason = grade_of(history, c)
    decided = decide_tier(state, tier_of(state, grade, history, c), policy)
    tier = decided.tier
    previous = (state.tier, state.grade) if state.tier and state.grade else None
    state.a_qualified_since = decided.a_qualified_since
    state.tier, state.grade = tier, grade
    reasons = (grade_reason, *decided.reasons)
    changed = previous != (tier, grade)

    drafts = overdue_alerts(history, c, state) if history.current else []
    if replaced_income is not None:
        drop = income_drop_alert(replaced_income, state, policy)
        if drop is not None:
            drafts.append(drop)
    if previous is not None and changed:
        drafts.extend(downgrade_alerts(previous, tier, grade, policy, c))
    if decided.candidate_started:
        drafts.append(upgrade_candidate_alert(state, policy))

    customer, version = state.customer_id, c.version
    change = None
    if changed:
        change = tier_change(
            customer, standing(*previous) if previous else None, standing(tier, grade),
            reasons, version, cause_id, occurred_at, now,
        )
    alerts = tuple([
        alert(customer, d.type, d.severity, tier, grade, d.message, d.details, d.discriminator,
              version, cause_id, occurred_at, now)
        for d in drafts
    ]) if drafts else ()
    record = latest_of(state, reasons, version) if latest else None
    return Decision(state, "applied", note, change, alerts, record, reasons)


def latest_of(state: CustomerState, reasons: tuple[Reason, ...], policy_version: str) -> LatestTier:
    """The latest tier a decision publishes: the decided state's standing, the decision's
    reasons. A caller that keeps only a customer's newest (the replay's file) builds it
    from the final state and the last decision's reasons, once."""
    tier, grade, as_of = state.tier, state.grade, state.as_of
    assert tier is not None, "a decided state has a tier"
    assert grade is not None, "a decided state has a grade"
    assert as_of is not None, "a decided state has an as_of"
    return latest_tier(state.customer_id, tier, grade, reasons, policy_version, as_of)
