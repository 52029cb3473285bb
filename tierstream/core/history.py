"""A customer's facts seen from `as_of`: episodes, on-time payments, months, responses.

Windows count days back from the date of `as_of` (UTC): a dated fact lies in an
N-day window when `as_of date - its date < N`, i.e. when it is after `as_of date - N`
(docs/domain.md "Default grade rules"). `History.of` walks the installments once per
decision; grade, tier, alerts and the upgrade path all read the same `History`.
Lists of installments are in key order (`loan_id#number`), which decides ties.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import msgspec

from schemas.outputs import ReasonValue
from tierstream.core.compiled import Compiled
from tierstream.core.state import CustomerState, Installment


class InstallmentView(msgspec.Struct, frozen=True, gc=False):
    """An installment with its days past due evaluated at `as_of`."""

    inst: Installment
    days_past_due: int

    @property
    def current(self) -> bool:
        return self.inst.paid_date is None

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


class History(msgspec.Struct, frozen=True, gc=False):
    as_of: date
    current: list[InstallmentView]  # unpaid installments, whatever their due date
    episodes: list[InstallmentView]  # days past due >= 1, due inside the episode window
    serious: list[InstallmentView]  # episodes of serious_days_past_due or more
    on_time: int  # installments paid on time, due inside the episode window
    purchase_months: int  # distinct months with a purchase inside the purchase window
    responded: datetime | None  # the last response, if inside the engagement window
    income: Decimal | None  # the current monthly income in CNY

    @classmethod
    def of(cls, state: CustomerState, c: Compiled) -> History:
        as_of = state.as_of_date()
        after, bought_after, responded_after = _window_starts(c, as_of)
        current: list[tuple[str, InstallmentView]] = []
        episodes: list[tuple[str, InstallmentView]] = []
        on_time = 0
        installments = state.installments
        for key, inst in installments.items() if installments else ():
            paid = inst.paid_date
            if paid is not None:
                due = inst.due_date
                if due > after:
                    worst = inst.worst_reported_days_past_due
                    if worst == 0 and paid <= due:
                        on_time += 1
                    else:
                        late = (paid - due).days
                        if worst > late:
                            late = worst
                        if late >= 1:
                            episodes.append((key, InstallmentView(inst, late)))
            else:
                due, worst = inst.due_date, inst.worst_reported_days_past_due
                late = (as_of - due).days
                view = InstallmentView(inst, worst if worst > late else late)
                current.append((key, view))
                if view.days_past_due >= 1 and due > after:
                    episodes.append((key, view))
        unpaid = _in_key_order(current) if current else []
        in_window = _in_key_order(episodes) if episodes else []
        serious_days = c.serious_days
        serious = [v for v in in_window if v.days_past_due >= serious_days] if in_window else []
        months = 0
        for day in state.purchase_months.values():
            if day > bought_after:
                months += 1
        last = state.last_response_at
        if last is not None and last.date() <= responded_after:
            last = None
        salaries = state.salaries
        income = salaries[0].monthly_income_cny if salaries else None
        return cls(as_of, unpaid, in_window, serious, on_time, months, last, income)

    def recent(self, views: list[InstallmentView], window_days: int) -> list[InstallmentView]:
        """The `views` due inside the last `window_days` days."""
        return [v for v in views if (self.as_of - v.inst.due_date).days < window_days]


def _window_starts(c: Compiled, as_of: date) -> tuple[date, date, date]:
    """The days after which a fact is inside the episode, purchase and engagement
    windows, remembered per policy and date (a bounded number of dates)."""
    starts = c.window_starts.get(as_of)
    if starts is None:
        if len(c.window_starts) >= 4096:
            c.window_starts.clear()
        starts = c.window_starts[as_of] = (
            as_of - c.episode_window, as_of - c.purchase_window, as_of - c.engagement_window
        )
    return starts


def _in_key_order(keyed: list[tuple[str, InstallmentView]]) -> list[InstallmentView]:
    """The views sorted by installment key (keys are unique: views are never compared)."""
    if len(keyed) > 1:
        keyed.sort()
    return [view for _, view in keyed]
