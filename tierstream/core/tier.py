"""Tier rules (D, A, B, C; first match wins) and the six B criteria of the seed.

`evaluate_tier` reports what the rules say before hysteresis and overrides:
whether the A rule holds, which B criteria hold (all of them, for the explanation),
and the tier of the next rule that holds, used while an upgrade to A cools off.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas.outputs import Reason
from schemas.vocabulary import Grade, Tier
from tierstream.core.history import (
    episodes_in,
    installment_views,
    purchase_months_in,
    responded_within,
)
from tierstream.core.reasons import money, reason
from tierstream.core.state import CustomerState
from tierstream.policy import Policy


@dataclass(frozen=True)
class TierEvaluation:
    a_holds: bool
    a_reason: Reason | None
    b_criteria: tuple[Reason, ...]
    below_a: Tier  # tier from the rules after A: "D", "B" or "C"
    below_a_reasons: tuple[Reason, ...]


def evaluate_tier(state: CustomerState, grade: Grade, policy: Policy) -> TierEvaluation:
    """The policy's `tier.rules` in order; `grade_c` is always first (validated)."""
    rules = policy.tier.rules
    if grade == "C" and "grade_c" in rules:
        d = reason("tier_d_grade_c", "Tier D (restricted): credit grade is C.", grade=grade)
        return TierEvaluation(False, None, (), "D", (d,))
    use_a, use_b = "stable_relationship" in rules, "b_criteria" in rules
    a_reason = _a_rule(state, grade, policy) if use_a else None
    criteria = tuple(_b_criteria(state, policy)) if use_b else ()
    if criteria and a_reason is not None and rules.index("b_criteria") < rules.index(
        "stable_relationship"
    ):
        a_reason = None  # B is listed first and holds: the A rule is not reached
    if criteria:
        return TierEvaluation(a_reason is not None, a_reason, criteria, "B", criteria)
    c = reason("tier_c_default", "Tier C (ordinary): no B criterion holds.")
    return TierEvaluation(a_reason is not None, a_reason, (), "C", (c,))


def _a_rule(state: CustomerState, grade: Grade, policy: Policy) -> Reason | None:
    rule = policy.tier.a
    income = state.income
    months = purchase_months_in(state, policy.windows.purchase_days)
    if (
        grade in rule.grades
        and income is not None
        and income >= rule.min_income
        and len(months) >= rule.min_purchase_months
    ):
        return reason(
            "tier_a_stable_relationship",
            f"Tier A: grade {grade}, income {money(income)} CNY (needs "
            f"{money(rule.min_income)}), purchases in {len(months)} of the last "
            f"{policy.windows.purchase_days} days' months (needs {rule.min_purchase_months}).",
            grade=grade,
            income=money(income),
            income_threshold=money(rule.min_income),
            purchase_months=len(months),
            purchase_months_threshold=rule.min_purchase_months,
        )
    return None


def _b_criteria(state: CustomerState, policy: Policy) -> list[Reason]:
    crit = policy.tier.b_criteria
    held: list[Reason] = []

    if crit.mortgage_clean.enabled:
        active = sorted(loan for loan, m in state.mortgages.items() if m.active)
        window = policy.windows.episode_days
        episodes = episodes_in(installment_views(state), state.as_of_date(), window)
        if active and not episodes:
            held.append(reason(
                "mortgage_clean",
                f"B: holds an active mortgage ({', '.join(active)}) with no past-due episode "
                f"in {window} days.",
                mortgages=len(active),
                window_days=window,
            ))

    education = state.education_value
    if education is not None and education in crit.advanced_degree.educations:
        held.append(reason(
            "advanced_degree", f"B: advanced degree ({education}).", education=education
        ))

    income = state.income
    if income is not None and income >= crit.high_income.min_income:
        held.append(reason(
            "high_income",
            f"B: monthly income {money(income)} CNY is at least "
            f"{money(crit.high_income.min_income)}.",
            income=money(income),
            threshold=money(crit.high_income.min_income),
        ))

    occupation = state.occupation.value if state.occupation else None
    professions = {o.strip().lower() for o in crit.professional_occupation.occupations}
    if occupation is not None and occupation in professions:  # compared lower-case
        held.append(reason(
            "professional_occupation",
            f"B: professional occupation ({occupation}).",
            occupation=occupation,
        ))

    employer = state.employer_id.value if state.employer_id else None
    if (
        state.employment_type_value == "informal"
        and employer is not None
        and employer in crit.soe_informal_staff.employer_ids
    ):
        held.append(reason(
            "soe_informal_staff",
            f"B: informal staff of approved state-owned enterprise {employer}.",
            employer_id=employer,
        ))

    responded = responded_within(state, policy.windows.engagement_days)
    months = purchase_months_in(state, policy.windows.purchase_days)
    rule = crit.engaged_irregular
    irregular = rule.min_purchase_months <= len(months) <= rule.max_purchase_months
    if responded is not None and irregular:
        held.append(reason(
            "engaged_irregular",
            f"B: responded to an engagement on {responded.date().isoformat()} and bought in "
            f"only {len(months)} of the last {policy.windows.purchase_days} days' months.",
            last_response=responded.date().isoformat(),
            purchase_months=len(months),
        ))
    return held
