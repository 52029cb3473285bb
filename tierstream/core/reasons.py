"""Building reason codes: a stable `code`, an English `message`, and the deciding values."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from typing import ParamSpec, cast

from schemas.outputs import Reason, ReasonValue
from tierstream.core.contract import reason_model

P = ParamSpec("P")

_ONE = Decimal(1)
_MONEY_TEXT: dict[Decimal, str] = {}
_MONEY_TEXT_SIZE = 4096


def reason(code: str, message: str, **values: ReasonValue) -> Reason:
    """The values are the deciding values, already of the contract's types."""
    return reason_model(code, message, values)


def remembered(build: Callable[P, Reason]) -> Callable[P, Reason]:
    """Remember the reasons `build` made, by its arguments.

    A reason is an immutable value and its builder a pure function of the deciding
    values it is given, so a customer decided again with the same values (most events
    change no rule input) gets the same reason object back without formatting its
    message again. `typed`: 1 and True are different values in a reason. A reason
    takes about 1 KB: 1,024 per builder bound the memory."""
    return cast(Callable[P, Reason], lru_cache(maxsize=1024, typed=True)(build))


def money(amount: Decimal) -> str:
    """A CNY amount as a plain decimal string (no exponent, trailing zeros trimmed).

    Incomes repeat on every decision of a customer, so the text is remembered per
    value; zero is not, as equal zeros differ in sign ("-0")."""
    if not amount:
        return _money(amount)
    text = _MONEY_TEXT.get(amount)
    if text is None:
        text = _money(amount)
        if len(_MONEY_TEXT) >= _MONEY_TEXT_SIZE:
            _MONEY_TEXT.clear()
        _MONEY_TEXT[amount] = text
    return text


def _money(amount: Decimal) -> str:
    normalized = amount.normalize()
    if normalized == normalized.to_integral_value():
        return str(normalized.quantize(_ONE))
    return format(normalized, "f")
