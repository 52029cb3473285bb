"""Bounded customer state: what is forgotten, and which late events are refused.

Every decision looks back at most the longest policy window (24 months of repayment
history by default). Facts older than that can never change a grade or tier again,
so they are pruned after each event; otherwise a customer with decades of history
would carry every installment, purchase month and event id forever.

The horizon is `longest window + LATE_EVENT_DAYS`, counted back from the date of
`as_of` (the customer's newest event time). The extra year lets late and duplicate
events be merged and recognised exactly as if they had arrived on time. Pruning is
relative to `as_of` only, so it is deterministic and order-insensitive for every
history whose events arrive less than the horizon after the newest one.

An event older than the horizon can no longer be handled correctly: its `event_id`
may have been forgotten (a late duplicate would be applied twice) and the facts it
refers to may be pruned (a late report would resurrect a closed installment). Such
an event is refused (`EventRejected("beyond_retention")`, so it reaches the
dead-letter topic with its reason) rather than silently mis-applied. So is an event
time implausibly far from the decision time (`implausible_timestamp`): a year-9999
typo would otherwise become `as_of` and make every real event look too old.

Kept regardless of age: unpaid installments (a long-unpaid debt still makes grade C),
mortgages (few per lifetime; a closed one must stay closed), the profile, the two
newest salaries, the latest engagement response and the override.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from schemas.events import CustomerEvent, LoanOverdue, LoanRepayment
from tierstream.core.facts import EventRejected
from tierstream.core.state import CustomerState
from tierstream.policy import Policy

LATE_EVENT_DAYS = 365
"""How much later than the customer's newest event an event may still arrive."""

MAX_FUTURE = timedelta(days=366)
"""Event times this far ahead of the decision (wall-clock) time are refused: clocks
and simulations run ahead a little, a year-9999 typo must not become `as_of`."""
MAX_PAST = timedelta(days=365 * 50)

SEEN_ID_SLACK_DAYS = 2
"""Event ids are stored with their local date (UTC +/- 14 h): keep them 2 days longer
than the UTC cutoff so every id an accepted event could repeat is still known."""


def horizon_days(policy: Policy) -> int:
    """Days of history kept behind `as_of`: the longest window plus the lateness allowance."""
    w = policy.windows
    longest = max(w.episode_days, w.recent_serious_days, w.purchase_days, w.engagement_days)
    return longest + LATE_EVENT_DAYS


def cutoff(state: CustomerState, policy: Policy) -> date | None:
    """The oldest date still inside the horizon, or None for a customer with no events."""
    if state.as_of is None:
        return None
    return state.as_of_date() - timedelta(days=horizon_days(policy))


def refuse_if_beyond_retention(
    state: CustomerState | None, event: CustomerEvent, policy: Policy, now: datetime
) -> None:
    """Raise EventRejected when `event` is older than what `state` still remembers, or
    its time is implausible (a year-9999 event would make every real one look too old)."""
    if not now - MAX_PAST <= event.occurred_at <= now + MAX_FUTURE:
        raise EventRejected(
            "implausible_timestamp",
            f"occurred_at {event.occurred_at.isoformat()} is more than "
            f"{MAX_FUTURE.days} days after or {MAX_PAST.days} days before the decision time",
        )
    if state is None:
        return
    oldest = cutoff(state, policy)
    if oldest is None:
        return
    day = event.occurred_at.astimezone(UTC).date()
    if day < oldest:
        raise EventRejected(
            "beyond_retention",
            f"occurred_at {day.isoformat()} is more than {horizon_days(policy)} days before "
            f"the customer's newest event; state that old is no longer kept",
        )
    if isinstance(event, LoanRepayment | LoanOverdue):
        key = f"{event.data.loan_id}#{event.data.installment}"
        if key not in state.installments and event.data.due_date < oldest:
            raise EventRejected(
                "beyond_retention",
                f"installment due {event.data.due_date.isoformat()} is more than "
                f"{horizon_days(policy)} days before the customer's newest event and unknown",
            )


def prune(state: CustomerState, policy: Policy) -> None:
    """Drop, in place, the facts that lie wholly before the horizon."""
    oldest = cutoff(state, policy)
    if oldest is None:
        return
    seen_floor = oldest - timedelta(days=SEEN_ID_SLACK_DAYS)
    state.seen_event_ids = {
        eid: day for eid, day in state.seen_event_ids.items() if day >= seen_floor
    }
    state.installments = {
        key: inst
        for key, inst in state.installments.items()
        if not (inst.paid_date is not None and inst.paid_date < oldest and inst.due_date < oldest)
    }
    state.purchase_months = {
        month: last for month, last in state.purchase_months.items() if last >= oldest
    }
