"""A stored customer's current decision and its reasons, without an event (for explanations).

The worker stores `CustomerState` but not the reasons of its last decision. Re-running
the same rules (grade, tier, hysteresis) on the stored state at its own `as_of` gives
them back: with the policy that decided the state, the result is the stored tier and
grade. Nothing here mutates the state; the rules only read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from schemas.outputs import Reason
from schemas.vocabulary import Grade, Tier
from tierstream.core.compiled import compiled
from tierstream.core.grade import grade_of
from tierstream.core.history import History
from tierstream.core.hysteresis import decide_tier
from tierstream.core.state import CustomerState
from tierstream.core.tier import tier_of
from tierstream.policy import Policy


@dataclass(frozen=True)
class CurrentDecision:
    tier: Tier
    grade: Grade
    reasons: tuple[Reason, ...]
    as_of: datetime
    upgrade_to_a_at: datetime | None  # when a pending upgrade to A takes effect, if any


def current_decision(state: CustomerState, policy: Policy) -> CurrentDecision:
    """The customer's tier, grade and reasons at `state.as_of` under `policy`.

    Raises ValueError for a state that has seen no event (it has no decision).
    """
    if state.as_of is None:
        raise ValueError(f"customer {state.customer_id} has no events yet")
    c = compiled(policy)
    history = History.of(state, c)
    grade, grade_reason = grade_of(history, c)
    decided = decide_tier(state, tier_of(state, grade, history, c), policy)
    pending = None
    if decided.tier != "A" and decided.a_qualified_since is not None and any(
        r.code == "a_cool_off_pending" for r in decided.reasons
    ):
        pending = decided.a_qualified_since + c.cool_off
    return CurrentDecision(
        tier=decided.tier,
        grade=grade,
        reasons=(grade_reason, *decided.reasons),
        as_of=state.as_of,
        upgrade_to_a_at=pending,
    )
