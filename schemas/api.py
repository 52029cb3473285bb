"""Responses of the workers' HTTP query API (`GET /customers/{id}`, its `/history`,
`GET /tiers/summary`).

These models are the contract: `schemas/openapi.yaml` (and the worker's
`/openapi.json`) is generated from them by schemas/openapi.py, and tests check live
responses against that document.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, NonNegativeInt

from schemas.outputs import Reason, TierChange
from schemas.vocabulary import Grade, Tier


class _Response(BaseModel):
    # every field is always in the JSON, defaults included: the schema says so
    model_config = ConfigDict(extra="forbid", frozen=True,
                              json_schema_serialization_defaults_required=True)


class PendingUpgrade(_Response):
    """An upgrade to tier A that is cooling off (docs/domain.md "Default hysteresis")."""

    tier: Tier = "A"
    qualified_since: AwareDatetime
    effective_at: AwareDatetime = Field(
        description="When the upgrade takes effect if the customer still qualifies "
        "(event time: the first event at or after this instant)."
    )


class UpgradePath(_Response):
    """What would move the customer up: the next tier's missing conditions, by how much."""

    target: Tier | None = Field(description="The next tier up; null in the top tier.")
    steps: list[Reason] = Field(description="Missing conditions: code, message and the "
                                "deciding values (e.g. short_by).")


class ChallengerStanding(_Response):
    """The customer's standing under the challenger (shadow) policy (docs/policies.md)."""

    tier: Tier
    grade: Grade
    policy_version: str = Field(description="The challenger policy that decided it.")


class CustomerView(_Response):
    """A customer's current standing and why."""

    customer_id: str
    tier: Tier
    grade: Grade
    reasons: list[Reason]
    as_of: AwareDatetime = Field(description="Latest occurred_at seen for the customer.")
    policy_version: str
    pending_upgrade: PendingUpgrade | None
    upgrade_path: UpgradePath
    served_by: str = Field(description="URL of the worker that owns the customer's partition.")
    challenger: ChallengerStanding | None = Field(
        None, description="The standing under the challenger policy as of the customer's "
        "last decision; null when no challenger runs or it has not decided the customer.")


class StandingAsOf(_Response):
    """The tier and grade in force at an event time, with the reasons published when
    they were decided (`GET /customers/{id}?as_of=...`)."""

    customer_id: str
    as_of: AwareDatetime = Field(description="The event time asked about.")
    tier: Tier
    grade: Grade
    reasons: list[Reason] = Field(description="As published with the decision.")
    policy_version: str = Field(description="The policy that made the decision.")
    occurred_at: AwareDatetime = Field(
        description="occurred_at of the decision's cause event: in force from then on.")
    cause_event_id: str
    decided_at: AwareDatetime
    served_by: str = Field(description="URL of the worker that owns the customer's partition.")


class HistoryPage(_Response):
    """One page of a customer's published tier changes, in event-time order."""

    customer_id: str
    changes: list[TierChange] = Field(description="Each as published on the tier-change "
                                      "topic: previous and new standing, reasons, policy.")
    total: NonNegativeInt = Field(description="Changes in the asked time range.")
    next_offset: NonNegativeInt | None = Field(
        description="The `offset` of the next page; null on the last page.")
    kept_from: AwareDatetime | None = Field(
        description="occurred_at of the oldest change still kept, when older ones were "
        "dropped past the policy's retention horizon; null when the whole history is kept.")
    served_by: str = Field(description="URL of the worker that owns the customer's partition.")


class WorkerCount(_Response):
    url: str
    partitions: list[NonNegativeInt]
    customers: NonNegativeInt | None = Field(description="null when the worker did not answer.")
    source: Literal["gauges", "table"] | None = Field(
        description="Where the worker's counts came from: its incrementally kept tier and "
        "grade gauges, or a count over its table partitions; null when it did not answer."
    )


class TierSummary(_Response):
    """Customers per tier and per grade, over the partitions that were counted."""

    customers: NonNegativeInt
    tiers: dict[Tier, NonNegativeInt]
    grades: dict[Grade, NonNegativeInt]
    partitions_total: NonNegativeInt
    partitions_counted: NonNegativeInt
    complete: bool = Field(description="True when every partition of the table was counted.")
    workers: list[WorkerCount]


ErrorCode = Literal["bad_request", "unauthorized", "not_found", "unavailable",
                    "internal_error"]


class ApiError(_Response):
    """Every error answer: a machine-readable code and a readable detail."""

    error: ErrorCode
    detail: str


class LocalCounts(_Response):
    """One worker's counts over the partitions it owns (`?scope=local`, asked by peers)."""

    partitions: list[NonNegativeInt]
    tiers: dict[Tier, NonNegativeInt]
    grades: dict[Grade, NonNegativeInt]
    source: Literal["gauges", "table"]
