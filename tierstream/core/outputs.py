"""The three output values of a decision (schemas/outputs.py), their ids and their bytes.

Outputs are instances of the contract models, assembled without re-validation
(`contract.py`): consumers read them as the contract. `encode_output` writes the
bytes `model_dump_json()` writes (field order, `Z` for UTC, offsets, microseconds,
nulls, reason values after `code` and `message`), without going through pydantic.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from hashlib import sha1
from typing import Any

import msgspec
from pydantic import BaseModel

from schemas.events import SCHEMA_VERSION
from schemas.outputs import Alert, LatestTier, Reason, ReasonValue, Standing, TierChange
from schemas.vocabulary import AlertType, Grade, Severity, Tier
from tierstream.core.contract import assemble, require_plain

Output = TierChange | Alert | LatestTier

# Output ids are uuid5 of (customer, cause event, what): a redelivered event yields the
# same ids, so downstream can drop repeats.
_ID_NAMESPACE = bytes.fromhex("6f1c7f9e3b0e4a559a431d2d8c7e5a10")


def output_id(customer_id: str, cause_event_id: str, what: str) -> str:
    """`str(uuid.uuid5(namespace, name))`, computed directly (RFC 4122, section 4.3)."""
    digest = bytearray(
        sha1(_ID_NAMESPACE + f"{customer_id}\x1f{cause_event_id}\x1f{what}".encode()).digest()
    )
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest[:16].hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


require_plain(Standing, TierChange, Alert, LatestTier)

_GIVEN_STANDING = frozenset(Standing.model_fields)
_GIVEN_CHANGE = frozenset(TierChange.model_fields) - {"schema_version"}
_GIVEN_ALERT = frozenset(Alert.model_fields) - {"schema_version"}
_GIVEN_LATEST = frozenset(LatestTier.model_fields) - {"schema_version"}


def standing(tier: Tier, grade: Grade) -> Standing:
    return assemble(Standing, {"tier": tier, "grade": grade}, _GIVEN_STANDING)


def _aware(decided_at: datetime) -> datetime:
    """The contract's timestamps carry an offset; the decision time is the caller's."""
    if decided_at.utcoffset() is None:
        raise ValueError(f"decided_at {decided_at.isoformat()} has no UTC offset")
    return decided_at


def tier_change(
    customer_id: str, previous: Standing | None, current: Standing, reasons: Sequence[Reason],
    policy_version: str, cause_event_id: str, occurred_at: datetime, decided_at: datetime,
) -> TierChange:
    return assemble(TierChange, {
        "event_id": output_id(customer_id, cause_event_id, "tier-change"),
        "customer_id": customer_id,
        "previous": previous,
        "current": current,
        "reasons": list(reasons),
        "policy_version": policy_version,
        "cause_event_id": cause_event_id,
        "occurred_at": occurred_at,
        "decided_at": _aware(decided_at),
        "schema_version": SCHEMA_VERSION,
    }, _GIVEN_CHANGE)


def alert(
    customer_id: str, type_: AlertType, severity: Severity, tier: Tier, grade: Grade,
    message: str, details: dict[str, ReasonValue], discriminator: str, policy_version: str,
    cause_event_id: str, occurred_at: datetime, decided_at: datetime,
) -> Alert:
    return assemble(Alert, {
        "alert_id": output_id(customer_id, cause_event_id, f"alert:{type_}:{discriminator}"),
        "customer_id": customer_id,
        "type": type_,
        "severity": severity,
        "tier": tier,
        "grade": grade,
        "message": message,
        "details": details,
        "policy_version": policy_version,
        "cause_event_id": cause_event_id,
        "occurred_at": occurred_at,
        "decided_at": _aware(decided_at),
        "schema_version": SCHEMA_VERSION,
    }, _GIVEN_ALERT)


def latest_tier(
    customer_id: str, tier: Tier, grade: Grade, reasons: Sequence[Reason],
    policy_version: str, as_of: datetime,
) -> LatestTier:
    return assemble(LatestTier, {
        "customer_id": customer_id,
        "tier": tier,
        "grade": grade,
        "reasons": list(reasons),
        "policy_version": policy_version,
        "as_of": as_of,
        "schema_version": SCHEMA_VERSION,
    }, _GIVEN_LATEST)


def _fields(model: Any) -> dict[str, Any] | msgspec.Raw:
    """A contract model as the JSON object pydantic writes: its fields in declaration
    order, then its extra values. Without extra values, pydantic's `__dict__` holds
    exactly the fields, in that order."""
    if type(model) is Reason:  # the most frequent
        return _reason_bytes(model)
    if isinstance(model, BaseModel):
        values, extra = model.__dict__, model.__pydantic_extra__
        if extra is None:
            return values
        out = {name: values[name] for name in type(model).__pydantic_fields__}
        out.update(extra)
        return out
    raise NotImplementedError(f"cannot encode {type(model).__name__}")


_REASON_BYTES: dict[int, tuple[Reason, msgspec.Raw]] = {}
_REASON_BYTES_SIZE = 4096  # about 1 KB each; most reasons recur (reasons.py remembers them)


def _reason_bytes(reason: Reason) -> msgspec.Raw:
    """A reason's JSON (code, message, then its values), remembered: most reasons are
    the same objects decision after decision, and are written in every latest tier.
    An entry keeps its reason alive, so its id stands for no other object meanwhile."""
    kept = _REASON_BYTES.get(id(reason))
    if kept is not None:
        return kept[1]
    values = reason.__dict__
    raw = msgspec.Raw(_encode({"code": values["code"], "message": values["message"],
                               **reason.__pydantic_extra__}))
    if len(_REASON_BYTES) >= _REASON_BYTES_SIZE:
        _REASON_BYTES.clear()
    _REASON_BYTES[id(reason)] = (reason, raw)
    return raw


_encode = msgspec.json.Encoder(enc_hook=_fields).encode


def encode_output(out: Output) -> bytes:
    """The record value of an output on its topic (the contract's JSON). An output
    without extra values is its `__dict__` (see `_fields`), encoded without a call
    back into Python for it."""
    return _encode(out.__dict__ if out.__pydantic_extra__ is None else out)
