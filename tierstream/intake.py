"""Turning one raw input record into a validated event, or a dead-letter reason.

Pure (bytes in, result out) so every rejection rule is unit-tested without Kafka.
Reason codes are stable and machine-readable; the detail names the field path.

Two parsers, one answer. The contract is the pydantic model of schemas/events.py
over what the standard library's `json` reads (numbers as exact Decimals). On the hot
path msgspec decodes the bytes straight into the core's event structs
(tierstream/core/events.py), several times faster. Its result is used only when every
check the contract makes holds, and only for values shorter than any number the
standard library refuses for length, in valid UTF-8 throughout (msgspec does not
check the fields it skips), and without a second fraction of more than six digits
(msgspec rounds one, the contract truncates it). Anything else (a rejection,
odd bytes) is read again the contract's way, so the reason and detail are exactly the
contract's; a test holds the two paths equal over the fuzz corpus.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from decimal import Decimal

import msgspec
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from schemas.events import CUSTOMER_EVENT, EVENT_TYPES
from schemas.vocabulary import DeadLetterReason
from tierstream.core.events import MONEY_FIELDS, CustomerEvent, from_contract

_AMOUNT_FIELDS = {
    "monthly_income", "principal", "amount_due", "amount_paid", "amount_overdue", "amount",
}


@dataclass(frozen=True)
class Rejection:
    reason: DeadLetterReason
    detail: str


_FAST = msgspec.json.Decoder(CustomerEvent)
# The standard library refuses integers of more digits than this; a shorter value
# cannot hold one, so both parsers agree on it.
_FAST_MAX_BYTES = sys.get_int_max_str_digits() or 4300
_LONG_FRACTION = re.compile(rb"\.\d{7}")
_BELOW = Decimal(10) ** 18  # the contract's bound on every amount
_MAX_DIGITS = 38


def decode(key: bytes | None, value: bytes | None, max_bytes: int) -> CustomerEvent | Rejection:
    """Validate a record. A missing key is allowed here (the worker re-keys it)."""
    if not value:
        return Rejection("empty_value", "the record has no value")
    if len(value) > max_bytes:
        return Rejection("too_large", f"value is {len(value)} bytes; the limit is {max_bytes}")
    if (len(value) < _FAST_MAX_BYTES and _LONG_FRACTION.search(value) is None
            and _utf8(value)):
        try:
            event = _FAST.decode(value)
        except (msgspec.DecodeError, RecursionError):  # a ValidationError is a DecodeError
            pass
        else:
            if _amounts_valid(event):
                return _check_key(key, event)
    return decode_reference(key, value)


def _utf8(value: bytes) -> bool:
    """msgspec skips the fields it ignores without checking their bytes; the contract
    reads the whole value as UTF-8 text first."""
    if value.isascii():
        return True
    try:
        value.decode()
    except UnicodeDecodeError:
        return False
    return True


def _amounts_valid(event: CustomerEvent) -> bool:
    """Whether the event's amounts are within the contract: finite, above (or not
    below) zero, below 10^18, and of at most 38 digits however they are counted."""
    data = event.data
    fields = MONEY_FIELDS.get(type(data))
    if fields is None:
        return True
    for name, positive in fields:
        amount: Decimal = getattr(data, name)
        if not amount.is_finite() or amount >= _BELOW:
            return False
        if amount <= 0 if positive else amount < 0:
            return False
        _, digits, exponent = amount.as_tuple()
        if len(digits) + abs(int(exponent)) > _MAX_DIGITS:
            return False
    return True


def decode_reference(key: bytes | None, value: bytes) -> CustomerEvent | Rejection:
    """The contract itself: the standard library's JSON, then the pydantic models."""
    try:
        raw = json.loads(value, parse_float=Decimal, parse_constant=_no_constants)
    except (ValueError, RecursionError) as exc:  # RecursionError: pathological nesting
        return Rejection("not_json", f"not valid JSON: {str(exc)[:200]}")
    if not isinstance(raw, dict):
        return Rejection("not_an_object", "the value must be a JSON object")
    try:
        event = CUSTOMER_EVENT.validate_python(raw)
    except ValidationError as exc:
        return _classify(exc.errors(include_url=False)[0])
    return _check_key(key, from_contract(event))


def _check_key(key: bytes | None, event: CustomerEvent) -> CustomerEvent | Rejection:
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
