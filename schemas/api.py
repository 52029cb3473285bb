"""Responses of the workers' HTTP query API (`GET /customers/{id}`, `GET /tiers/summary`).

These models are the contract; `schemas/openapi.yaml` documents the same shapes for
HTTP clients, and tests check live responses against that document.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from schemas.outputs import Reason
from schemas.vocabulary import Grade, Tier


class _Response(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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


class WorkerCount(_Response):
    url: str
    partitions: list[int]
    customers: int | None = Field(description="null when the worker did not answer.")
    source: Literal["gauges", "table"] | None = Field(
        description="Where the worker's counts came from: its incrementally kept tier and "
        "grade gauges, or a count over its table partitions; null when it did not answer."
    )


class TierSummary(_Response):
    """Customers per tier and per grade, over the partitions that were counted."""

    customers: int
    tiers: dict[Tier, int]
    grades: dict[Grade, int]
    partitions_total: int
    partitions_counted: int
    complete: bool = Field(description="True when every partition of the table was counted.")
    workers: list[WorkerCount]


class ApiError(_Response):
    error: str = Field(description="Machine-readable code: not_found, bad_request, "
                       "unavailable, internal_error.")
    detail: str
