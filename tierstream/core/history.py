"""Derived views of a customer's facts at `as_of`: episodes, on-time payments, months.

Windows count days back from the date of `as_of` (UTC): a dated fact lies in an
N-day window when `as_of date - its date < N` (docs/domain.md "Default grade rules").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from schemas.outputs import ReasonValue
from tierstream.core.state import CustomerState, Installment


def in_window(as_of: date, day: date, days: int) -> bool:
    return (as_of - day).days < days


@dataclass(frozen=True)
class InstallmentView:
    """An installment with its days past due evaluated at `as_of`."""

    inst: Installment
    days_past_due: int

    @property
    def current(self) -> bool:
        return not self.inst.paid

    @property
    def is_episode(self) -> bool:
        return self.days_past_due >= 1

    def describe(self) -> dict[str, ReasonValue]:
        return {
            "loan_id": self.inst.loan_id,
            "installment": self.inst.number,
            "due_date": self.inst.due_date.isoformat(),
            "days_past_due": self.days_past_due,
        }


def installment_views(state: CustomerState) -> list[InstallmentView]:
    as_of = state.as_of_date()
    return [
        InstallmentView(inst, inst.days_past_due(as_of))
        for _, inst in sorted(state.installments.items())
    ]


def episodes_in(views: list[InstallmentView], as_of: date, days: int) -> list[InstallmentView]:
    return [v for v in views if v.is_episode and in_window(as_of, v.inst.due_date, days)]


def on_time_in(views: list[InstallmentView], as_of: date, days: int) -> int:
    return sum(
        1 for v in views if v.inst.paid_on_time() and in_window(as_of, v.inst.due_date, days)
    )


def purchase_months_in(state: CustomerState, days: int) -> list[str]:
    """Distinct calendar months (UTC) with a purchase inside the window, sorted."""
    as_of = state.as_of_date()
    return sorted(m for m, last in state.purchase_months.items() if in_window(as_of, last, days))


def responded_within(state: CustomerState, days: int) -> datetime | None:
    last = state.last_response_at
    if last is not None and in_window(state.as_of_date(), last.date(), days):
        return last
    return None
