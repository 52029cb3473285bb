"""The tiering policy: every threshold, list and window a bank may change, as validated data.

The version (`name@hash`) is stamped on every output so an auditor can tell which
rules decided it. Reading a policy from a file or from bytes is `reader.py`'s job.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any, Literal, Self, get_args

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from schemas.events import Education
from schemas.vocabulary import GRADES, TIERS, Grade, Severity, Tier

Days = Annotated[int, Field(ge=1, le=3650)]
Count = Annotated[int, Field(ge=1, le=1000)]
Money = Annotated[Decimal, Field(ge=0, allow_inf_nan=False)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Windows(_Strict):
    episode_days: Days
    recent_serious_days: Days
    purchase_days: Days
    engagement_days: Days

    @model_validator(mode="after")
    def _recent_inside_window(self) -> Self:
        if self.recent_serious_days > self.episode_days:
            raise FieldProblem("recent_serious_days", f"must not exceed episode_days "
                               f"({self.episode_days}); got {self.recent_serious_days}")
        return self


class GradeAAA(_Strict):
    min_on_time_installments: Count
    min_income: Money


class GradeAA(_Strict):
    min_on_time_installments: Count


GradeRuleId = Literal[
    "current_default", "serious_episodes", "currently_past_due", "recent_serious_episode",
    "episodes", "aaa", "aa",
]
GRADE_RULES: tuple[GradeRuleId, ...] = get_args(GradeRuleId)  # docs/domain.md's order
TierRuleId = Literal["grade_c", "stable_relationship", "b_criteria"]
TIER_RULES: tuple[TierRuleId, ...] = get_args(TierRuleId)


class FieldProblem(ValueError):
    """A cross-field check that fails, naming the field (relative path) to blame."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _total_order(field: str, given: list[str], expected: tuple[str, ...]) -> None:
    if sorted(given) != sorted(expected):
        raise FieldProblem(field, f"must list each of {', '.join(expected)} exactly once "
                           f"(a total order, best first); got {', '.join(given) or 'nothing'}")


def _unique(field: str, given: list[str]) -> None:
    repeated = sorted({r for r in given if given.count(r) > 1})
    if repeated:
        raise FieldProblem(field, f"lists {', '.join(repeated)} more than once")


class GradeRules(_Strict):
    order: list[Grade] = Field(default_factory=lambda: list(GRADES))
    rules: list[GradeRuleId] = Field(default_factory=lambda: list(GRADE_RULES))
    serious_days_past_due: Days
    default_days_past_due: Days
    c_serious_episodes: Count
    b_episodes: Count
    aaa: GradeAAA
    aa: GradeAA

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        _total_order("order", list(self.order), GRADES)
        _unique("rules", list(self.rules))
        if self.serious_days_past_due >= self.default_days_past_due:
            raise FieldProblem("serious_days_past_due",
                               "must be below default_days_past_due "
                               f"({self.default_days_past_due}); got {self.serious_days_past_due}")
        rules = list(self.rules)
        if ("aa" in rules and "aaa" in rules and rules.index("aa") < rules.index("aaa")
                and self.aa.min_on_time_installments <= self.aaa.min_on_time_installments):
            raise FieldProblem("rules", "rule aaa comes after aa, which every AAA customer "
                               "also meets: grade AAA would be unreachable")
        return self


class TierA(_Strict):
    grades: Annotated[list[Grade], Field(min_length=1)]
    min_income: Money
    min_purchase_months: Annotated[int, Field(ge=0, le=12)]

    @model_validator(mode="after")
    def _not_c(self) -> Self:
        if "C" in self.grades:
            raise ValueError("grade C always gives tier D, so it cannot qualify for A")
        return self


class MortgageClean(_Strict):
    enabled: bool


class AdvancedDegree(_Strict):
    educations: list[Education]


class HighIncome(_Strict):
    min_income: Money


class ProfessionalOccupation(_Strict):
    occupations: list[Annotated[str, Field(min_length=1)]]


class SoeInformalStaff(_Strict):
    employer_ids: list[Annotated[str, Field(min_length=1)]]


class EngagedIrregular(_Strict):
    min_purchase_months: Annotated[int, Field(ge=0, le=12)]
    max_purchase_months: Annotated[int, Field(ge=0, le=12)]

    @model_validator(mode="after")
    def _range(self) -> Self:
        if self.min_purchase_months > self.max_purchase_months:
            raise ValueError("min_purchase_months must not exceed max_purchase_months")
        return self


class BCriteria(_Strict):
    mortgage_clean: MortgageClean
    advanced_degree: AdvancedDegree
    high_income: HighIncome
    professional_occupation: ProfessionalOccupation
    soe_informal_staff: SoeInformalStaff
    engaged_irregular: EngagedIrregular


class TierRules(_Strict):
    order: list[Tier] = Field(default_factory=lambda: list(TIERS))
    rules: list[TierRuleId] = Field(default_factory=lambda: list(TIER_RULES))
    a: TierA
    b_criteria: BCriteria

    @model_validator(mode="after")
    def _rules(self) -> Self:
        _total_order("order", list(self.order), TIERS)
        _unique("rules", list(self.rules))
        if not self.rules or self.rules[0] != "grade_c":
            raise FieldProblem("rules", "must start with grade_c: risk first, grade C "
                               "always gives tier D")
        rules = list(self.rules)
        if ("b_criteria" in rules and "stable_relationship" in rules
                and rules.index("b_criteria") < rules.index("stable_relationship")
                and self.b_criteria.high_income.min_income <= self.a.min_income):
            raise FieldProblem("rules", "b_criteria comes before stable_relationship and "
                               "every A customer meets high_income: tier A would be unreachable")
        return self


class Hysteresis(_Strict):
    a_cool_off_days: Annotated[int, Field(ge=0, le=3650)]


class OverdueBucket(_Strict):
    min_days: Days
    severity: Severity


class AlertSeverities(_Strict):
    income_drop: Severity
    tier_downgraded: Severity
    tier_downgraded_to_d: Severity
    grade_downgraded: Severity
    grade_downgraded_to_c: Severity
    upgrade_candidate: Severity


class AlertRules(_Strict):
    overdue_buckets: Annotated[list[OverdueBucket], Field(min_length=1)]
    income_drop_ratio: Annotated[Decimal, Field(gt=0, lt=1, allow_inf_nan=False)]
    severities: AlertSeverities

    @model_validator(mode="after")
    def _ascending(self) -> Self:
        days = [b.min_days for b in self.overdue_buckets]
        if days != sorted(set(days)):
            raise ValueError("overdue_buckets must have strictly ascending min_days")
        return self


class Policy(_Strict):
    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{1,64}$")]
    description: str = ""
    windows: Windows
    grade: GradeRules
    tier: TierRules
    hysteresis: Hysteresis
    alerts: AlertRules
    currencies: dict[Annotated[str, Field(pattern=r"^[A-Z]{3}$")], Annotated[
        Decimal, Field(gt=0, allow_inf_nan=False)
    ]]

    @model_validator(mode="after")
    def _reachable_months(self) -> Self:
        # A window of N days touches at most N // 28 + 2 calendar months.
        most = self.windows.purchase_days // 28 + 2
        if self.tier.a.min_purchase_months > most:
            raise FieldProblem("tier.a.min_purchase_months", f"at most {most} months fit in "
                               f"windows.purchase_days ({self.windows.purchase_days} days); "
                               f"got {self.tier.a.min_purchase_months}: tier A unreachable")
        if self.tier.b_criteria.engaged_irregular.min_purchase_months > most:
            raise FieldProblem("tier.b_criteria.engaged_irregular.min_purchase_months",
                               f"at most {most} months fit in windows.purchase_days")
        return self

    @model_validator(mode="after")
    def _cny_is_base(self) -> Self:
        if self.currencies.get("CNY") != Decimal(1):
            raise FieldProblem("currencies.CNY", "must be present with rate 1 (thresholds "
                               "are in CNY)")
        return self

    # The version is stamped on every output: hashing the whole policy per event cost
    # ~5% of the worker's time, so it is computed once per instance (the model is frozen).
    _version: str = PrivateAttr(default="")

    def model_post_init(self, context: Any, /) -> None:
        self._version = self._hash_version()

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        copied = super().model_copy(update=update, deep=deep)
        if update:
            copied._version = copied._hash_version()
        return copied

    @property
    def version(self) -> str:
        """`name@hash`: the hash covers the normalized content, not the file's layout."""
        return self._version or self._hash_version()

    def _hash_version(self) -> str:
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return f"{self.name}@{hashlib.sha256(canonical.encode()).hexdigest()[:12]}"
