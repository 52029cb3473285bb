"""Merging one event into a customer's facts, independent of arrival order.

Rules (docs/domain.md "Customer state"):
- profile fields and the override: last writer wins by (occurred_at, event_id);
- salaries: the two newest by (occurred_at, event_id) are kept, newest is current;
- installments: merged, never replaced: a paid installment stays paid (earliest full
  payment date), the worst days past due seen is kept;
- mortgages: an open and a close are both remembered, so a close that arrives before
  its open still closes it;
- purchases and responses: only the latest date per calendar month / overall matters.
Each rule is a max or a union, which is what makes the result order-insensitive.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from schemas.vocabulary import DeadLetterReason
from tierstream.core.events import (
    CustomerEvent,
    EngagementRecorded,
    LoanOverdue,
    LoanRepayment,
    MortgageClosed,
    MortgageOpened,
    ProfileUpdated,
    PurchaseMade,
    SalaryChanged,
    TierOverride,
)
from tierstream.core.state import (
    CustomerState,
    Installment,
    Override,
    ProfileField,
    Salary,
    Stamp,
    month_of,
    shared_day,
)
from tierstream.policy import Policy


class EventRejected(ValueError):
    """A well-formed event the policy cannot accept; it goes to the dead-letter topic."""

    def __init__(self, reason: DeadLetterReason, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class MergeResult:
    """What merging did, for alerts and counters."""

    replaced_income: Decimal | None = None  # set when this salary became the current one
    note: str | None = None  # e.g. "unknown_mortgage_closed" (a counted no-op)


PROFILE_FIELDS = ("education", "occupation", "employer_id", "employment_type")


_NOTHING = MergeResult()


def stamp_of(event: CustomerEvent) -> Stamp:
    return Stamp(event.occurred_at.astimezone(UTC), event.event_id)


def merge(state: CustomerState, event: CustomerEvent, policy: Policy) -> MergeResult:
    """Merge `event` into `state` in place. Raises EventRejected for a policy rejection."""
    return merge_at(state, event, event.occurred_at.astimezone(UTC), policy)


def merge_at(
    state: CustomerState, event: CustomerEvent, at: datetime, policy: Policy
) -> MergeResult:
    """`merge`, for a caller that already has the event time in UTC (`at`)."""
    result = _NOTHING
    match event:  # the types are disjoint: the most frequent are tried first
        case EngagementRecorded():
            if event.data.outcome == "responded" and (
                state.last_response_at is None or at > state.last_response_at
            ):
                state.last_response_at = at
        case LoanRepayment():
            _merge_repayment(state, event)
        case PurchaseMade():
            day = shared_day(at.date())
            month = month_of(day)  # "YYYY-MM"
            months = state.own_purchase_months()
            previous = months.get(month)
            months[month] = day if previous is None else max(previous, day)
        case SalaryChanged():
            result = _merge_salary(state, event, Stamp(at, event.event_id), policy)
        case ProfileUpdated():
            _merge_profile(state, event, Stamp(at, event.event_id))
        case LoanOverdue():
            inst = _installment(state, event.data.loan_id, event.data.installment, event)
            inst.worst_reported_days_past_due = max(
                inst.worst_reported_days_past_due, event.data.days_past_due
            )
        case MortgageOpened():
            stamp = Stamp(at, event.event_id)
            mortgage = state.own_mortgage(event.data.loan_id)
            if mortgage.opened is None or stamp.key() < mortgage.opened.key():
                mortgage.opened = stamp
        case TierOverride():
            stamp = Stamp(at, event.event_id)
            if state.override is None or stamp.key() > state.override.stamp.key():
                expires = event.data.expires_at
                state.override = Override(
                    tier=event.data.tier,
                    reason=event.data.reason,
                    approved_by=event.data.approved_by,
                    expires_at=expires.astimezone(UTC) if expires else None,
                    stamp=stamp,
                )
        case MortgageClosed():
            stamp = Stamp(at, event.event_id)
            known = event.data.loan_id in state.mortgages
            mortgage = state.own_mortgage(event.data.loan_id)
            if mortgage.closed is None or stamp.key() < mortgage.closed.key():
                mortgage.closed = stamp
            if not known:
                result = MergeResult(note="unknown_mortgage_closed")
    if state.as_of is None or at > state.as_of:
        state.as_of = at
    return result


def _merge_profile(state: CustomerState, event: ProfileUpdated, stamp: Stamp) -> None:
    for name in PROFILE_FIELDS:
        value = getattr(event.data, name)
        if value is None:
            continue  # absent fields keep their value
        if name == "occupation":
            value = value.strip().lower()
        current: ProfileField | None = getattr(state, name)
        if current is None or stamp.key() > current.stamp.key():
            # few distinct values: one string each, not one per customer
            setattr(state, name, ProfileField(value=sys.intern(value), stamp=stamp))


def _merge_salary(
    state: CustomerState, event: SalaryChanged, stamp: Stamp, policy: Policy
) -> MergeResult:
    rate = policy.currencies.get(event.data.currency)
    if rate is None:
        accepted = ", ".join(sorted(policy.currencies))
        raise EventRejected(
            "unsupported_currency",
            f"data.currency {event.data.currency!r} has no rate in policy "
            f"{policy.version} (accepted: {accepted})",
        )
    salary = Salary(event.data.monthly_income * rate, stamp)
    previous_current = state.salaries[0] if state.salaries else None
    if any(s.stamp.key() == stamp.key() for s in state.salaries):
        return _NOTHING
    newest_two = tuple(
        sorted([*state.salaries, salary], key=lambda s: s.stamp.key(), reverse=True)[:2])
    state.salaries = newest_two
    if newest_two[0] is salary and previous_current is not None:
        return MergeResult(replaced_income=previous_current.monthly_income_cny)
    return _NOTHING


def _installment(
    state: CustomerState, loan_id: str, number: int, event: LoanRepayment | LoanOverdue
) -> Installment:
    key = f"{loan_id}#{number}"
    inst = state.installments.get(key)
    if inst is None:
        inst = Installment(sys.intern(loan_id), number, shared_day(event.data.due_date))
        state.own_installments()[key] = inst
    else:
        inst = state.own_installment(key)
        if event.data.due_date < inst.due_date:  # conflicting reports: the earliest
            inst.due_date = shared_day(event.data.due_date)
    return inst


def _merge_repayment(state: CustomerState, event: LoanRepayment) -> None:
    data = event.data
    inst = _installment(state, data.loan_id, data.installment, event)
    late_by = (data.paid_date - data.due_date).days
    inst.worst_reported_days_past_due = max(inst.worst_reported_days_past_due, late_by, 0)
    if data.amount_paid >= data.amount_due and (
        inst.paid_date is None or data.paid_date < inst.paid_date
    ):
        inst.paid_date = shared_day(data.paid_date)
