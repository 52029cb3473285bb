"""Deciding again without a new event: cool-offs that complete, overrides that expire,
unpaid installments that age, and a new policy version.

Time here is event time. The worker passes its *stream time* (the latest
`occurred_at` it has processed), so a customer with no new event still moves on as
the bank's stream moves on, and a replay of the same stream decides the same.
`next_due` says when a stored customer's decision could change with time alone, so
the worker only re-evaluates those customers.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from tierstream.core.compiled import compiled
from tierstream.core.engine import Decision, decide
from tierstream.core.state import CustomerState
from tierstream.policy import Policy


def reevaluation_id(at: datetime, policy: Policy) -> str:
    """The cause id of a re-evaluation: outputs derived from it get deterministic ids."""
    return f"reevaluation@{at.astimezone(UTC).isoformat()}#{compiled(policy).version}"


def reevaluate(state: CustomerState, policy: Policy, at: datetime, now: datetime) -> Decision:
    """Decide `state` again at event time `at` (never earlier than its `as_of`).

    The customer's `as_of` moves forward to `at`: its unpaid installments age and its
    windows slide, exactly as if an event with no facts had arrived at `at`.
    """
    assert state.as_of is not None, "only customers with events are re-evaluated"
    work = state.deep_copy()
    at = max(at.astimezone(UTC), state.as_of)
    work.as_of = at
    return decide(work, reevaluation_id(at, policy), at, policy, now)


def next_due(state: CustomerState, policy: Policy) -> datetime | None:
    """The earliest event time after `as_of` at which time alone could change the decision."""
    as_of = state.as_of
    if as_of is None:
        return None
    c = compiled(policy)
    candidates: list[datetime] = []
    if state.tier != "A" and state.a_qualified_since is not None:
        candidates.append(state.a_qualified_since + c.cool_off)
    override = state.override
    if override is not None and override.expires_at is not None and override.active_at(as_of):
        candidates.append(override.expires_at)
    today = as_of.date()
    for inst in state.installments.values():
        if inst.paid_date is not None:
            continue
        for age in c.due_boundaries:
            day = inst.due_date + age
            if day > today:
                candidates.append(_midnight(day))
                break
    future = [c for c in candidates if c > as_of]
    return min(future) if future else None


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=UTC)
