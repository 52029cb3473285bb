"""What would move a customer up (`tierstream explain`), for each tier."""

from __future__ import annotations

from datetime import timedelta

from tests.unit.builders import (
    CID,
    T,
    ago,
    at,
    final,
    overdue,
    purchase,
    salary,
    stable_relationship,
)
from tierstream.core.events import CustomerEvent
from tierstream.core.upgrade_path import upgrade_path
from tierstream.policy import load_policy

POLICY = load_policy()


def steps(events: list[CustomerEvent]) -> dict[str, dict[str, object]]:
    path = upgrade_path(final(events).state, POLICY)
    return {s.code: {"message": s.message, **s.values} for s in path.steps}


def test_b_customer_sees_each_missing_a_condition_and_by_how_much() -> None:
    got = steps([salary(CID, at(-1), 18_000), purchase(CID, at(-40)), purchase(CID, T)])
    assert set(got) == {"grade", "income", "purchase_months"}
    assert got["income"]["short_by"] == "2000"
    assert (got["purchase_months"]["purchase_months"], got["purchase_months"]["needed"]) == (2, 3)
    assert got["grade"]["on_time_needed"] == 6


def test_a_qualifying_customer_sees_the_day_of_the_upgrade() -> None:
    path = upgrade_path(final(stable_relationship(CID)).state, POLICY)
    assert path.target == "A"
    assert [s.code for s in path.steps] == ["cool_off"]
    assert path.steps[0].values["upgrade_on"] == (T + timedelta(days=30)).isoformat()


def test_c_customer_sees_how_close_each_b_criterion_is() -> None:
    got = steps([salary(CID, T, 12_000)])
    assert got["high_income"]["short_by"] == "3000"
    assert {"mortgage_clean", "advanced_degree", "engaged_irregular"} <= set(got)


def test_d_customer_sees_what_keeps_the_grade_at_c() -> None:
    path = upgrade_path(final([salary(CID, T, 16_000), overdue(CID, T, ago(95), 95)]).state,
                        POLICY)
    assert path.target == "C"
    assert path.steps[0].code == "pay_installment"
    assert path.steps[0].values["days_past_due"] == 95


def test_a_customer_has_no_path_up() -> None:
    events = [*stable_relationship(CID), salary(CID, at(31), 20_000)]
    assert upgrade_path(final(events).state, POLICY).target is None
