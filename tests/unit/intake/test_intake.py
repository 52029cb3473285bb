"""Input validation (`tierstream.intake.decode`): every dead-letter reason, at its boundary."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from schemas.vocabulary import DEAD_LETTER_REASONS as REJECTION_REASONS
from tests.unit.builders import changed
from tierstream.core.events import LoanOverdue, SalaryChanged
from tierstream.intake import Rejection, decode

LIMIT = 65_536
KEY = b"C0042"

SALARY: dict[str, Any] = {
    "event_id": "e-000123",
    "customer_id": "C0042",
    "type": "salary.changed",
    "occurred_at": "2026-03-01T09:30:00+08:00",
    "schema_version": 1,
    "data": {"monthly_income": 18000, "currency": "CNY"},
}

OVERDUE: dict[str, Any] = {
    "event_id": "e-000124",
    "customer_id": "C0042",
    "type": "loan.overdue",
    "occurred_at": "2026-03-01T09:30:00Z",
    "data": {
        "loan_id": "L-1",
        "installment": 3,
        "due_date": "2026-02-01",
        "days_past_due": 28,
        "amount_overdue": "1250.50",
    },
}


def encode(doc: Any) -> bytes:
    return json.dumps(doc).encode("utf-8")




def rejected(value: bytes | None, key: bytes | None = KEY, limit: int = LIMIT) -> Rejection:
    result = decode(key, value, limit)
    assert isinstance(result, Rejection), f"expected a rejection, got {result!r}"
    assert result.reason in REJECTION_REASONS
    return result


def test_valid_event_is_accepted() -> None:
    event = decode(KEY, encode(SALARY), LIMIT)
    assert isinstance(event, SalaryChanged)
    assert event.data.monthly_income == Decimal(18000)
    assert event.occurred_at.utcoffset() is not None


def test_valid_event_without_a_key_is_accepted() -> None:
    assert isinstance(decode(None, encode(OVERDUE), LIMIT), LoanOverdue)


def test_money_with_many_decimals_stays_exact() -> None:
    raw = encode(SALARY).replace(b"18000", b"18000.123456789012345678901234567")
    event = decode(KEY, raw, LIMIT)
    assert isinstance(event, SalaryChanged)
    assert isinstance(event.data.monthly_income, Decimal)
    assert event.data.monthly_income == Decimal("18000.123456789012345678901234567")


def test_money_as_decimal_string_is_accepted() -> None:
    event = decode(KEY, encode(OVERDUE), LIMIT)
    assert isinstance(event, LoanOverdue)
    assert event.data.amount_overdue == Decimal("1250.50")


@pytest.mark.parametrize("value", [None, b""])
def test_empty_value(value: bytes | None) -> None:
    assert rejected(value).reason == "empty_value"


@pytest.mark.parametrize("value", [b"{not json", b"\xff\xfe\x00", b'{"a": 1} trailing', b"NaN"])
def test_not_json(value: bytes) -> None:
    assert rejected(value).reason == "not_json"


def test_bare_nan_token_is_not_json() -> None:
    raw = encode(SALARY).replace(b"18000", b"NaN")
    assert rejected(raw).reason == "not_json"


@pytest.mark.parametrize("value", [b"[1, 2]", b'"text"', b"42", b"null"])
def test_not_an_object(value: bytes) -> None:
    assert rejected(value).reason == "not_an_object"


def test_unknown_type() -> None:
    result = rejected(encode(changed(SALARY, "type", "salary.guessed")))
    assert result.reason == "unknown_type"
    assert "salary.changed" in result.detail  # names the accepted types


@pytest.mark.parametrize(
    ("doc", "path"),
    [
        (SALARY, "type"),
        (SALARY, "event_id"),
        (SALARY, "customer_id"),
        (SALARY, "occurred_at"),
        (SALARY, "data"),
        (SALARY, "data.monthly_income"),
        (OVERDUE, "data.due_date"),
    ],
)
def test_missing_field(doc: dict[str, Any], path: str) -> None:
    result = rejected(encode(changed(doc, path, ...)))
    assert result.reason == "missing_field"
    assert result.detail.startswith(path)


@pytest.mark.parametrize(
    ("doc", "path", "value"),
    [
        (OVERDUE, "data.installment", "third"),
        (OVERDUE, "data.installment", 0),
        (OVERDUE, "data.days_past_due", 0),
        (OVERDUE, "data.due_date", "01/02/2026"),
        (SALARY, "data.monthly_income", True),
        (SALARY, "data.monthly_income", [18000]),
        (SALARY, "data.currency", "yuan"),
        (SALARY, "occurred_at", "yesterday"),
        (SALARY, "customer_id", 42),
        (SALARY, "schema_version", 2),
        (SALARY, "data", "18000"),
    ],
)
def test_wrong_field_type_or_value(doc: dict[str, Any], path: str, value: Any) -> None:
    result = rejected(encode(changed(doc, path, value)), key=None)
    assert result.reason == "invalid_field"
    assert result.detail.startswith(path)


@pytest.mark.parametrize(
    ("doc", "path", "value"),
    [
        (SALARY, "data.monthly_income", -1),
        (SALARY, "data.monthly_income", "-0.01"),
        (OVERDUE, "data.amount_overdue", "-1250.50"),
    ],
)
def test_negative_amount(doc: dict[str, Any], path: str, value: Any) -> None:
    result = rejected(encode(changed(doc, path, value)))
    assert result.reason == "negative_amount"
    assert result.detail.startswith(path)


def test_zero_income_is_accepted() -> None:
    assert isinstance(decode(KEY, encode(changed(SALARY, "data.monthly_income", 0)), LIMIT),
                      SalaryChanged)


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "inf", "sNaN"])
def test_non_finite_amount(value: str) -> None:
    result = rejected(encode(changed(SALARY, "data.monthly_income", value)))
    assert result.reason == "non_finite_amount"
    assert result.detail.startswith("data.monthly_income")


@pytest.mark.parametrize(
    ("path", "value"),
    [("occurred_at", "2026-03-01T09:30:00"), ("occurred_at", "2026-03-01")],
)
def test_naive_timestamp(path: str, value: str) -> None:
    result = rejected(encode(changed(SALARY, path, value)))
    assert result.reason == "naive_timestamp"
    assert result.detail.startswith(path)


def test_naive_override_expiry_is_a_naive_timestamp() -> None:
    doc = {
        **SALARY,
        "type": "tier.override",
        "data": {"tier": "B", "reason": "r", "approved_by": "RM-1",
                 "expires_at": "2026-04-01T00:00:00"},
    }
    assert rejected(encode(doc)).reason == "naive_timestamp"


def test_size_limit_boundary() -> None:
    base = encode(SALARY)
    limit = len(base) + 10
    padded = base[:-1] + b" " * 10 + b"}"  # whitespace is still valid JSON
    assert len(padded) == limit
    assert isinstance(decode(KEY, padded, limit), SalaryChanged)
    result = rejected(base[:-1] + b" " * 11 + b"}", limit=limit)
    assert result.reason == "too_large"
    assert str(limit) in result.detail


@pytest.mark.parametrize("key", [b"C0043", b"c0042", b"\xff\xfe"])
def test_key_body_mismatch(key: bytes) -> None:
    assert rejected(encode(SALARY), key=key).reason == "key_mismatch"


def test_every_reason_code_is_machine_readable() -> None:
    for reason in REJECTION_REASONS:
        assert reason == reason.lower()
        assert " " not in reason
