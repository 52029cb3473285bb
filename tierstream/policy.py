"""The tiering policy: every threshold, list and window a bank may change, as validated data.

Loaded once from a YAML file (default: `policies/default.yaml`). A bad file fails at
start-up with `PolicyError`, naming the file, the field path and what was expected.
The version (`name@hash`) is stamped on every output so an auditor can tell which
rules decided it.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from schemas.events import Education
from schemas.outputs import Grade, Severity

DEFAULT_POLICY_FILE = Path(__file__).resolve().parent.parent / "policies" / "default.yaml"

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
            raise ValueError("recent_serious_days must not exceed episode_days")
        return self


class GradeAAA(_Strict):
    min_on_time_installments: Count
    min_income: Money


class GradeAA(_Strict):
    min_on_time_installments: Count


class GradeRules(_Strict):
    serious_days_past_due: Days
    default_days_past_due: Days
    c_serious_episodes: Count
    b_episodes: Count
    aaa: GradeAAA
    aa: GradeAA

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.serious_days_past_due >= self.default_days_past_due:
            raise ValueError("serious_days_past_due must be below default_days_past_due")
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
    a: TierA
    b_criteria: BCriteria


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
    def _cny_is_base(self) -> Self:
        if self.currencies.get("CNY") != Decimal(1):
            raise ValueError("currencies must include CNY at rate 1 (thresholds are in CNY)")
        return self

    @property
    def version(self) -> str:
        """`name@hash`: the hash covers the normalized content, not the file's layout."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return f"{self.name}@{hashlib.sha256(canonical.encode()).hexdigest()[:12]}"


class PolicyError(ValueError):
    """A policy file that cannot be used; the message names the file and the field."""


def parse_policy(raw: Any, source: str = "<policy>") -> Policy:
    try:
        return Policy.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            path = ".".join(str(p) for p in err["loc"]) or "(top level)"
            problems.append(f"  {path}: {err['msg']}")
        raise PolicyError(f"invalid policy {source}:\n" + "\n".join(problems)) from None


def load_policy(path: Path | str = DEFAULT_POLICY_FILE) -> Policy:
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PolicyError(f"cannot read policy {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise PolicyError(f"policy {path} is not valid YAML: {exc}") from None
    return parse_policy(raw, str(path))

