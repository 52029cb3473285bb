"""Credit grade rules (AAA..C), first match wins, each with the values that decided it.

Each rule is a function of a `_Facts` snapshot; the policy's `grade.rules` lists the
rules to apply and their order (docs/domain.md's order by default). Grade A when none
matches.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from schemas.outputs import Reason
from schemas.vocabulary import Grade
from tierstream.core.history import InstallmentView, episodes_in, installment_views, on_time_in
from tierstream.core.reasons import money, reason
from tierstream.core.state import CustomerState
from tierstream.policy import GradeRuleId, Policy


@dataclass(frozen=True)
class _Facts:
    """What the grade rules read, computed once per decision."""

    state: CustomerState
    policy: Policy
    as_of: date
    views: list[InstallmentView]
    episodes: list[InstallmentView]  # in the episode window
    serious: list[InstallmentView]  # episodes of serious_days_past_due or more

    @classmethod
    def of(cls, state: CustomerState, policy: Policy) -> _Facts:
        as_of = state.as_of_date()
        views = installment_views(state)
        episodes = episodes_in(views, as_of, policy.windows.episode_days)
        serious = [v for v in episodes if v.days_past_due >= policy.grade.serious_days_past_due]
        return cls(state, policy, as_of, views, episodes, serious)


Rule = Callable[[_Facts], tuple[Grade, Reason] | None]


def _current_default(f: _Facts) -> tuple[Grade, Reason] | None:
    limit = f.policy.grade.default_days_past_due
    defaulted = [v for v in f.views if v.current and v.days_past_due >= limit]
    if not defaulted:
        return None
    worst = max(defaulted, key=lambda v: v.days_past_due)
    return "C", reason(
        "grade_c_current_default",
        f"Grade C: installment {worst.inst.number} of loan {worst.inst.loan_id} is unpaid "
        f"and {worst.days_past_due} days past due (limit {limit}).",
        threshold_days=limit, **worst.describe(),
    )


def _serious_episodes(f: _Facts) -> tuple[Grade, Reason] | None:
    rules, window = f.policy.grade, f.policy.windows.episode_days
    if len(f.serious) < rules.c_serious_episodes:
        return None
    return "C", reason(
        "grade_c_serious_episodes",
        f"Grade C: {len(f.serious)} episodes of {rules.serious_days_past_due}+ days past due "
        f"in the last {window} days (limit {rules.c_serious_episodes}).",
        serious_episodes=len(f.serious), threshold=rules.c_serious_episodes, window_days=window,
    )


def _currently_past_due(f: _Facts) -> tuple[Grade, Reason] | None:
    past_due = [v for v in f.views if v.current and v.is_episode]
    if not past_due:
        return None
    worst = max(past_due, key=lambda v: v.days_past_due)
    return "B", reason(
        "grade_b_currently_past_due",
        f"Grade B: installment {worst.inst.number} of loan {worst.inst.loan_id} is "
        f"currently {worst.days_past_due} days past due.",
        **worst.describe(),
    )


def _recent_serious_episode(f: _Facts) -> tuple[Grade, Reason] | None:
    days = f.policy.windows.recent_serious_days
    recent = episodes_in(f.serious, f.as_of, days)
    if not recent:
        return None
    worst = max(recent, key=lambda v: v.days_past_due)
    return "B", reason(
        "grade_b_recent_serious_episode",
        f"Grade B: an episode of {worst.days_past_due} days past due in the last {days} days.",
        window_days=days, **worst.describe(),
    )


def _episodes(f: _Facts) -> tuple[Grade, Reason] | None:
    rules, window = f.policy.grade, f.policy.windows.episode_days
    if len(f.episodes) < rules.b_episodes:
        return None
    return "B", reason(
        "grade_b_episodes",
        f"Grade B: {len(f.episodes)} past-due episodes in the last {window} days "
        f"(limit {rules.b_episodes}).",
        episodes=len(f.episodes), threshold=rules.b_episodes, window_days=window,
    )


def _aaa(f: _Facts) -> tuple[Grade, Reason] | None:
    rule, window = f.policy.grade.aaa, f.policy.windows.episode_days
    on_time = on_time_in(f.views, f.as_of, window)
    income = f.state.income
    if (f.episodes or on_time < rule.min_on_time_installments
            or income is None or income < rule.min_income):
        return None
    return "AAA", reason(
        "grade_aaa",
        f"Grade AAA: no past-due episode in {window} days, {on_time} installments paid on "
        f"time (needs {rule.min_on_time_installments}), income {money(income)} CNY "
        f"(needs {money(rule.min_income)}).",
        on_time_installments=on_time, income=money(income),
        income_threshold=money(rule.min_income), window_days=window,
    )


def _aa(f: _Facts) -> tuple[Grade, Reason] | None:
    rule, window = f.policy.grade.aa, f.policy.windows.episode_days
    on_time = on_time_in(f.views, f.as_of, window)
    if f.episodes or on_time < rule.min_on_time_installments:
        return None
    return "AA", reason(
        "grade_aa",
        f"Grade AA: no past-due episode in {window} days and {on_time} installments paid "
        f"on time (needs {rule.min_on_time_installments}).",
        on_time_installments=on_time, threshold=rule.min_on_time_installments,
        window_days=window,
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


def compute_grade(state: CustomerState, policy: Policy) -> tuple[Grade, Reason]:
    facts = _Facts.of(state, policy)
    for rule_id in policy.grade.rules:
        matched = RULES[rule_id](facts)
        if matched is not None:
            return matched
    window = policy.windows.episode_days
    on_time = on_time_in(facts.views, facts.as_of, window)
    return "A", reason(
        "grade_a_default",
        f"Grade A: no adverse repayment history; {len(facts.episodes)} episodes and {on_time} "
        f"on-time installments in {window} days (AA needs "
        f"{policy.grade.aa.min_on_time_installments} on time and no episode).",
        episodes=len(facts.episodes), on_time_installments=on_time, window_days=window,
    )
