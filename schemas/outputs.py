"""Output values: the contracts downstream services consume.

`customer-tier-changes`, `customer-alerts`, `customer-tiers` (compacted) and
`customer-events-dlq`. Each model is serialized with `model_dump_json()`, and the
JSON Schema files in `schemas/json/` are generated from these classes.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from schemas.events import SCHEMA_VERSION
from schemas.vocabulary import AlertType, Grade, Severity, Tier

ReasonValue = str | int | bool | None


class Reason(BaseModel):
    """One reason code with a readable message and the values that decided it.

    The deciding values sit beside `code` and `message` (for example
    `{"code": "high_income", "message": "...", "income": "18000", "threshold": "15000"}`).
    """

    model_config = ConfigDict(extra="allow", frozen=True)
    __pydantic_extra__: dict[str, ReasonValue] = Field(init=False)

    code: str
    message: str


class Standing(BaseModel):
    model_config = ConfigDict(frozen=True)

    tier: Tier
    grade: Grade


class _Output(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TierChange(_Output):
    """A change of tier or grade (or a customer's first tier, with `previous` null)."""

    event_id: str = Field(description="Deterministic id derived from the cause event.")
    customer_id: str
    previous: Standing | None
    current: Standing
    reasons: list[Reason]
    policy_version: str
    cause_event_id: str
    occurred_at: AwareDatetime = Field(description="occurred_at of the cause event.")
    decided_at: AwareDatetime
    schema_version: Literal[1] = SCHEMA_VERSION


class Alert(_Output):
    """A risk or opportunity signal for a customer."""

    alert_id: str = Field(description="Deterministic id derived from the cause event.")
    customer_id: str
    type: AlertType
    severity: Severity
    tier: Tier
    grade: Grade
    message: str
    details: dict[str, ReasonValue]
    policy_version: str
    cause_event_id: str
    occurred_at: AwareDatetime
    decided_at: AwareDatetime
    schema_version: Literal[1] = SCHEMA_VERSION


class LatestTier(_Output):
    """The customer's latest standing; the value of the compacted `customer-tiers` topic."""

    customer_id: str
    tier: Tier
    grade: Grade
    reasons: list[Reason]
    policy_version: str
    as_of: AwareDatetime = Field(description="Latest occurred_at seen for the customer.")
    schema_version: Literal[1] = SCHEMA_VERSION


class SourceRecord(_Output):
    topic: str
    partition: int
    offset: int
    timestamp_ms: int | None
    key_base64: str | None = Field(description="The original key bytes, base64; null if none.")
    value_base64: str = Field(description="The original value bytes, base64.")


class DeadLetter(_Output):
    """A rejected input record, with the original bytes, where it came from and why."""

    reason: str = Field(description="Machine-readable reason code, e.g. not_json, key_mismatch.")
    detail: str = Field(description="Human-readable explanation (field path, expected value).")
    source: SourceRecord
    rejected_at: AwareDatetime
    schema_version: Literal[1] = SCHEMA_VERSION
