"""Tier rules (docs/domain.md "Default tier rules"): D, A, the six B criteria, C."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from tests.unit.builders import (
    CID,
    DEFAULT_POLICY,
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
    paid_late,
    ping,
    policy_with,
    profile,
    purchase,
    reason_values,
    run,
    salary,
    stable_relationship,
    standing,
)
from tierstream.core.engine import Decision
from tierstream.core.events import CustomerEvent
from tierstream.core.facts import EventRejected


def tier_of(events: list[CustomerEvent]) -> str:
    return standing(final(events))[0]


def after_cool_off(history: list[CustomerEvent]) -> Decision:
    """The decision 30 days after the last event of `history` (at T)."""
    return final([*history, ping(CID, at(30))])


# D ----------------------------------------------------------------------------------


def test_grade_c_gives_tier_d_whatever_else_holds() -> None:
    d = final([
        profile(CID, at(-1), education="doctorate", occupation="lawyer"),
        salary(CID, at(-1), 50_000),
        overdue(CID, T, ago(90), 90),
    ])
    assert standing(d) == ("D", "C")
    assert codes(d) == ["grade_c_current_default", "tier_d_grade_c"]


# A ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("income", "tier"), [(19_999, "B"), (20_000, "A")])
def test_tier_a_needs_income_of_20000(income: int, tier: str) -> None:
    d = after_cool_off(stable_relationship(CID, income=income))
    assert standing(d) == (tier, "AA")
    assert ("tier_a_stable_relationship" in codes(d)) == (tier == "A")


@pytest.mark.parametrize(
    ("purchase_days_back", "months", "tier"),
    [
        ((10, 15, 70), 2, "B"),  # three purchases, but in two calendar months (June, April)
        ((10, 40, 70), 3, "A"),  # June, May, April
    ],
)
def test_tier_a_needs_purchases_in_three_distinct_calendar_months(
    purchase_days_back: tuple[int, ...], months: int, tier: str
) -> None:
    d = after_cool_off(stable_relationship(CID, purchase_days_back=purchase_days_back))
    assert standing(d)[0] == tier
    if tier == "A":
        assert reason_values(d, "tier_a_stable_relationship")["purchase_months"] == months


@pytest.mark.parametrize(("last_purchase", "tier"), [
    ("2026-06-01T07:59:59+08:00", "B"),  # 2026-05-31 23:59:59 UTC: still May
    ("2026-06-01T08:00:00+08:00", "A"),  # 2026-06-01 00:00:00 UTC: June
])
def test_purchase_months_are_utc_calendar_months(last_purchase: str, tier: str) -> None:
    history = stable_relationship(CID, purchase_days_back=(70, 40))  # April 21, May 21
    history.insert(-1, purchase(CID, datetime.fromisoformat(last_purchase)))
    assert standing(after_cool_off(history))[0] == tier


def test_grade_aaa_qualifies_for_tier_a_too() -> None:
    history = stable_relationship(CID, income=30_000)
    history[:6] = on_time(CID, 12)
    d = after_cool_off(history)
    assert standing(d) == ("A", "AAA")
    assert reason_values(d, "tier_a_stable_relationship")["grade"] == "AAA"


def test_tier_a_needs_grade_aa_or_better() -> None:
    history = stable_relationship(CID, income=50_000)
    history.pop(0)  # five on-time installments: grade A
    d = after_cool_off(history)
    assert standing(d) == ("B", "A")
    assert "tier_a_stable_relationship" not in codes(d)


def test_tier_a_holds_only_after_the_cool_off() -> None:
    decisions = run([*stable_relationship(CID), ping(CID, at(29)), ping(CID, at(30))])
    assert [standing(d)[0] for d in decisions[-3:]] == ["B", "B", "A"]
    assert "a_cool_off_pending" in codes(decisions[-2])


# B criteria, each on its own (a new customer: grade A, tier C unless a criterion holds)


def assert_b_by(d: Decision, criterion: str) -> None:
    assert standing(d) == ("B", "A")
    assert codes(d) == ["grade_a_default", criterion]


def assert_c(d: Decision) -> None:
    assert standing(d) == ("C", "A")
    assert codes(d) == ["grade_a_default", "tier_c_default"]


def test_mortgage_clean_with_an_active_mortgage() -> None:
    assert_b_by(final([mortgage_opened(CID, T)]), "mortgage_clean")


@pytest.mark.parametrize(("episode_days_back", "tier"), [(729, "C"), (730, "B")])
def test_mortgage_clean_fails_with_an_episode_in_the_window(
    episode_days_back: int, tier: str
) -> None:
    d = final([mortgage_opened(CID, at(-800)), paid_late(CID, ago(episode_days_back), 3),
               ping(CID, T)])
    assert standing(d) == (tier, "A")


def test_mortgage_clean_ends_when_the_mortgage_is_closed() -> None:
    decisions = run([mortgage_opened(CID, at(-100)), mortgage_closed(CID, T)])
    assert standing(decisions[0])[0] == "B"
    assert_c(decisions[1])


def test_mortgage_clean_stays_while_another_mortgage_is_active() -> None:
    d = final([mortgage_opened(CID, at(-100), "M-1"), mortgage_opened(CID, at(-50), "M-2"),
               mortgage_closed(CID, T, "M-1")])
    assert_b_by(d, "mortgage_clean")


@pytest.mark.parametrize("education", ["master", "doctorate"])
def test_advanced_degree(education: str) -> None:
    d = final([profile(CID, T, education=education)])
    assert_b_by(d, "advanced_degree")
    assert reason_values(d, "advanced_degree")["education"] == education


@pytest.mark.parametrize("education", ["high_school", "associate", "bachelor"])
def test_no_advanced_degree(education: str) -> None:
    assert_c(final([profile(CID, T, education=education)]))


@pytest.mark.parametrize(("income", "tier"), [("14999.99", "C"), (15_000, "B")])
def test_high_income_from_15000(income: int | str, tier: str) -> None:
    d = final([salary(CID, T, income)])
    if tier == "B":
        assert_b_by(d, "high_income")
        assert reason_values(d, "high_income")["income"] == "15000"
    else:
        assert_c(d)


@pytest.mark.parametrize("occupation", ["accountant", "lawyer", "Lawyer", " ACCOUNTANT "])
def test_professional_occupation_is_case_insensitive(occupation: str) -> None:
    d = final([profile(CID, T, occupation=occupation)])
    assert_b_by(d, "professional_occupation")
    assert reason_values(d, "professional_occupation")["occupation"] == occupation.strip().lower()


@pytest.mark.parametrize("occupation", ["engineer", "lawyers", "tax accountant"])
def test_other_occupations_are_not_professional(occupation: str) -> None:
    assert_c(final([profile(CID, T, occupation=occupation)]))


def test_professional_occupation_listed_in_mixed_case_in_the_policy() -> None:
    policy = policy_with("tier.b_criteria.professional_occupation.occupations", ["Lawyer"])
    d = final([profile(CID, T, occupation="lawyer")], policy)
    assert_b_by(d, "professional_occupation")


@pytest.mark.parametrize(
    ("employment_type", "employer_id", "tier"),
    [
        ("informal", "SOE-SINOPEC", "B"),
        ("formal", "SOE-SINOPEC", "C"),  # formal staff: not this criterion
        ("informal", "ACME-TRADING", "C"),  # employer not on the approved list
        ("informal", None, "C"),
        (None, "SOE-SINOPEC", "C"),
    ],
)
def test_soe_informal_staff_needs_informal_and_an_approved_employer(
    employment_type: str | None, employer_id: str | None, tier: str
) -> None:
    d = final([profile(CID, T, employment_type=employment_type, employer_id=employer_id)])
    if tier == "B":
        assert_b_by(d, "soe_informal_staff")
        assert reason_values(d, "soe_informal_staff")["employer_id"] == "SOE-SINOPEC"
    else:
        assert_c(d)


def test_soe_informal_staff_from_two_partial_profile_updates() -> None:
    d = final([
        profile(CID, at(-2), employer_id="SOE-ICBC"),
        profile(CID, T, employment_type="informal"),  # employer_id absent: kept
    ])
    assert_b_by(d, "soe_informal_staff")


@pytest.mark.parametrize(("response_days_back", "tier"), [(89, "B"), (90, "C")])
def test_engaged_irregular_needs_a_response_in_the_last_90_days(
    response_days_back: int, tier: str
) -> None:
    d = final([engagement(CID, at(-response_days_back)), purchase(CID, at(-20)), ping(CID, T)])
    if tier == "B":
        assert_b_by(d, "engaged_irregular")
    else:
        assert_c(d)


@pytest.mark.parametrize(("last_event", "tier"), [
    ("2026-06-30T07:59:59+08:00", "B"),  # 2026-06-29 UTC: the response is 89 days back
    ("2026-06-30T08:00:00+08:00", "C"),  # 2026-06-30 UTC: 90 days back
])
def test_windows_count_back_from_the_utc_date_of_as_of(last_event: str, tier: str) -> None:
    d = final([
        purchase(CID, datetime.fromisoformat("2026-05-01T00:00:00+00:00")),
        engagement(CID, datetime.fromisoformat("2026-04-01T12:00:00+00:00")),
        ping(CID, datetime.fromisoformat(last_event)),
    ])
    assert standing(d)[0] == tier


@pytest.mark.parametrize("outcome", ["ignored", "complained"])
def test_engaged_irregular_needs_the_customer_to_have_responded(outcome: str) -> None:
    assert_c(final([engagement(CID, at(-5), outcome=outcome), purchase(CID, T)]))


@pytest.mark.parametrize(
    ("purchase_days_back", "tier"),
    [
        ((), "C"),  # no purchase: no relationship to cultivate
        ((10,), "B"),
        ((10, 40), "B"),
        ((10, 40, 70), "C"),  # regular buyer (3 months), and grade A cannot reach tier A
    ],
)
def test_engaged_irregular_needs_purchases_in_one_or_two_months(
    purchase_days_back: tuple[int, ...], tier: str
) -> None:
    d = final([*(purchase(CID, at(-n)) for n in purchase_days_back),
               engagement(CID, at(-5)), ping(CID, T)])
    if tier == "B":
        assert_b_by(d, "engaged_irregular")
        assert reason_values(d, "engaged_irregular")["purchase_months"] == len(purchase_days_back)
    else:
        assert_c(d)


@pytest.mark.parametrize(("purchase_days_back", "tier"), [(181, "B"), (182, "C")])
def test_purchases_count_only_inside_the_182_day_window(
    purchase_days_back: int, tier: str
) -> None:
    d = final([purchase(CID, at(-purchase_days_back)), engagement(CID, T)])
    assert standing(d)[0] == tier


# C ----------------------------------------------------------------------------------


def test_tier_c_when_no_rule_holds() -> None:
    d = final([
        profile(CID, at(-3), education="bachelor", occupation="engineer",
                employer_id="SOE-SINOPEC", employment_type="formal"),
        salary(CID, at(-2), 14_000),
        engagement(CID, at(-1), outcome="ignored"),
        purchase(CID, T),
    ])
    assert_c(d)
    assert d.reasons[-1].code == "tier_c_default"


# Income: unknown, and in foreign currency ------------------------------------------


def test_unknown_income_meets_no_income_threshold() -> None:
    d = final([*on_time(CID, 12), purchase(CID, at(-60)), purchase(CID, at(-30)),
               purchase(CID, T)])
    assert standing(d) == ("C", "AA")  # not AAA, no high_income, no tier A
    assert d.state.income is None


@pytest.mark.parametrize(("usd", "cny", "tier"), [(2112, "14995.2", "C"), (2113, "15002.3", "B")])
def test_salary_in_usd_is_converted_with_the_policy_rate(usd: int, cny: str, tier: str) -> None:
    assert DEFAULT_POLICY.currencies["USD"] == Decimal("7.10")
    d = final([salary(CID, T, usd, currency="USD")])
    assert standing(d)[0] == tier
    assert d.state.income == Decimal(cny)
    if tier == "B":
        assert reason_values(d, "high_income")["income"] == cny


def test_salary_in_an_unlisted_currency_is_rejected() -> None:
    before = final([salary(CID, at(-1), 18_000)]).state
    snapshot = before.to_json()
    with pytest.raises(EventRejected) as info:
        run([salary(CID, T, 100_000, currency="JPY")], state=before)
    assert info.value.reason == "unsupported_currency"
    assert "JPY" in info.value.detail
    assert before.to_json() == snapshot  # the stored state is untouched
