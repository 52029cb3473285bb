"""State stays small over years of history, and events too old to handle are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.unit.builders import (
    CID,
    DEFAULT_POLICY,
    NOW,
    T,
    ago,
    at,
    overdue,
    purchase,
    repayment,
    run,
    salary,
)
from tierstream.core.engine import apply
from tierstream.core.facts import EventRejected
from tierstream.core.retention import horizon_days

HORIZON = horizon_days(DEFAULT_POLICY)


def years_of_history(years: int) -> list:  # type: ignore[type-arg]
    """A monthly salary, purchase and on-time installment for `years` years up to T."""
    events = []
    months = years * 12
    for m in range(months):
        due = (T - timedelta(days=30 * (months - m))).date()
        when = datetime.combine(due, datetime.min.time(), UTC) + timedelta(hours=10)
        events.append(repayment(CID, when, due, due, loan_id="L-HOME", installment=m + 1))
        events.append(purchase(CID, when + timedelta(hours=1)))
        events.append(salary(CID, when + timedelta(hours=2), 30_000 + m))
    return events


def test_a_customer_with_twenty_years_of_history_keeps_a_small_state() -> None:
    five_years = run(years_of_history(5))[-1].state
    twenty_years = run(years_of_history(20))[-1].state
    window_months = (HORIZON // 30) + 2
    assert len(twenty_years.installments) <= window_months
    assert len(twenty_years.purchase_months) <= window_months
    assert len(twenty_years.seen_event_ids) <= 3 * window_months
    # 4x the history, about the same stored bytes: both hold only the horizon.
    assert len(twenty_years.to_json()) < 1.1 * len(five_years.to_json())


def test_pruning_does_not_change_the_decision() -> None:
    history = years_of_history(6)
    decision = run(history)[-1]
    assert decision.latest is not None
    assert (decision.latest.grade, decision.latest.tier) == ("AAA", "A")


def test_an_unpaid_installment_is_kept_however_old() -> None:
    due = ago(2000)
    events = [overdue(CID, at(-1990), due, 10, loan_id="L-BAD"), salary(CID, T, 40_000)]
    state = run(events)[-1].state
    assert "L-BAD#1" in state.installments
    assert state.grade == "C"  # a 2000-day-old unpaid debt still defaults the customer


def test_an_event_older_than_the_horizon_is_refused_with_a_reason() -> None:
    state = run([salary(CID, T, 20_000)])[-1].state
    late = salary(CID, T - timedelta(days=HORIZON + 1), 25_000)
    with pytest.raises(EventRejected) as refused:
        apply(state, late, DEFAULT_POLICY, NOW)
    assert refused.value.reason == "beyond_retention"
    within = salary(CID, T - timedelta(days=HORIZON - 1), 25_000)
    assert apply(state, within, DEFAULT_POLICY, NOW).outcome == "applied"


def test_a_report_on_a_forgotten_installment_is_refused_not_resurrected() -> None:
    history = years_of_history(5)
    state = run(history)[-1].state
    assert "L-HOME#1" not in state.installments  # paid, due five years ago: pruned
    first_due = (T - timedelta(days=30 * 60)).date()
    late_report = overdue(CID, T, first_due, 5, loan_id="L-HOME", installment=1)
    with pytest.raises(EventRejected, match="beyond_retention"):
        apply(state, late_report, DEFAULT_POLICY, NOW)


def test_a_late_duplicate_within_the_horizon_is_still_recognised() -> None:
    history = years_of_history(4)
    state = run(history)[-1].state
    oldest_kept = next(
        ev for ev in history
        if ev.occurred_at.astimezone(UTC).date() >= T.date() - timedelta(days=HORIZON)
    )
    assert apply(state, oldest_kept, DEFAULT_POLICY, NOW).outcome == "duplicate"


@pytest.mark.parametrize("when", [NOW + timedelta(days=400),
                                  datetime(1, 1, 1, tzinfo=UTC),
                                  datetime(9999, 12, 31, tzinfo=UTC)])
def test_an_implausible_event_time_is_refused_before_it_can_become_as_of(
    when: datetime,
) -> None:
    with pytest.raises(EventRejected) as refused:
        apply(None, salary(CID, when, 20_000), DEFAULT_POLICY, NOW)
    assert refused.value.reason == "implausible_timestamp"
