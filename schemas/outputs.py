"""Output values: the contracts downstream services consume.

`customer-tier-changes`, `customer-alerts`, `customer-tiers` (compacted),
`customer-erasures` (the erasure audit) and `customer-events-dlq` (whose contract is
its headers: `DeadLetterHeaders`). Each value
model is serialized with `model_dump_json()`, and the JSON Schema files in
`schemas/json/` are generated from these classes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
)

from schemas.events import SCHEMA_VERSION
from schemas.vocabulary import AlertType, DeadLetterReason, Grade, Severity, Tier

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


Erased = Literal["state", "due", "history", "latest_tier"]


class ErasureRecord(_Output):
    """The audit record of an erased customer; the value of `customer-erasures`.

    Says who asked, when and under which policy, never what was known about the
    customer: it outlives the data it accounts for."""

    event_id: str = Field(description="event_id of the customer.erased request: the same "
                          "on a redelivery, so duplicates are recognisable.")
    customer_id: str
    requested_by: str
    request_id: str | None
    reason: str | None
    occurred_at: AwareDatetime = Field(description="occurred_at of the request.")
    erased_at: AwareDatetime = Field(description="When the worker erased the data.")
    policy_version: str
    erased: list[Erased] = Field(description="What was deleted (tombstones written).")
    schema_version: Literal[1] = SCHEMA_VERSION


DLQ_HEADER_PREFIX = "tierstream.dlq."
REDRIVEN_FROM_HEADER = "tierstream.redriven.from"
"""Header of a record `tierstream dlq redrive` sent back to the input topic: the
dead letter it came from, as `TOPIC/PARTITION/OFFSET`."""

_Count = Annotated[int, Field(ge=0), PlainSerializer(str, return_type=str),
                   WithJsonSchema({"type": "string", "pattern": "^[0-9]+$"})]
_Millis = Annotated[int | None, PlainSerializer(str, return_type=str),
                    WithJsonSchema({"type": "string", "pattern": "^-?[0-9]+$"})]



def _absent_when_none(schema: dict[str, Any]) -> None:
    schema.pop("default", None)  # no header at all, not a header saying "None"


class DeadLetterHeaders(BaseModel):
    """The headers of a dead-letter record: why and where from. Its key and value are
    the rejected record's own bytes, so Kafka tools show them as they were sent and
    `tierstream dlq redrive` can send them back unchanged. Header values are UTF-8
    strings (numbers in decimal); headers of other names are not ours and ignored."""

    model_config = ConfigDict(frozen=True, populate_by_name=True,
                              field_title_generator=lambda name, info: name)

    reason: DeadLetterReason = Field(
        alias=DLQ_HEADER_PREFIX + "reason",
        description="Machine-readable reason code, e.g. not_json, key_mismatch.")
    detail: str = Field(
        alias=DLQ_HEADER_PREFIX + "detail",
        description="Human-readable explanation (field path, expected value).")
    source_topic: str = Field(alias=DLQ_HEADER_PREFIX + "source.topic",
                              description="The topic the rejected record was read from.")
    source_partition: _Count = Field(alias=DLQ_HEADER_PREFIX + "source.partition",
                                     description="Its partition.")
    source_offset: _Count = Field(alias=DLQ_HEADER_PREFIX + "source.offset",
                                  description="Its offset.")
    source_timestamp_ms: _Millis = Field(
        None, alias=DLQ_HEADER_PREFIX + "source.timestamp_ms",
        description="Its Kafka timestamp, milliseconds since the epoch; absent if it had none.",
        json_schema_extra=_absent_when_none)
    rejected_at: AwareDatetime = Field(
        alias=DLQ_HEADER_PREFIX + "rejected_at",
        description="Wall-clock time of the rejection, ISO 8601 with offset.")
    schema_version: Literal["1"] = Field(
        "1", alias=DLQ_HEADER_PREFIX + "schema_version",
        description="Version of this header contract.")

    def to_headers(self) -> list[tuple[str, bytes]]:
        """Kafka record headers, in field order (an absent timestamp: no header)."""
        named = self.model_dump(mode="json", by_alias=True, exclude_none=True)
        # backslashreplace: a detail quoting a lone surrogate is still valid UTF-8
        return [(name, str(value).encode("utf-8", "backslashreplace"))
                for name, value in named.items()]

    @classmethod
    def from_headers(cls, headers: Iterable[tuple[str, bytes]]) -> DeadLetterHeaders:
        """Read them back from a record's headers; `ValidationError` if ours are missing
        or wrong (not a dead letter of this contract)."""
        ours = {name: value.decode("utf-8", "replace") for name, value in headers
                if name.startswith(DLQ_HEADER_PREFIX)}
        return cls.model_validate(ours)
