"""What the rules read from a policy, worked out once per policy object instead of per event.

A policy is frozen, so its version string, its lists as sets, its thresholds as the
decimal strings the reasons print, its windows as `timedelta`s and its orders as ranks
never change. `compiled(policy)` returns them, keyed by the policy object itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from schemas.vocabulary import Severity
from tierstream.core.reasons import money
from tierstream.policy import GradeRuleId, Policy


@dataclass(frozen=True, slots=True)
class Compiled:
    policy: Policy
    version: str

    # windows (docs/domain.md "Time and re-evaluation"), in days and as timedeltas
    episode_days: int
    recent_serious_days: int
    purchase_days: int
    engagement_days: int
    episode_window: timedelta
    recent_serious_window: timedelta
    purchase_window: timedelta
    engagement_window: timedelta
    longest_window: int  # in days; retention.py adds its allowance for late events

    # grade
    grade_rules: tuple[GradeRuleId, ...]
    serious_days: int
    default_days: int
    c_serious_episodes: int
    b_episodes: int
    aaa_on_time: int
    aaa_income: Decimal
    aaa_income_text: str
    aa_on_time: int

    # tier
    grade_c_rule: bool
    a_rule: bool
    b_rule: bool
    b_before_a: bool
    a_grades: frozenset[str]
    a_income: Decimal
    a_income_text: str
    a_months: int
    mortgage_clean: bool
    educations: frozenset[str]
    high_income: Decimal
    high_income_text: str
    professions: frozenset[str]  # trimmed, lower-case
    employer_ids: frozenset[str]
    irregular_min: int
    irregular_max: int
    cool_off_days: int
    cool_off: timedelta

    # alerts and re-evaluation
    bucket_days: tuple[int, ...]  # ascending (validated)
    bucket_severities: tuple[Severity, ...]
    tier_rank: dict[str, int]  # position in the best-first order
    grade_rank: dict[str, int]
    due_boundaries: tuple[timedelta, ...]  # ages of a debt at which a decision can change

    # per `as_of` date: where the episode, purchase and engagement windows start
    # (history.py); date arithmetic allocates, and a stream's decisions share dates
    window_starts: dict[date, tuple[date, date, date]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @classmethod
    def of(cls, policy: Policy) -> Compiled:
        w, g, t = policy.windows, policy.grade, policy.tier
        crit = t.b_criteria
        longest = max(w.episode_days, w.recent_serious_days, w.purchase_days, w.engagement_days)
        rules = list(t.rules)
        buckets = policy.alerts.overdue_buckets
        return cls(
            policy=policy,
            version=policy.version,
            episode_days=w.episode_days,
            recent_serious_days=w.recent_serious_days,
            purchase_days=w.purchase_days,
            engagement_days=w.engagement_days,
            episode_window=timedelta(days=w.episode_days),
            recent_serious_window=timedelta(days=w.recent_serious_days),
            purchase_window=timedelta(days=w.purchase_days),
            engagement_window=timedelta(days=w.engagement_days),
            longest_window=longest,
            grade_rules=tuple(g.rules),
            serious_days=g.serious_days_past_due,
            default_days=g.default_days_past_due,
            c_serious_episodes=g.c_serious_episodes,
            b_episodes=g.b_episodes,
            aaa_on_time=g.aaa.min_on_time_installments,
            aaa_income=g.aaa.min_income,
            aaa_income_text=money(g.aaa.min_income),
            aa_on_time=g.aa.min_on_time_installments,
            grade_c_rule="grade_c" in rules,
            a_rule="stable_relationship" in rules,
            b_rule="b_criteria" in rules,
            b_before_a=("stable_relationship" in rules and "b_criteria" in rules
                        and rules.index("b_criteria") < rules.index("stable_relationship")),
            a_grades=frozenset(t.a.grades),
            a_income=t.a.min_income,
            a_income_text=money(t.a.min_income),
            a_months=t.a.min_purchase_months,
            mortgage_clean=crit.mortgage_clean.enabled,
            educations=frozenset(crit.advanced_degree.educations),
            high_income=crit.high_income.min_income,
            high_income_text=money(crit.high_income.min_income),
            professions=frozenset(o.strip().lower()
                                  for o in crit.professional_occupation.occupations),
            employer_ids=frozenset(crit.soe_informal_staff.employer_ids),
            irregular_min=crit.engaged_irregular.min_purchase_months,
            irregular_max=crit.engaged_irregular.max_purchase_months,
            cool_off_days=policy.hysteresis.a_cool_off_days,
            cool_off=timedelta(days=policy.hysteresis.a_cool_off_days),
            bucket_days=tuple(b.min_days for b in buckets),
            bucket_severities=tuple(b.severity for b in buckets),
            tier_rank={tier: i for i, tier in enumerate(t.order)},
            grade_rank={grade: i for i, grade in enumerate(g.order)},
            due_boundaries=tuple(timedelta(days=d) for d in sorted(
                {b.min_days for b in buckets} | {g.default_days_past_due})),
        )


_CACHE: dict[int, tuple[Policy, Compiled]] = {}
_CACHE_SIZE = 16  # a worker meets one policy per rollout; tests build many


def compiled(policy: Policy) -> Compiled:
    """The compiled form of `policy`. The cache holds the policy itself, so its `id`
    cannot be reused by another object while the entry exists."""
    entry = _CACHE.get(id(policy))
    if entry is not None and entry[0] is policy:
        return entry[1]
    result = Compiled.of(policy)
    if len(_CACHE) >= _CACHE_SIZE:
        del _CACHE[next(iter(_CACHE))]  # the oldest entry
    _CACHE[id(policy)] = (policy, result)
    return result
