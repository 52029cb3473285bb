"""Facts are merged, not replaced, and do not depend on arrival order (docs/domain.md
"Customer state"); duplicates are ignored."""

from __future__ import annotations

import itertools
import random
from datetime import datetime, timedelta

import pytest

from tests.unit.builders import (
    CID,
    T,
    ago,
    at,
    codes,
    engagement,
    final,
    mortgage_closed,
    mortgage_opened,
    on_time,
    overdue,
    override,
    paid_late,
    ping,
    profile,
    purchase,
    repayment,
    rule_tier,
    run,
    salary,
    stable_relationship,
    standing,
)
from tierstream.core.events import CustomerEvent

HISTORIES: dict[str, list[CustomerEvent]] = {
    "profile_and_salaries": [
        salary(CID, at(-60), 12_000),
        salary(CID, at(-20), 16_000),
        salary(CID, at(-40), 2_500, currency="USD"),
        salary(CID, at(-20), 9_000),  # same instant as the 16,000: event_id breaks the tie
        profile(CID, at(-50), education="master", occupation="Engineer"),
        profile(CID, at(-10), occupation="Lawyer", employment_type="informal"),
        profile(CID, at(-30), employer_id="SOE-SINOPEC", employment_type="formal"),
        profile(CID, at(-10), occupation="accountant"),  # same instant: tie-break
    ],
    "repayments": [
        overdue(CID, at(-60), ago(70), 10, loan_id="L-1", installment=1),
        overdue(CID, at(-65), ago(70), 5, loan_id="L-1", installment=1),
        repayment(CID, at(-55), ago(70), ago(58), loan_id="L-1", installment=1),
        repayment(CID, at(-30), ago(40), ago(40), loan_id="L-1", installment=2, amount_paid=400),
        overdue(CID, at(-20), ago(40), 20, loan_id="L-1", installment=2),
        repayment(CID, at(-15), ago(40), ago(25), loan_id="L-1", installment=2),
        overdue(CID, at(-1), ago(3), 3, loan_id="L-1", installment=3),
        *on_time(CID, 3, last_due=ago(100)),
    ],
    "mortgages_purchases_engagements": [
        mortgage_opened(CID, at(-300), "M-1"),
        mortgage_closed(CID, at(-10), "M-1"),
        mortgage_closed(CID, at(-5), "M-2"),  # never opened: a counted no-op
        mortgage_opened(CID, at(-90), "M-3"),
        purchase(CID, at(-170)),
        purchase(CID, at(-100)),
        purchase(CID, at(-99)),
        purchase(CID, at(-200)),
        engagement(CID, at(-120)),
        engagement(CID, at(-30), outcome="ignored"),
        engagement(CID, at(-80), outcome="complained"),
        override(CID, at(-40), "A", expires_at=at(-35)),
        override(CID, at(-45), "D"),
    ],
    "tier_a_customer": [
        *stable_relationship(CID),
        profile(CID, at(-3), education="doctorate"),
        salary(CID, at(-90), 40_000),
        overdue(CID, at(-795), ago(800), 5, loan_id="L-OLD"),  # outside the 730-day window
        repayment(CID, at(-790), ago(800), ago(790), loan_id="L-OLD"),
    ],
}


def outcome_of(events: list[CustomerEvent]) -> tuple[dict[str, object], tuple[str, str]]:
    state = final(events).state
    return state.facts(), rule_tier(state)


RULE_OUTCOMES = {  # (grade, rule tier) each history must give, so none is trivial
    "profile_and_salaries": ("A", "B"),
    "repayments": ("B", "C"),
    "mortgages_purchases_engagements": ("A", "B"),
    "tier_a_customer": ("AA", "A"),
}


@pytest.mark.parametrize("name", sorted(HISTORIES))
def test_facts_grade_and_rule_tier_do_not_depend_on_arrival_order(name: str) -> None:
    history = HISTORIES[name]
    expected = outcome_of(history)
    assert expected[1] == RULE_OUTCOMES[name]
    rng = random.Random(20260630)
    for _ in range(50):
        shuffled = history[:]
        rng.shuffle(shuffled)
        assert outcome_of(shuffled) == expected


def test_every_permutation_of_a_small_history_agrees() -> None:
    due = ago(50)
    history = [
        overdue(CID, at(-45), due, 5),
        overdue(CID, at(-20), due, 30),
        repayment(CID, at(-10), due, ago(12)),
        salary(CID, at(-8), 21_000),
        salary(CID, at(-2), 14_000),
        mortgage_opened(CID, at(-400)),
    ]
    expected = outcome_of(history)
    # Grade B (a serious, paid episode in the last 12 months); that episode also stops
    # mortgage_clean, and the newest income is below 15,000: tier C.
    assert expected[1] == ("B", "C")
    for perm in itertools.permutations(history):
        assert outcome_of(list(perm)) == expected


def test_order_changes_no_fact_but_may_change_what_was_alerted() -> None:
    """Only alerts and hysteresis timing may depend on arrival order."""
    newer, older = salary(CID, T, 5_000), salary(CID, at(-10), 10_000)
    in_order = run([older, newer])
    reversed_ = run([newer, older])
    assert in_order[-1].state.facts() == reversed_[-1].state.facts()
    assert [a.type for a in in_order[-1].alerts] == ["income.drop"]
    assert reversed_[-1].alerts == ()


# Duplicates --------------------------------------------------------------------------


def test_duplicate_event_id_is_ignored() -> None:
    ev = overdue(CID, T, ago(10), 10)
    first, again = run([ev, ev])
    assert first.outcome == "applied"
    assert again.outcome == "duplicate"
    assert again.outputs() == []
    assert again.tier_change is None
    assert again.alerts == ()
    assert again.latest is None
    assert again.state.to_json() == first.state.to_json()


def test_duplicate_event_id_with_different_content_is_still_ignored() -> None:
    first = salary(CID, at(-1), 16_000, eid="e-777")
    replay = salary(CID, T, 1_000, eid="e-777")
    decisions = run([first, replay])
    assert decisions[1].outcome == "duplicate"
    assert decisions[1].state.income == 16_000
    assert decisions[1].state.as_of == at(-1)


# Installments ------------------------------------------------------------------------


def test_paid_installment_stays_paid_when_an_overdue_report_arrives_later() -> None:
    due = ago(20)
    d = final([
        repayment(CID, at(-15), due, ago(15)),  # paid in full, 5 days late
        overdue(CID, at(-17), due, 3),  # the core system's older report, delivered late
        ping(CID, T),
    ])
    inst = d.state.installments["L-CARD#1"]
    assert inst.paid
    assert standing(d) == ("C", "A")  # an episode, but nothing currently past due
    assert "grade_b_currently_past_due" not in codes(d)
    assert d.alerts == ()


def test_paid_installment_keeps_its_worst_days_past_due() -> None:
    due = ago(100)
    d = final([
        overdue(CID, at(-60), due, 40),
        repayment(CID, at(-55), due, ago(55)),  # paid 45 days late
        overdue(CID, at(-80), due, 20),  # older, smaller report arriving last
        ping(CID, T),
    ])
    assert d.state.installments["L-CARD#1"].days_past_due(T.date()) == 45
    assert codes(d)[0] == "grade_b_recent_serious_episode"


def test_partial_payment_leaves_the_installment_unpaid() -> None:
    due = ago(10)
    decisions = run([
        repayment(CID, at(-10), due, due, amount_due=1000, amount_paid="999.99"),
        ping(CID, T),
        repayment(CID, at(1), due, ago(-1), amount_due=1000, amount_paid=1000),
    ])
    assert not decisions[1].state.installments["L-CARD#1"].paid
    assert standing(decisions[1]) == ("C", "B")
    assert codes(decisions[1])[0] == "grade_b_currently_past_due"
    assert [a.severity for a in decisions[1].alerts if a.type == "repayment.overdue"] == [
        "warning"
    ]
    assert decisions[2].state.installments["L-CARD#1"].paid


def test_overpayment_clears_the_installment() -> None:
    due = ago(3)
    d = final([repayment(CID, at(-3), due, due, amount_due=1000, amount_paid=1500), ping(CID, T)])
    assert d.state.installments["L-CARD#1"].paid
    assert standing(d)[1] == "A"


# Salaries, profile, mortgages ---------------------------------------------------------


def test_older_salary_arriving_later_does_not_overwrite_the_newer() -> None:
    d = final([salary(CID, T, 16_000), salary(CID, at(-30), 30_000)])
    assert d.state.income == 16_000
    assert standing(d)[0] == "B"


def test_profile_fields_are_last_writer_wins_by_event_time() -> None:
    d = final([
        profile(CID, T, education="bachelor"),
        profile(CID, at(-5), education="master", occupation="lawyer"),  # older, late
    ])
    assert d.state.education_value == "bachelor"  # the newer value is kept
    assert d.state.occupation is not None
    assert d.state.occupation.value == "lawyer"
    assert codes(d) == ["grade_a_default", "professional_occupation"]


def test_closing_an_unknown_mortgage_is_a_noted_no_op() -> None:
    decisions = run([profile(CID, at(-1), education="bachelor"), mortgage_closed(CID, T, "M-404")])
    d = decisions[1]
    assert d.outcome == "applied"
    assert d.note == "unknown_mortgage_closed"
    assert standing(d) == standing(decisions[0])
    assert d.tier_change is None
    assert d.alerts == ()


def test_close_delivered_before_its_open_still_closes_the_mortgage() -> None:
    d = final([mortgage_closed(CID, T, "M-1"), mortgage_opened(CID, at(-300), "M-1")])
    assert standing(d)[0] == "C"
    assert "mortgage_clean" not in codes(d)


def test_a_known_mortgage_close_has_no_note() -> None:
    d = final([mortgage_opened(CID, at(-10)), mortgage_closed(CID, T)])
    assert d.note is None


def test_timestamps_with_offsets_are_compared_as_instants() -> None:
    # 09:00+08:00 is 01:00 UTC: earlier than 02:00 UTC the same day.
    early = salary(CID, datetime.fromisoformat("2026-06-30T09:00:00+08:00"), 16_000)
    late = salary(CID, datetime.fromisoformat("2026-06-30T02:00:00+00:00"), 14_000)
    for order in ([early, late], [late, early]):
        assert final(order).state.income == 14_000
    assert late.occurred_at - early.occurred_at == timedelta(hours=1)


def test_repayment_history_alone_keeps_paid_late_as_an_episode() -> None:
    d = final([paid_late(CID, ago(60), 2), ping(CID, T)])
    assert d.state.installments["L-OLD#1"].paid
    assert not d.state.installments["L-OLD#1"].paid_on_time()
