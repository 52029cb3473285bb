"""Building reason codes: a stable `code`, an English `message`, and the deciding values."""

from __future__ import annotations

from decimal import Decimal

from schemas.outputs import Reason, ReasonValue


def reason(code: str, message: str, **values: ReasonValue) -> Reason:
    return Reason.model_validate({"code": code, "message": message, **values})


def money(amount: Decimal) -> str:
    """A CNY amount as a plain decimal string (no exponent, trailing zeros trimmed)."""
    normalized = amount.normalize()
    if normalized == normalized.to_integral_value():
        return str(normalized.quantize(Decimal(1)))
    return format(normalized, "f")
