"""What would move a customer up: the missing conditions of the next tier, and by how much.

For a relationship manager: a B customer sees which A conditions are missing (grade,
income, months with purchases, the cool-off); a C customer sees how close each B
criterion is; a D customer sees what keeps the grade at C. Read-only over the state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from schemas.outputs import ReasonValue
from schemas.vocabulary import Tier
from tierstream.core.compiled import compiled
from tierstream.core.grade import grade_of
from tierstream.core.history import History
from tierstream.core.reasons import money
from tierstream.core.state import CustomerState
from tierstream.core.tier import tier_of
from tierstream.policy import Policy


@dataclass(frozen=True)
class Step:
    code: str
    message: str
    values: dict[str, ReasonValue] = field(default_factory=dict)


@dataclass(frozen=True)
class UpgradePath:
    target: Tier | None  # None: already in the top tier
    steps: tuple[Step, ...]


def upgrade_path(state: CustomerState, policy: Policy) -> UpgradePath:
    c = compiled(policy)
    history = History.of(state, c)
    grade, _ = grade_of(history, c)
    tier = state.tier or tier_of(state, grade, history, c).below_a
    if tier == "A":
        return UpgradePath(None, ())
    if tier == "D":
        return UpgradePath("C", tuple(_leave_grade_c(history, policy)))
    if tier == "C":
        return UpgradePath("B", tuple(_reach_b(state, history, policy)))
    return UpgradePath("A", tuple(_reach_a(state, history, grade, policy)))


def _episode_clear_date(history: History, policy: Policy) -> date | None:
    """The date the last past-due episode leaves the episode window (None: none in it)."""
    if not history.episodes:
        return None
    last_due = max(v.inst.due_date for v in history.episodes)
    return last_due + timedelta(days=policy.windows.episode_days)


def _reach_a(state: CustomerState, history: History, grade: str, policy: Policy) -> list[Step]:
    rule, steps = policy.tier.a, []
    if grade not in rule.grades:
        window = policy.windows.episode_days
        on_time = history.on_time
        need = policy.grade.aa.min_on_time_installments
        clear = _episode_clear_date(history, policy)
        message = f"Grade {grade} must reach {' or '.join(rule.grades)}"
        if clear is not None:
            message += f": no past-due episode in {window} days (clear on {clear.isoformat()})"
        unpaid = [v for v in history.current if v.is_episode]
        if unpaid:
            message += f"; pay {len(unpaid)} past-due installment(s) first"
        if on_time < need:
            message += f"; {need - on_time} more installment(s) paid on time ({on_time}/{need})"
        steps.append(Step("grade", message + ".", {
            "grade": grade, "on_time_installments": on_time, "on_time_needed": need,
            "episodes_clear_on": clear.isoformat() if clear else None,
            "past_due_installments": len(unpaid),
        }))
    income = state.income
    if income is None or income < rule.min_income:
        short = rule.min_income - (income or 0)
        steps.append(Step("income", f"Monthly income {_cny(income)} is {money(short)} CNY "
                          f"short of {money(rule.min_income)}.", {
                              "income": money(income) if income is not None else None,
                              "threshold": money(rule.min_income), "short_by": money(short)}))
    months = history.purchase_months
    if months < rule.min_purchase_months:
        steps.append(Step("purchase_months", f"Purchases in {months} of the last "
                          f"{policy.windows.purchase_days} days' months; "
                          f"{rule.min_purchase_months - months} more month(s) needed.", {
                              "purchase_months": months,
                              "needed": rule.min_purchase_months}))
    if not steps and state.a_qualified_since is not None:
        due = state.a_qualified_since + timedelta(days=policy.hysteresis.a_cool_off_days)
        steps.append(Step("cool_off", f"Qualifies for A; becomes A on {due.date().isoformat()} "
                          "if it still qualifies then.", {"upgrade_on": due.isoformat()}))
    return steps


def _reach_b(state: CustomerState, history: History, policy: Policy) -> list[Step]:
    crit, steps = policy.tier.b_criteria, []
    income = state.income
    short = crit.high_income.min_income - (income or 0)
    steps.append(Step("high_income", f"Income {_cny(income)} is {money(short)} CNY short of "
                      f"{money(crit.high_income.min_income)}.", {"short_by": money(short)}))
    if crit.mortgage_clean.enabled:
        active = any(m.active for m in state.mortgages.values())
        clear = _episode_clear_date(history, policy)
        steps.append(Step("mortgage_clean", (
            f"Has a mortgage, but a past-due episode until {clear.isoformat()}."
            if active and clear else "No active mortgage."), {"mortgage": active}))
    steps.append(Step("advanced_degree", "Education "
                      f"{state.education_value or 'unknown'}; needs "
                      f"{' or '.join(crit.advanced_degree.educations)}.", {}))
    months = history.purchase_months
    rule = crit.engaged_irregular
    steps.append(Step("engaged_irregular", "Respond to an engagement within "
                      f"{policy.windows.engagement_days} days, with purchases in "
                      f"{rule.min_purchase_months}-{rule.max_purchase_months} months "
                      f"(now {months}).", {"purchase_months": months}))
    return steps


def _leave_grade_c(history: History, policy: Policy) -> list[Step]:
    rules, steps = policy.grade, []
    for v in history.current:
        if v.days_past_due >= rules.default_days_past_due:
            steps.append(Step("pay_installment", f"Pay installment {v.inst.number} of loan "
                              f"{v.inst.loan_id} ({v.days_past_due} days past due).",
                              v.describe()))
    window = policy.windows.episode_days
    serious = history.serious
    if len(serious) >= rules.c_serious_episodes:
        oldest = sorted(x.inst.due_date for x in serious)
        leaves = oldest[len(serious) - rules.c_serious_episodes] + timedelta(days=window)
        steps.append(Step("serious_episodes", f"{len(serious)} serious episodes in {window} "
                          f"days; below {rules.c_serious_episodes} on {leaves.isoformat()}.",
                          {"serious_episodes": len(serious), "clear_on": leaves.isoformat()}))
    return steps


def _cny(amount: Decimal | None) -> str:
    return "unknown" if amount is None else f"{money(amount)} CNY"
