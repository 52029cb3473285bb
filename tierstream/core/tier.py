"""Tier rules (D, A, B, C; first match wins) and the six B criteria of the seed.

`evaluate_tier` reports what the rules say before hysteresis and overrides:
whether the A rule holds, which B criteria hold (all of them, for the explanation),
and the tier of the next rule that holds, used while an upgrade to A cools off.
"""

from __future__ import annotations

from datetime import date

import msgspec

from schemas.outputs import Reason
from schemas.vocabulary import Grade, Tier
from tierstream.core.compiled import Compiled, compiled
from tierstream.core.history import History
from tierstream.core.reasons import money, reason, remembered
from tierstream.core.state import CustomerState
from tierstream.policy import Policy


class TierEvaluation(msgspec.Struct, frozen=True, gc=False):
    a_holds: bool
    a_reason: Reason | None
    b_criteria: tuple[Reason, ...]
    below_a: Tier  # tier from the rules after A: "D", "B" or "C"
    below_a_reasons: tuple[Reason, ...]


def evaluate_tier(
    state: CustomerState, grade: Grade, policy: Policy, history: History | None = None
) -> TierEvaluation:
    """The tier rules at `state.as_of`; pass the decision's `history` to share it."""
    c = compiled(policy)
    return tier_of(state, grade, history if history is not None else History.of(state, c), c)


def tier_of(state: CustomerState, grade: Grade, h: History, c: Compiled) -> TierEvaluation:
    """The policy's `tier.rules` in order; `grade_c` is always first (validated)."""
    if grade == "C" and c.grade_c_rule:
        return TierEvaluation(False, None, (), "D", (_tier_d_reason(grade),))
    a_reason = _a_rule(grade, h, c) if c.a_rule else None
    criteria = _b_criteria(state, h, c) if c.b_rule else ()
    if criteria and a_reason is not None and c.b_before_a:
        a_reason = None  # B is listed first and holds: the A rule is not reached
    if criteria:
        return TierEvaluation(a_reason is not None, a_reason, criteria, "B", criteria)
    return TierEvaluation(a_reason is not None, a_reason, (), "C", (_tier_c_reason(),))


@remembered
def _tier_d_reason(grade: Grade) -> Reason:
    return reason("tier_d_grade_c", "Tier D (restricted): credit grade is C.", grade=grade)


@remembered
def _tier_c_reason() -> Reason:
    return reason("tier_c_default", "Tier C (ordinary): no B criterion holds.")


def _a_rule(grade: Grade, h: History, c: Compiled) -> Reason | None:
    income = h.income
    months = h.purchase_months
    if (
        grade in c.a_grades
        and income is not None
        and income >= c.a_income
        and months >= c.a_months
    ):
        return _a_reason(grade, money(income), c.a_income_text, months, c.purchase_days,
                         c.a_months)
    return None


@remembered
def _a_reason(
    grade: Grade, income: str, income_needs: str, months: int, window: int, months_needs: int
) -> Reason:
    return reason(
        "tier_a_stable_relationship",
        f"Tier A: grade {grade}, income {income} CNY (needs {income_needs}), purchases in "
        f"{months} of the last {window} days' months (needs {months_needs}).",
        grade=grade,
        income=income,
        income_threshold=income_needs,
        purchase_months=months,
        purchase_months_threshold=months_needs,
    )


def _b_criteria(state: CustomerState, h: History, c: Compiled) -> tuple[Reason, ...]:
    held: list[Reason] = []

    if c.mortgage_clean and not h.episodes and state.mortgages:
        active = tuple(sorted(loan for loan, m in state.mortgages.items() if m.active))
        if active:
            held.append(_mortgage_clean_reason(active, c.episode_days))

    education = state.education.value if state.education else None
    if education is not None and education in c.educations:
        held.append(_advanced_degree_reason(education))

    income = h.income
    if income is not None and income >= c.high_income:
        held.append(_high_income_reason(money(income), c.high_income_text))

    occupation = state.occupation.value if state.occupation else None
    if occupation is not None and occupation in c.professions:  # compared lower-case
        held.append(_professional_reason(occupation))

    employer = state.employer_id.value if state.employer_id else None
    if (
        employer is not None
        and state.employment_type is not None
        and state.employment_type.value == "informal"
        and employer in c.employer_ids
    ):
        held.append(_soe_reason(employer))

    responded = h.responded
    months = h.purchase_months
    if responded is not None and c.irregular_min <= months <= c.irregular_max:
        held.append(_engaged_reason(responded.date(), months, c.purchase_days))
    return tuple(held)


@remembered
def _mortgage_clean_reason(active: tuple[str, ...], window: int) -> Reason:
    return reason(
        "mortgage_clean",
        f"B: holds an active mortgage ({', '.join(active)}) with no past-due episode "
        f"in {window} days.",
        mortgages=len(active),
        window_days=window,
    )


@remembered
def _advanced_degree_reason(education: str) -> Reason:
    return reason("advanced_degree", f"B: advanced degree ({education}).", education=education)


@remembered
def _high_income_reason(income: str, needs: str) -> Reason:
    return reason(
        "high_income",
        f"B: monthly income {income} CNY is at least {needs}.",
        income=income,
        threshold=needs,
    )


@remembered
def _professional_reason(occupation: str) -> Reason:
    return reason(
        "professional_occupation",
        f"B: professional occupation ({occupation}).",
        occupation=occupation,
    )


@remembered
def _soe_reason(employer: str) -> Reason:
    return reason(
        "soe_informal_staff",
        f"B: informal staff of approved state-owned enterprise {employer}.",
        employer_id=employer,
    )


@remembered
def _engaged_reason(day: date, months: int, window: int) -> Reason:
    text = day.isoformat()
    return reason(
        "engaged_irregular",
        f"B: responded to an engagement on {text} and bought in "
        f"only {months} of the last {window} days' months.",
        last_response=text,
        purchase_months=months,
    )
