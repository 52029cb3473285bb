"""From what the rules say to the tier a customer gets: overrides and the A cool-off.

- Grade C forces tier D, even over a manual override.
- An active manual override pins the tier (reason `manual_override`).
- Tier A is granted only after the A rule has held for `a_cool_off_days` of event
  time; meanwhile the tier of the next rule applies and `a_cool_off_pending` says
  how long is left. The spell starts at the customer's `as_of` when the A rule is
  first seen to hold (that event's `occurred_at` unless it arrived late) and ends
  as soon as the rule stops holding.
- Every downgrade, and every other upgrade, takes effect at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import msgspec

from schemas.outputs import Reason
from schemas.vocabulary import Tier
from tierstream.core.compiled import compiled
from tierstream.core.reasons import reason, remembered
from tierstream.core.state import CustomerState
from tierstream.core.tier import TierEvaluation
from tierstream.policy import Policy

_DAY = timedelta(days=1)


class TierDecision(msgspec.Struct, frozen=True, gc=False):
    tier: Tier
    reasons: tuple[Reason, ...]
    a_qualified_since: datetime | None
    candidate_started: bool  # a qualifying spell began while the customer is B


def decide_tier(state: CustomerState, ev: TierEvaluation, policy: Policy) -> TierDecision:
    as_of = state.as_of
    assert as_of is not None, "decide_tier needs a state with at least one event"
    since = state.a_qualified_since if ev.a_holds else None
    started = ev.a_holds and since is None
    if started:
        since = as_of

    if ev.below_a == "D":
        return TierDecision("D", ev.below_a_reasons, since, False)

    override = state.override
    if override is not None and override.tier is not None and override.active_at(as_of):
        pinned = _override_reason(
            override.tier, override.approved_by, override.reason, override.expires_at
        )
        return TierDecision(override.tier, (pinned,), since, False)

    if ev.a_holds and ev.a_reason is not None and since is not None:
        c = compiled(policy)
        held = as_of - since
        if state.tier == "A" or held >= c.cool_off:
            return TierDecision("A", (ev.a_reason, *ev.b_criteria), since, False)
        remaining = c.cool_off - held
        qualified_since = since.isoformat()
        pending = reason(
            "a_cool_off_pending",
            f"Qualifies for tier A since {qualified_since}; tier A after "
            f"{c.cool_off_days} days of qualification "
            f"({-(-remaining // _DAY)} days to go).",
            qualified_since=qualified_since,
            days_held=held.days,
            days_required=c.cool_off_days,
        )
        return TierDecision(
            ev.below_a,
            (*ev.below_a_reasons, ev.a_reason, pending),
            since,
            started and ev.below_a == "B",
        )
    return TierDecision(ev.below_a, ev.below_a_reasons, since, False)


@remembered
def _override_reason(
    tier: Tier, approved_by: str, why: str, expires_at: datetime | None
) -> Reason:
    expires = expires_at.isoformat() if expires_at else None
    return reason(
        "manual_override",
        f"Tier {tier} set by {approved_by}: {why}"
        + (f" (until {expires})." if expires else " (no expiry)."),
        tier=tier,
        approved_by=approved_by,
        override_reason=why,
        expires_at=expires,
    )
