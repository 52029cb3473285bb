"""Credit grade rules (AAA..C), first match wins, each with the values that decided it.

Each rule is a function of the decision's `History`; the policy's `grade.rules` lists
the rules to apply and their order (docs/domain.md's order by default). Grade A when
none matches. Each rule's reason is built from its deciding values alone, most of them
`remembered`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from schemas.outputs import Reason
from schemas.vocabulary import Grade
from tierstream.core.compiled import Compiled, compiled
from tierstream.core.history import History, InstallmentView
from tierstream.core.reasons import money, reason, remembered
from tierstream.core.state import CustomerState
from tierstream.policy import GradeRuleId, Policy

Rule = Callable[[History, Compiled], tuple[Grade, Reason] | None]


def _worst(views: list[InstallmentView]) -> InstallmentView:
    """The most days past due; the first in key order among equals."""
    worst = views[0]
    for view in views:
        if view.days_past_due > worst.days_past_due:
            worst = view
    return worst


def _current_default(h: History, c: Compiled) -> tuple[Grade, Reason] | None:
    limit = c.default_days
    defaulted = [v for v in h.current if v.days_past_due >= limit] if h.current else None
    if not defaulted:
        return None
    worst = _worst(defaulted)
    inst = worst.inst
    return "C", _current_default_reason(
        limit, inst.loan_id, inst.number, inst.due_date, worst.days_past_due
    )


def _current_default_reason(  # not remembered: an unpaid installment ages every day
    limit: int, loan_id: str, number: int, due_date: date, days_past_due: int
) -> Reason:
    return reason(
        "grade_c_current_default",
        f"Grade C: installment {number} of loan {loan_id} is unpaid "
        f"and {days_past_due} days past due (limit {limit}).",
        threshold_days=limit, loan_id=loan_id, installment=number,
        due_date=due_date.isoformat(), days_past_due=days_past_due,
    )


def _serious_episodes(h: History, c: Compiled) -> tuple[Grade, Reason] | None:
    if len(h.serious) < c.c_serious_episodes:
        return None
    return "C", _serious_episodes_reason(
        len(h.serious), c.serious_days, c.episode_days, c.c_serious_episodes
    )


@remembered
def _serious_episodes_reason(count: int, serious_days: int, window: int, limit: int) -> Reason:
    return reason(
        "grade_c_serious_episodes",
        f"Grade C: {count} episodes of {serious_days}+ days past due "
        f"in the last {window} days (limit {limit}).",
        serious_episodes=count, threshold=limit, window_days=window,
    )


def _currently_past_due(h: History, c: Compiled) -> tuple[Grade, Reason] | None:
    past_due = [v for v in h.current if v.days_past_due >= 1] if h.current else None
    if not past_due:
        return None
    worst = _worst(past_due)
    inst = worst.inst
    return "B", _currently_past_due_reason(
        inst.loan_id, inst.number, inst.due_date, worst.days_past_due
    )


def _currently_past_due_reason(  # not remembered: ages every day
    loan_id: str, number: int, due_date: date, days_past_due: int
) -> Reason:
    return reason(
        "grade_b_currently_past_due",
        f"Grade B: installment {number} of loan {loan_id} is "
        f"currently {days_past_due} days past due.",
        loan_id=loan_id, installment=number, due_date=due_date.isoformat(),
        days_past_due=days_past_due,
    )


def _recent_serious_episode(h: History, c: Compiled) -> tuple[Grade, Reason] | None:
    days = c.recent_serious_days
    recent = h.recent(h.serious, days) if h.serious else None
    if not recent:
        return None
    worst = _worst(recent)
    inst = worst.inst
    return "B", _recent_serious_reason(
        days, inst.loan_id, inst.number, inst.due_date, worst.days_past_due
    )


@remembered
def _recent_serious_reason(
    days: int, loan_id: str, number: int, due_date: date, days_past_due: int
) -> Reason:
    return reason(
        "grade_b_recent_serious_episode",
        f"Grade B: an episode of {days_past_due} days past due in the last {days} days.",
        window_days=days, loan_id=loan_id, installment=number,
        due_date=due_date.isoformat(), days_past_due=days_past_due,
    )


def _episodes(h: History, c: Compiled) -> tuple[Grade, Reason] | None:
    if len(h.episodes) < c.b_episodes:
        return None
    return "B", _episodes_reason(len(h.episodes), c.episode_days, c.b_episodes)


@remembered
def _episodes_reason(count: int, window: int, limit: int) -> Reason:
    return reason(
        "grade_b_episodes",
        f"Grade B: {count} past-due episodes in the last {window} days (limit {limit}).",
        episodes=count, threshold=limit, window_days=window,
    )


def _aaa(h: History, c: Compiled) -> tuple[Grade, Reason] | None:
    income = h.income
    if h.episodes or h.on_time < c.aaa_on_time or income is None or income < c.aaa_income:
        return None
    return "AAA", _aaa_reason(
        c.episode_days, h.on_time, c.aaa_on_time, money(income), c.aaa_income_text
    )


@remembered
def _aaa_reason(window: int, on_time: int, needs: int, income: str, income_needs: str) -> Reason:
    return reason(
        "grade_aaa",
        f"Grade AAA: no past-due episode in {window} days, {on_time} installments paid on "
        f"time (needs {needs}), income {income} CNY (needs {income_needs}).",
        on_time_installments=on_time, income=income,
        income_threshold=income_needs, window_days=window,
    )


def _aa(h: History, c: Compiled) -> tuple[Grade, Reason] | None:
    if h.episodes or h.on_time < c.aa_on_time:
        return None
    return "AA", _aa_reason(c.episode_days, h.on_time, c.aa_on_time)


@remembered
def _aa_reason(window: int, on_time: int, needs: int) -> Reason:
    return reason(
        "grade_aa",
        f"Grade AA: no past-due episode in {window} days and {on_time} installments paid "
        f"on time (needs {needs}).",
        on_time_installments=on_time, threshold=needs, window_days=window,
    )


@remembered
def _default_reason(episodes: int, on_time: int, window: int, aa_needs: int) -> Reason:
    return reason(
        "grade_a_default",
        f"Grade A: no adverse repayment history; {episodes} episodes and {on_time} "
        f"on-time installments in {window} days (AA needs "
        f"{aa_needs} on time and no episode).",
        episodes=episodes, on_time_installments=on_time, window_days=window,
    )


RULES: dict[GradeRuleId, Rule] = {
    "current_default": _current_default,
    "serious_episodes": _serious_episodes,
    "currently_past_due": _currently_past_due,
    "recent_serious_episode": _recent_serious_episode,
    "episodes": _episodes,
    "aaa": _aaa,
    "aa": _aa,
}


def compute_grade(
    state: CustomerState, policy: Policy, history: History | None = None
) -> tuple[Grade, Reason]:
    """The grade at `state.as_of`; pass the decision's `history` to share it."""
    c = compiled(policy)
    return grade_of(history if history is not None else History.of(state, c), c)


_ADVERSE: frozenset[GradeRuleId] = frozenset(
    {"current_default", "serious_episodes", "currently_past_due", "recent_serious_episode",
     "episodes"}
)
"""Rules that need an unpaid installment or an episode to hold: most customers have
neither, and are not asked."""


def grade_of(h: History, c: Compiled) -> tuple[Grade, Reason]:
    clean = not h.current and not h.episodes
    for rule_id in c.grade_rules:
        if clean and rule_id in _ADVERSE:
            continue
        matched = RULES[rule_id](h, c)
        if matched is not None:
            return matched
    return "A", _default_reason(len(h.episodes), h.on_time, c.episode_days, c.aa_on_time)
