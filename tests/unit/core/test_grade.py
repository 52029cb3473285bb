"""Credit grade rules (docs/domain.md "Default grade rules"), each at its boundary.

Windows count whole days back from the date of `as_of` (here: T), by due date.
"""

from __future__ import annotations

import pytest

from tests.unit.builders import (
    CID,
    T,
    ago,
    alerts,
    at,
    codes,
    final,
    on_time,
    overdue,
    paid_late,
    ping,
    profile,
    reason_values,
    repayment,
    run,
    salary,
    standing,
)

# Rule 1: C -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_past_due", "grade", "code"),
    [(89, "B", "grade_b_currently_past_due"), (90, "C", "grade_c_current_default")],
)
def test_unpaid_installment_is_grade_c_from_90_days_past_due(
    days_past_due: int, grade: str, code: str
) -> None:
    d = final([overdue(CID, T, ago(days_past_due), days_past_due)])
    assert standing(d)[1] == grade
    assert codes(d)[0] == code
    assert reason_values(d, code)["days_past_due"] == days_past_due


@pytest.mark.parametrize(("episodes", "grade"), [(2, "A"), (3, "C")])
def test_three_serious_episodes_in_24_months_make_grade_c(episodes: int, grade: str) -> None:
    # Paid 30 days late, 13-20 months ago: serious, but outside the 12-month rule.
    history = [paid_late(CID, ago(400 + 40 * i), 30, installment=i + 1) for i in range(episodes)]
    d = final([*history, ping(CID, T)])
    assert standing(d)[1] == grade
    if grade == "C":
        assert codes(d)[0] == "grade_c_serious_episodes"
        assert reason_values(d, "grade_c_serious_episodes")["serious_episodes"] == 3


def test_a_current_serious_episode_counts_towards_grade_c() -> None:
    """First match wins: three serious episodes (one still unpaid, 35 days) is C, not B."""
    history = [paid_late(CID, ago(400 + 40 * i), 30, installment=i + 1) for i in range(2)]
    d = final([*history, overdue(CID, T, ago(35), 35, loan_id="L-NEW")])
    assert standing(d) == ("D", "C")
    assert codes(d)[0] == "grade_c_serious_episodes"


def test_three_episodes_of_29_days_are_not_serious() -> None:
    history = [paid_late(CID, ago(400 + 40 * i), 29, installment=i + 1) for i in range(3)]
    d = final([*history, ping(CID, T)])
    assert standing(d)[1] == "B"
    assert codes(d)[0] == "grade_b_episodes"


# Rule 2: B -----------------------------------------------------------------------------


def test_one_day_past_due_is_grade_b() -> None:
    d = final([overdue(CID, T, ago(1), 1)])
    assert standing(d)[1] == "B"
    assert codes(d)[0] == "grade_b_currently_past_due"


@pytest.mark.parametrize(("days_after_due", "grade"), [(0, "A"), (1, "B")])
def test_partly_paid_installment_is_past_due_from_the_day_after_its_due_date(
    days_after_due: int, grade: str
) -> None:
    due = ago(days_after_due)
    part = repayment(CID, at(-days_after_due), due, due, amount_due=1000, amount_paid=999)
    d = final([part, ping(CID, T)])
    assert standing(d)[1] == grade


@pytest.mark.parametrize(
    ("late_days", "grade", "code"),
    [(29, "A", "grade_a_default"), (30, "B", "grade_b_recent_serious_episode")],
)
def test_paid_episode_in_last_12_months_makes_b_only_from_30_days(
    late_days: int, grade: str, code: str
) -> None:
    d = final([paid_late(CID, ago(100), late_days), ping(CID, T)])
    assert standing(d)[1] == grade
    assert codes(d)[0] == code


@pytest.mark.parametrize(("due_days_back", "grade"), [(364, "B"), (365, "A")])
def test_serious_episode_counts_for_b_only_inside_the_365_day_window(
    due_days_back: int, grade: str
) -> None:
    d = final([paid_late(CID, ago(due_days_back), 45), ping(CID, T)])
    assert standing(d)[1] == grade
    if grade == "A":  # out of the 12-month rule, but still an episode of the 24-month window
        assert reason_values(d, "grade_a_default")["episodes"] == 1


@pytest.mark.parametrize(("due_days_back", "grade"), [(729, "A"), (730, "AA")])
def test_episode_blocks_aa_only_inside_the_730_day_window(due_days_back: int, grade: str) -> None:
    d = final([*on_time(CID, 6), paid_late(CID, ago(due_days_back), 5), ping(CID, T)])
    assert standing(d)[1] == grade


@pytest.mark.parametrize(("episodes", "grade"), [(2, "A"), (3, "B")])
def test_three_episodes_of_any_length_make_grade_b(episodes: int, grade: str) -> None:
    history = [paid_late(CID, ago(400 + 40 * i), 3, installment=i + 1) for i in range(episodes)]
    d = final([*history, ping(CID, T)])
    assert standing(d)[1] == grade
    if grade == "B":
        assert codes(d)[0] == "grade_b_episodes"
        assert reason_values(d, "grade_b_episodes")["episodes"] == 3


@pytest.mark.parametrize(("oldest_due_days_back", "grade"), [(729, "B"), (730, "A")])
def test_episode_count_only_includes_the_730_day_window(
    oldest_due_days_back: int, grade: str
) -> None:
    history = [
        paid_late(CID, ago(oldest_due_days_back), 3, installment=1),
        paid_late(CID, ago(500), 3, installment=2),
        paid_late(CID, ago(450), 3, installment=3),
    ]
    assert standing(final([*history, ping(CID, T)]))[1] == grade


# Rules 3-5: AAA, AA, A -------------------------------------------------------------------


@pytest.mark.parametrize(("installments", "grade"), [(5, "A"), (6, "AA")])
def test_six_on_time_installments_make_aa(installments: int, grade: str) -> None:
    d = final(on_time(CID, installments))
    assert standing(d)[1] == grade
    if grade == "AA":
        assert codes(d)[0] == "grade_aa"
        assert reason_values(d, "grade_aa")["on_time_installments"] == 6


@pytest.mark.parametrize(("paid_days_after_due", "grade"), [(-1, "AA"), (0, "AA"), (1, "A")])
def test_on_time_means_paid_on_or_before_the_due_date(paid_days_after_due: int, grade: str) -> None:
    history = on_time(CID, 5)
    due = ago(200)
    paid = ago(200 - paid_days_after_due)
    history.append(repayment(CID, at(-190), due, paid, loan_id="L-CAR"))
    assert standing(final([*history, ping(CID, T)]))[1] == grade


@pytest.mark.parametrize(
    ("installments", "income", "grade"),
    [(11, 30_000, "AA"), (12, 29_999, "AA"), (12, 30_000, "AAA"), (12, None, "AA")],
)
def test_aaa_needs_twelve_on_time_installments_and_income_of_30000(
    installments: int, income: int | None, grade: str
) -> None:
    history = on_time(CID, installments)
    if income is not None:
        history.append(salary(CID, T, income))
    d = final(history)
    assert standing(d)[1] == grade
    if grade == "AAA":
        values = reason_values(d, "grade_aaa")
        assert (values["income"], values["income_threshold"]) == ("30000", "30000")


def test_new_customer_is_grade_a() -> None:
    d = final([profile(CID, T, education="bachelor")])
    assert standing(d) == ("C", "A")
    assert codes(d)[0] == "grade_a_default"


# Ageing: an unpaid debt gets worse with event time even without a new report -----------


def test_unpaid_installment_ages_into_default_without_a_new_report() -> None:
    due = ago(95)
    decisions = run([
        overdue(CID, at(-90), due, 5),  # reported once, 5 days past due
        ping(CID, at(-6)),  # 89 days past due by event time
        ping(CID, at(-5)),  # 90 days
    ])
    assert standing(decisions[0]) == ("C", "B")
    assert standing(decisions[1]) == ("C", "B")
    assert standing(decisions[2]) == ("D", "C")
    assert codes(decisions[2])[:2] == ["grade_c_current_default", "tier_d_grade_c"]
    assert reason_values(decisions[2], "grade_c_current_default")["days_past_due"] == 90
    critical = alerts(decisions[2], "repayment.overdue")
    assert [a.severity for a in critical] == ["critical"]
    assert critical[0].details["days_past_due"] == 90
