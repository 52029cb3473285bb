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

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from functools import cache

from tierstream.core.compiled import Compiled, compiled
from tierstream.core.events import CustomerEvent, LoanOverdue, LoanRepayment, PurchaseMade
from tierstream.core.facts import EventRejected
from tierstream.core.state import CustomerState, Installment
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
_SEEN_SLACK = timedelta(days=SEEN_ID_SLACK_DAYS)


def horizon_days(policy: Policy) -> int:
    """Days of history kept behind `as_of`: the longest window plus the lateness allowance."""
    return compiled(policy).longest_window + LATE_EVENT_DAYS


def horizon(policy: Policy) -> timedelta:
    """`horizon_days` as a `timedelta`."""
    return _horizon(compiled(policy).longest_window)


def kept_history(c: Compiled) -> timedelta:
    """`horizon` of a compiled policy."""
    return _horizon(c.longest_window)


@cache
def _horizon(longest_window: int) -> timedelta:
    return timedelta(days=longest_window + LATE_EVENT_DAYS)


_CUTOFFS: dict[date, tuple[timedelta, date, date]] = {}


def _cutoffs(as_of: date, keep: timedelta) -> tuple[date, date]:
    """The oldest date kept and the oldest seen-id date kept, for an `as_of` date and a
    horizon; remembered per date, as a stream's decisions share dates."""
    entry = _CUTOFFS.get(as_of)
    if entry is None or entry[0] != keep:
        if len(_CUTOFFS) >= 4096:
            _CUTOFFS.clear()
        oldest = as_of - keep
        entry = _CUTOFFS[as_of] = (keep, oldest, oldest - _SEEN_SLACK)
    return entry[1], entry[2]


def cutoff(state: CustomerState, policy: Policy) -> date | None:
    """The oldest date still inside the horizon, or None for a customer with no events."""
    if state.as_of is None:
        return None
    return state.as_of.date() - horizon(policy)


def refuse_if_beyond_retention(
    state: CustomerState | None, event: CustomerEvent, policy: Policy, now: datetime
) -> None:
    """Raise EventRejected when `event` is older than what `state` still remembers, or
    its time is implausible (a year-9999 event would make every real one look too old)."""
    refuse(state, event, event.occurred_at.astimezone(UTC), now, horizon(policy))


_LOAN_REPORTS = (LoanRepayment, LoanOverdue)
_plausible: tuple[datetime, datetime, datetime] | None = None  # (now, earliest, latest)


def refuse(
    state: CustomerState | None, event: CustomerEvent, at: datetime, now: datetime,
    keep: timedelta,
) -> None:
    """`refuse_if_beyond_retention`, given the event time in UTC (`at`) and the horizon."""
    global _plausible
    bounds = _plausible
    if bounds is None or bounds[0] != now:  # one decision time serves a whole batch
        bounds = _plausible = (now, now - MAX_PAST, now + MAX_FUTURE)
    if not bounds[1] <= at <= bounds[2]:
        raise EventRejected(
            "implausible_timestamp",
            f"occurred_at {event.occurred_at.isoformat()} is more than "
            f"{MAX_FUTURE.days} days after or {MAX_PAST.days} days before the decision time",
        )
    if state is None or state.as_of is None:
        return
    oldest, _ = _cutoffs(state.as_of.date(), keep)
    day = at.date()
    if day < oldest:
        raise EventRejected(
            "beyond_retention",
            f"occurred_at {day.isoformat()} is more than {keep.days} days before "
            f"the customer's newest event; state that old is no longer kept",
        )
    if isinstance(event, _LOAN_REPORTS):
        data = event.data
        if data.due_date < oldest and f"{data.loan_id}#{data.installment}" not in (
            state.installments
        ):
            raise EventRejected(
                "beyond_retention",
                f"installment due {data.due_date.isoformat()} is more than "
                f"{keep.days} days before the customer's newest event and unknown",
            )


class _Floors:
    """Lower bounds of the dates `prune` compares per collection: while the cutoff is not
    after a bound, nothing in that collection can be dropped and it is not walked.

    Kept beside the state's fields (never stored). Facts only ever move these dates
    down when they change (earliest due and paid dates) or add new ones, so a bound
    stays valid if every merged event lowers it by what it added (`prune_after`).
    Never changed, only replaced: a copy of the state shares them.
    """

    __slots__ = ("installments", "purchases", "seen")

    def __init__(self, seen: date, installments: date, purchases: date) -> None:
        self.seen = seen  # oldest seen-id date
        self.installments = installments  # oldest max(paid, due) of a paid installment
        self.purchases = purchases  # oldest latest-purchase date of a month


_FLOORS = "_retention_floors"


def prune(state: CustomerState, policy: Policy) -> None:
    """Drop, in place, the facts that lie wholly before the horizon."""
    if state.as_of is not None:
        _prune_all(state, state.as_of.date() - horizon(policy))


def _prune_all(state: CustomerState, oldest: date) -> None:
    """Prune with no floors at hand: find each collection's oldest date first (a read
    of the dates only), and drop only where something is older than the horizon."""
    seen_floor = oldest - _SEEN_SLACK
    seen = min(state.seen_event_ids.values(), default=date.max)
    installments = _oldest_paid(state.installments.values())
    purchases = min(state.purchase_months.values(), default=date.max)
    state.__dict__[_FLOORS] = _Floors(
        _drop_seen(state, seen_floor) if seen < seen_floor else seen,
        _drop_installments(state, oldest) if installments < oldest else installments,
        _drop_purchases(state, oldest) if purchases < oldest else purchases,
    )


def prune_after(state: CustomerState, event: CustomerEvent, at: datetime, keep: timedelta) -> None:
    """`prune`, after `event` (at `at`, in UTC) was merged into `state`; `keep` is the
    horizon. Walks a collection only when something in it may have left the horizon."""
    assert state.as_of is not None
    oldest, seen_floor = _cutoffs(state.as_of.date(), keep)
    floors: _Floors | None = state.__dict__.get(_FLOORS)
    if floors is None:
        _prune_all(state, oldest)
        return
    seen_low, installments_low, purchases_low = floors.seen, floors.installments, floors.purchases
    seen = state.seen_event_ids[event.event_id]
    if seen < seen_low:
        seen_low = seen
    if isinstance(event, _LOAN_REPORTS):
        inst = state.installments[f"{event.data.loan_id}#{event.data.installment}"]
        if inst.paid_date is not None:
            last = inst.paid_date if inst.paid_date > inst.due_date else inst.due_date
            if last < installments_low:
                installments_low = last
    elif isinstance(event, PurchaseMade):
        day = at.date()
        if day < purchases_low:
            purchases_low = day
    if seen_low < seen_floor:
        seen_low = _drop_seen(state, seen_floor)
    if installments_low < oldest:
        installments_low = _drop_installments(state, oldest)
    if purchases_low < oldest:
        purchases_low = _drop_purchases(state, oldest)
    if (seen_low, installments_low, purchases_low) != (
            floors.seen, floors.installments, floors.purchases):
        state.__dict__[_FLOORS] = _Floors(seen_low, installments_low, purchases_low)


def _drop_seen(state: CustomerState, floor: date) -> date:
    """Keep ids seen on or after `floor`; returns the oldest kept date."""
    kept = state.seen_event_ids = {
        eid: day for eid, day in state.seen_event_ids.items() if day >= floor
    }
    return min(kept.values(), default=date.max)


def _drop_installments(state: CustomerState, oldest: date) -> date:
    """Drop installments paid and due before `oldest`; returns the oldest max(paid, due)
    of the paid installments kept."""
    kept: dict[str, Installment] = {}
    low = date.max
    for key, inst in state.installments.items():
        paid, due = inst.paid_date, inst.due_date
        if paid is not None:
            last = paid if paid > due else due
            if last < oldest:
                continue  # paid, and due, before the horizon
            if last < low:
                low = last
        kept[key] = inst
    state.installments = kept
    return low


def _oldest_paid(installments: Iterable[Installment]) -> date:
    low = date.max
    for inst in installments:
        paid, due = inst.paid_date, inst.due_date
        if paid is not None:
            last = paid if paid > due else due
            if last < low:
                low = last
    return low


def _drop_purchases(state: CustomerState, oldest: date) -> date:
    """Drop months whose latest purchase is before `oldest`; returns the oldest kept."""
    kept = state.purchase_months = {
        month: last for month, last in state.purchase_months.items() if last >= oldest
    }
    return min(kept.values(), default=date.max)
