"""Alerts (docs/domain.md "Default alerts"): type, severity, and when each fires exactly once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.unit.builders import (
    CID,
    T,
    ago,
    alerts,
    all_alerts,
    at,
    final,
    on_time,
    overdue,
    paid_late,
    ping,
    profile,
    repayment,
    run,
    salary,
    standing,
)
from tierstream.core.engine import Decision


def severities(decisions: list[Decision], type_: str) -> list[list[str]]:
    """Per decision, the severities of its alerts of `type_`."""
    return [[a.severity for a in alerts(d, type_)] for d in decisions]


# repayment.overdue ------------------------------------------------------------------


def test_overdue_alert_per_bucket_by_report() -> None:
    due = ago(200)
    reports = [overdue(CID, at(-200 + n), due, n) for n in (1, 29, 30, 89, 90, 120)]
    assert severities(run(reports), "repayment.overdue") == [
        ["warning"], [], ["high"], [], ["critical"], []
    ]


def test_overdue_alert_per_bucket_by_ageing() -> None:
    due = ago(200)
    events = [overdue(CID, at(-199), due, 1)]  # the only report
    events += [ping(CID, at(-200 + n)) for n in (29, 30, 89, 90, 150)]
    decisions = run(events)
    assert severities(decisions, "repayment.overdue") == [
        ["warning"], [], ["high"], [], ["critical"], []
    ]
    assert [a.details["days_past_due"] for a in all_alerts(decisions, "repayment.overdue")] == [
        1, 30, 90
    ]


@pytest.mark.parametrize(
    ("days_past_due", "severity"),
    [(1, "warning"), (29, "warning"), (30, "high"), (89, "high"), (90, "critical")],
)
def test_overdue_first_report_alerts_the_bucket_it_lands_in_once(
    days_past_due: int, severity: str
) -> None:
    d = final([overdue(CID, T, ago(days_past_due), days_past_due, loan_id="L-9", installment=4)])
    [alert] = alerts(d, "repayment.overdue")
    assert alert.severity == severity
    assert alert.details["loan_id"] == "L-9"
    assert alert.details["installment"] == 4
    assert alert.details["days_past_due"] == days_past_due


def test_overdue_alerts_are_per_installment() -> None:
    decisions = run([
        overdue(CID, at(-1), ago(10), 9, installment=1),
        overdue(CID, T, ago(5), 5, installment=2),
        ping(CID, at(25)),  # both age: installment 1 to 35 days, installment 2 to 30 days
    ])
    assert severities(decisions, "repayment.overdue") == [
        ["warning"], ["warning"], ["high", "high"]
    ]
    ids = {a.alert_id for a in decisions[-1].alerts}
    assert len(ids) == 2


def test_repeated_report_in_the_same_bucket_does_not_alert_again() -> None:
    due = ago(10)
    decisions = run([overdue(CID, at(-9), due, 1), overdue(CID, at(-9), due, 1),
                     overdue(CID, at(-5), due, 5)])
    assert severities(decisions, "repayment.overdue") == [["warning"], [], []]


def test_paid_installments_do_not_raise_overdue_alerts() -> None:
    decisions = run([paid_late(CID, ago(100), 45), ping(CID, T)])
    assert all_alerts(decisions, "repayment.overdue") == []


def test_no_overdue_alert_after_payment_even_as_time_passes() -> None:
    due = ago(40)
    decisions = run([
        overdue(CID, at(-39), due, 1),
        repayment(CID, at(-35), due, ago(35)),
        ping(CID, at(60)),
    ])
    assert severities(decisions, "repayment.overdue") == [["warning"], [], []]


# income.drop ------------------------------------------------------------------------


@pytest.mark.parametrize(("new_income", "fires"), [("7000", True), ("7001", False)])
def test_income_drop_at_70_percent_or_less(new_income: str, fires: bool) -> None:
    d = final([salary(CID, at(-30), 10_000), salary(CID, T, new_income)])
    drops = alerts(d, "income.drop")
    assert len(drops) == int(fires)
    if fires:
        assert drops[0].severity == "warning"
        assert drops[0].details["income"] == "7000"
        assert drops[0].details["previous_income"] == "10000"


def test_income_drop_compares_cny_amounts() -> None:
    # 10,000 CNY -> 985 USD (6,993.50 CNY): 69.9%
    d = final([salary(CID, at(-30), 10_000), salary(CID, T, 985, currency="USD")])
    assert [a.type for a in alerts(d, "income.drop")] == ["income.drop"]


def test_no_income_drop_on_the_first_salary() -> None:
    assert alerts(final([salary(CID, T, 1)]), "income.drop") == []


def test_no_income_drop_for_a_late_arriving_older_salary() -> None:
    d = final([salary(CID, T, 10_000), salary(CID, at(-30), 3_000)])
    assert alerts(d, "income.drop") == []
    assert d.state.income == 10_000


def test_income_rise_raises_no_alert() -> None:
    assert alerts(final([salary(CID, at(-30), 5_000), salary(CID, T, 50_000)])) == []


# tier.downgraded / grade.downgraded -----------------------------------------------------


def test_tier_downgraded_is_high() -> None:
    d = final([profile(CID, at(-1), education="master"), profile(CID, T, education="bachelor")])
    [alert] = alerts(d, "tier.downgraded")
    assert alert.severity == "high"
    assert (alert.details["from"], alert.details["to"]) == ("B", "C")
    assert alert.tier == "C"


def test_tier_downgraded_to_d_is_critical_and_grade_downgraded_to_c_is_high() -> None:
    d = final([profile(CID, at(-1), education="master"), overdue(CID, T, ago(90), 90)])
    assert standing(d) == ("D", "C")
    kinds = {(a.type, a.severity) for a in d.alerts}
    assert ("tier.downgraded", "critical") in kinds
    assert ("grade.downgraded", "high") in kinds


def test_grade_downgraded_is_a_warning_above_c() -> None:
    history = on_time(CID, 6)  # AA
    d = final([*history, overdue(CID, T, ago(3), 3, loan_id="L-CAR")])
    assert standing(d)[1] == "B"
    [alert] = alerts(d, "grade.downgraded")
    assert alert.severity == "warning"
    assert (alert.details["from"], alert.details["to"]) == ("AA", "B")
    assert alerts(d, "tier.downgraded") == []  # tier C before and after


def test_no_downgrade_alerts_on_a_customers_first_tier() -> None:
    d = final([overdue(CID, T, ago(120), 120)])  # the first event already means D / C
    assert standing(d) == ("D", "C")
    assert alerts(d, "tier.downgraded") == []
    assert alerts(d, "grade.downgraded") == []
    assert [a.severity for a in alerts(d, "repayment.overdue")] == ["critical"]


def test_upgrades_raise_no_downgrade_alert() -> None:
    d = final([profile(CID, at(-1), occupation="engineer"), profile(CID, T, occupation="lawyer")])
    assert alerts(d) == []


def test_alerts_carry_the_standing_after_the_decision() -> None:
    d = final([profile(CID, at(-1), education="master"), overdue(CID, T, ago(2), 2)])
    assert {(a.tier, a.grade) for a in d.alerts} == {("B", "B")}
    assert {a.type for a in d.alerts} == {"repayment.overdue", "grade.downgraded"}


def test_a_late_report_of_an_old_unpaid_installment_alerts_by_its_age_now() -> None:
    # Reported 3 days past due, but as_of is already 40 days after its due date.
    due = T.date() - timedelta(days=40)
    d = final([ping(CID, T), overdue(CID, at(-37), due, 3)])
    assert [a.severity for a in alerts(d, "repayment.overdue")] == ["high"]
