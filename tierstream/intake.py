"""Turning one raw input record into a validated event, or a dead-letter reason.

Pure (bytes in, result out) so every rejection rule is unit-tested without Kafka.
Reason codes are stable and machine-readable; the detail names the field path.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from schemas.events import CUSTOMER_EVENT, EVENT_TYPES, CustomerEvent
from schemas.vocabulary import DeadLetterReason

_AMOUNT_FIELDS = {
    "monthly_income", "principal", "amount_due", "amount_paid", "amount_overdue", "amount",
}


@dataclass(frozen=True)
class Rejection:
    reason: DeadLetterReason
    detail: str


def decode(key: bytes | None, value: bytes | None, max_bytes: int) -> CustomerEvent | Rejection:
    """Validate a record. A missing key is allowed here (the worker re-keys it)."""
    if not value:
        return Rejection("empty_value", "the record has no value")
    if len(value) > max_bytes:
        return Rejection("too_large", f"value is {len(value)} bytes; the limit is {max_bytes}")
    try:
        # Decimal for JSON numbers: money is never a float, not even while parsing.
        raw = json.loads(value, parse_float=Decimal, parse_constant=_no_constants)
    except (ValueError, RecursionError) as exc:  # RecursionError: pathological nesting
        return Rejection("not_json", f"not valid JSON: {str(exc)[:200]}")
    if not isinstance(raw, dict):
        return Rejection("not_an_object", "the value must be a JSON object")
    try:
        event = CUSTOMER_EVENT.validate_python(raw)
    except ValidationError as exc:
        return _classify(exc.errors(include_url=False)[0])
    if key is not None:
        try:
            key_text = key.decode("utf-8")
        except UnicodeDecodeError:
            return Rejection("key_mismatch", "the key is not UTF-8")
        if key_text != event.customer_id:
            return Rejection(
                "key_mismatch",
                f"key {key_text[:80]!r} differs from customer_id {event.customer_id!r}",
            )
    return event


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not a JSON value")


def _classify(err: ErrorDetails) -> Rejection:
    kind = err["type"]
    loc = [str(p) for p in err["loc"]]
    # Discriminated unions put the tag in the location: drop it from the path.
    if loc and loc[0] in EVENT_TYPES:
        loc = loc[1:]
    path = ".".join(loc) or "(value)"
    detail = f"{path}: {err['msg']}"
    if kind == "union_tag_invalid":
        return Rejection("unknown_type", f"type: must be one of {', '.join(EVENT_TYPES)}")
    if kind in ("missing", "union_tag_not_found"):
        field = "type" if kind == "union_tag_not_found" else path
        return Rejection("missing_field", f"{field}: field required")
    if kind == "timezone_aware":
        return Rejection("naive_timestamp", f"{path}: timestamps must carry a UTC offset")
    if kind == "finite_number":
        return Rejection("non_finite_amount", detail)
    if kind in ("greater_than", "greater_than_equal") and loc and loc[-1] in _AMOUNT_FIELDS:
        return Rejection("negative_amount", detail)
    return Rejection("invalid_field", detail)
