"""The stored state form: compact, read back as exactly the same state, and byte for byte
the form the worker's table has always held.

Stored states outlive releases, so `to_json` must write what the state model wrote when
it was a pydantic model (`model_dump_json(exclude_defaults=True)`), and `from_json`
must read it. `_Legacy*` below is that model, kept here as the reference.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import msgspec
from pydantic import BaseModel, ConfigDict

from schemas.vocabulary import Grade, Tier
from tierstream.core.engine import apply
from tierstream.core.state import (
    CustomerState,
    Installment,
    Mortgage,
    Override,
    ProfileField,
    Salary,
    Stamp,
)
from tierstream.demo.generator import generate
from tierstream.intake import Rejection, decode
from tierstream.policy import load_policy

NOW = datetime(2027, 1, 1, tzinfo=UTC)


class _LegacyModel(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)


class _LegacyStamp(_LegacyModel):
    at: datetime
    event_id: str


class _LegacyProfileField(_LegacyModel):
    value: str | None
    stamp: _LegacyStamp


class _LegacySalary(_LegacyModel):
    monthly_income_cny: Decimal
    stamp: _LegacyStamp


class _LegacyMortgage(_LegacyModel):
    opened: _LegacyStamp | None = None
    closed: _LegacyStamp | None = None


class _LegacyInstallment(_LegacyModel):
    loan_id: str
    number: int
    due_date: date
    worst_reported_days_past_due: int = 0
    paid_date: date | None = None
    alerted_bucket: int = 0


class _LegacyOverride(_LegacyModel):
    tier: Tier | None
    reason: str
    approved_by: str
    expires_at: datetime | None
    stamp: _LegacyStamp


class _LegacyState(_LegacyModel):
    customer_id: str
    as_of: datetime | None = None
    seen_event_ids: dict[str, date] = {}
    education: _LegacyProfileField | None = None
    occupation: _LegacyProfileField | None = None
    employer_id: _LegacyProfileField | None = None
    employment_type: _LegacyProfileField | None = None
    salaries: list[_LegacySalary] = []
    mortgages: dict[str, _LegacyMortgage] = {}
    installments: dict[str, _LegacyInstallment] = {}
    purchase_months: dict[str, date] = {}
    last_response_at: datetime | None = None
    override: _LegacyOverride | None = None
    tier: Tier | None = None
    grade: Grade | None = None
    a_qualified_since: datetime | None = None

    def facts(self) -> dict[str, object]:
        dumped = self.model_dump(exclude={"tier", "grade", "a_qualified_since"})
        for inst in dumped["installments"].values():
            inst.pop("alerted_bucket")
        return dumped


def _every_field(value: Any) -> Any:
    """A state as nested plain values, every field included (independent of its JSON)."""
    if isinstance(value, msgspec.Struct):
        return {name: _every_field(getattr(value, name)) for name in value.__struct_fields__}
    if isinstance(value, dict):
        return {k: _every_field(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_every_field(v) for v in value]
    return value


def _legacy(state: CustomerState) -> _LegacyState:
    return _LegacyState.model_validate(_every_field(state))


def _states(customers: int, seed: int = 3, invalid_ratio: float = 0.0) -> list[CustomerState]:
    policy = load_policy()
    states: dict[bytes | None, CustomerState] = {}
    for record in generate(customers, seed=seed, invalid_ratio=invalid_ratio):
        event = decode(record.key, record.value, 65536)
        if isinstance(event, Rejection):
            continue
        states[record.key] = apply(states.get(record.key), event, policy, NOW).state
    return list(states.values())


def _odd_state() -> CustomerState:
    """Values the synthetic stream rarely writes: microseconds, offsets, exponents,
    nulls inside required fields, every default overridden."""
    at = datetime(2026, 3, 1, 1, 2, 3, 4050, tzinfo=UTC)
    stamp = Stamp(at, "e-\u00e9\u4e2d\"\\\n")
    return CustomerState(
        customer_id="C-odd",
        as_of=at,
        seen_event_ids={"e-1": date(2026, 2, 28), "e-2": date(2026, 3, 1)},
        education=ProfileField("master", stamp),
        occupation=ProfileField(None, stamp),
        employment_type=ProfileField("informal", stamp),
        salaries=(Salary(Decimal("1E+3"), stamp), Salary(Decimal("18000.5000"), stamp)),
        mortgages={"M-1": Mortgage(opened=stamp), "M-2": Mortgage(closed=stamp),
                   "M-3": Mortgage(stamp, stamp)},
        installments={"L#1": Installment("L", 1, date(2026, 1, 1), 12, date(2026, 1, 20), 2),
                      "L#2": Installment("L", 2, date(2026, 2, 1))},
        purchase_months={"2026-02": date(2026, 2, 27)},
        last_response_at=datetime(2026, 2, 1, tzinfo=timezone(timedelta(hours=8))),
        override=Override(None, "r", "RM", datetime(2026, 4, 1, 0, 0, 0, 1, tzinfo=UTC), stamp),
        tier="B",
        grade="AA",
        a_qualified_since=at,
    )


def test_stored_bytes_are_the_pydantic_models_bytes() -> None:
    for state in [*_states(300, seed=42, invalid_ratio=0.05), _odd_state(),
                  CustomerState(customer_id="C-new")]:
        legacy = _legacy(state)
        stored = legacy.model_dump_json(exclude_defaults=True).encode()
        assert state.to_json() == stored
        assert CustomerState.from_json(stored) == state
        full = legacy.model_dump_json().encode()  # defaults written out: read the same
        assert CustomerState.from_json(full) == state
        assert state.facts() == legacy.facts()


def test_stored_state_reads_back_equal_and_smaller_than_the_full_dump() -> None:
    states = _states(40)
    for state in states:
        stored = state.to_json()
        assert CustomerState.from_json(stored) == state
        assert len(stored) <= len(_legacy(state).model_dump_json())
    assert sum(len(s.to_json()) for s in states) < sum(
        len(_legacy(s).model_dump_json()) for s in states)


def _with_installments() -> CustomerState:
    return next(s for s in _states(20) if len(s.installments) > 1 and s.mortgages)


def _change_everything(state: CustomerState) -> None:
    """Change every container of `state` in place, the ways the core does."""
    state.own_seen_event_ids()["x"] = NOW.date()
    state.own_purchase_months()["1999-01"] = NOW.date()
    state.own_installments()["L-new#1"] = Installment("L-new", 1, NOW.date())
    for key in list(state.installments):
        state.own_installment(key).alerted_bucket += 1
    state.own_mortgage("M-new")
    for loan in list(state.mortgages):
        state.own_mortgage(loan).closed = None
    state.salaries = ()


def test_a_copy_is_equal_and_independent() -> None:
    state = _with_installments()
    before = state.to_json()
    copy = state.deep_copy()
    assert copy == state
    _change_everything(copy)
    assert state.to_json() == before
    assert copy.installments.keys() == state.installments.keys() | {"L-new#1"}
    assert all(copy.installments[k].alerted_bucket == i.alerted_bucket + 1
               for k, i in state.installments.items())


def test_the_original_changed_after_a_copy_leaves_the_copy_as_it_was() -> None:
    state = _with_installments()
    copy = state.deep_copy()
    before = copy.to_json()
    _change_everything(state)
    assert copy.to_json() == before
    assert "x" in state.seen_event_ids
    assert "M-new" in state.mortgages


def test_a_copy_of_a_copy_shares_nothing_it_changes() -> None:
    state = _with_installments()
    first = state.deep_copy()
    key = next(iter(state.installments))
    first.own_installment(key).worst_reported_days_past_due += 7
    second = first.deep_copy()
    second.own_installment(key).worst_reported_days_past_due += 1
    assert state.installments[key].worst_reported_days_past_due + 7 == (
        first.installments[key].worst_reported_days_past_due)
    assert first.installments[key].worst_reported_days_past_due + 1 == (
        second.installments[key].worst_reported_days_past_due)
