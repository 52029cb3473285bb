"""Credit grade rules (AAA..C), first match wins, each with the values that decided it."""

from __future__ import annotations

from schemas.outputs import Grade, Reason
from tierstream.core.history import episodes_in, installment_views, on_time_in
from tierstream.core.reasons import money, reason
from tierstream.core.state import CustomerState
from tierstream.policy import Policy

GRADE_ORDER: tuple[Grade, ...] = ("AAA", "AA", "A", "B", "C")  # best first


def grade_rank(grade: Grade) -> int:
    """Higher is better: AAA=4 .. C=0."""
    return len(GRADE_ORDER) - 1 - GRADE_ORDER.index(grade)


def compute_grade(state: CustomerState, policy: Policy) -> tuple[Grade, Reason]:
    rules = policy.grade
    window = policy.windows.episode_days
    as_of = state.as_of_date()
    views = installment_views(state)
    episodes = episodes_in(views, as_of, window)
    serious = [v for v in episodes if v.days_past_due >= rules.serious_days_past_due]

    defaulted = [v for v in views if v.current and v.days_past_due >= rules.default_days_past_due]
    if defaulted:
        worst = max(defaulted, key=lambda v: v.days_past_due)
        return "C", reason(
            "grade_c_current_default",
            f"Grade C: installment {worst.inst.number} of loan {worst.inst.loan_id} is unpaid "
            f"and {worst.days_past_due} days past due (limit {rules.default_days_past_due}).",
            threshold_days=rules.default_days_past_due,
            **worst.describe(),
        )
    if len(serious) >= rules.c_serious_episodes:
        return "C", reason(
            "grade_c_serious_episodes",
            f"Grade C: {len(serious)} episodes of {rules.serious_days_past_due}+ days past due "
            f"in the last {window} days (limit {rules.c_serious_episodes}).",
            serious_episodes=len(serious),
            threshold=rules.c_serious_episodes,
            window_days=window,
        )

    past_due = [v for v in views if v.current and v.is_episode]
    if past_due:
        worst = max(past_due, key=lambda v: v.days_past_due)
        return "B", reason(
            "grade_b_currently_past_due",
            f"Grade B: installment {worst.inst.number} of loan {worst.inst.loan_id} is "
            f"currently {worst.days_past_due} days past due.",
            **worst.describe(),
        )
    recent = episodes_in(serious, as_of, policy.windows.recent_serious_days)
    if recent:
        worst = max(recent, key=lambda v: v.days_past_due)
        return "B", reason(
            "grade_b_recent_serious_episode",
            f"Grade B: an episode of {worst.days_past_due} days past due in the last "
            f"{policy.windows.recent_serious_days} days.",
            window_days=policy.windows.recent_serious_days,
            **worst.describe(),
        )
    if len(episodes) >= rules.b_episodes:
        return "B", reason(
            "grade_b_episodes",
            f"Grade B: {len(episodes)} past-due episodes in the last {window} days "
            f"(limit {rules.b_episodes}).",
            episodes=len(episodes),
            threshold=rules.b_episodes,
            window_days=window,
        )

    on_time = on_time_in(views, as_of, window)
    income = state.income
    if (
        not episodes
        and on_time >= rules.aaa.min_on_time_installments
        and income is not None
        and income >= rules.aaa.min_income
    ):
        return "AAA", reason(
            "grade_aaa",
            f"Grade AAA: no past-due episode in {window} days, {on_time} installments paid on "
            f"time (needs {rules.aaa.min_on_time_installments}), income {money(income)} CNY "
            f"(needs {money(rules.aaa.min_income)}).",
            on_time_installments=on_time,
            income=money(income),
            income_threshold=money(rules.aaa.min_income),
            window_days=window,
        )
    if not episodes and on_time >= rules.aa.min_on_time_installments:
        return "AA", reason(
            "grade_aa",
            f"Grade AA: no past-due episode in {window} days and {on_time} installments paid "
            f"on time (needs {rules.aa.min_on_time_installments}).",
            on_time_installments=on_time,
            threshold=rules.aa.min_on_time_installments,
            window_days=window,
        )
    return "A", reason(
        "grade_a_default",
        f"Grade A: no adverse repayment history; {len(episodes)} episodes and {on_time} "
        f"on-time installments in {window} days (AA needs "
        f"{rules.aa.min_on_time_installments} on time and no episode).",
        episodes=len(episodes),
        on_time_installments=on_time,
        window_days=window,
    )
