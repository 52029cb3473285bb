"""Outputs are built without re-validation and encoded without pydantic: they must still
be the contract's models, equal to validated ones, and `encode_output` must write the
bytes `model_dump_json()` writes, for every output of the synthetic streams and for
values the streams rarely hold (offsets, microseconds, escapes, nulls, booleans).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from pydantic import BaseModel

from schemas.outputs import Alert, LatestTier, Reason, Standing, TierChange
from tierstream.core.engine import Decision, Output, apply, encode_output, output_id
from tierstream.core.facts import EventRejected
from tierstream.core.outputs import alert, latest_tier, standing, tier_change
from tierstream.core.reasons import reason
from tierstream.core.state import CustomerState
from tierstream.demo.generator import generate
from tierstream.intake import Rejection, decode
from tierstream.policy import load_policy

NOW = datetime(2027, 1, 1, tzinfo=UTC)
ODD_TIMES = [
    datetime(2026, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=8))),
    datetime(2026, 3, 1, 9, 30, 0, 5, tzinfo=timezone(timedelta(hours=-3, minutes=-30))),
    datetime(2026, 3, 1, 9, 30, 0, 120000, tzinfo=UTC),
    datetime(2026, 3, 1, 9, 30, 1, 999999, tzinfo=timezone(timedelta(0))),
]
ODD_TEXT = ["C-\u00e9\u4e2d", "tab\there", 'q"uote\\', "nul\x00\x1f\x7f", "\u2028\U0001f600", ""]


def _decisions(customers: int, seed: int, invalid_ratio: float) -> list[Decision]:
    policy = load_policy()
    states: dict[str, CustomerState] = {}
    decisions = []
    for record in generate(customers, seed=seed, invalid_ratio=invalid_ratio):
        event = decode(record.key, record.value, 65536)
        if isinstance(event, Rejection):
            continue
        try:
            decision = apply(states.get(event.customer_id), event, policy, NOW, copy=False)
        except EventRejected:
            continue
        states[event.customer_id] = decision.state
        decisions.append(decision)
    return decisions


def _same_as_validated(out: BaseModel) -> None:
    validated = type(out).model_validate(out.model_dump())
    assert out == validated
    assert out.model_dump() == validated.model_dump()
    expected = validated.model_dump_json().encode()
    assert out.model_dump_json().encode() == expected
    assert encode_output(out) == expected  # type: ignore[arg-type]


def test_every_output_of_the_streams_is_the_contract_byte_for_byte() -> None:
    seen: set[type] = set()
    for decision in [*_decisions(300, 42, 0.02), *_decisions(200, 11, 0.05)]:
        for out in decision.outputs():
            _same_as_validated(out)
            seen.add(type(out))
        for r in decision.reasons:
            assert r == Reason.model_validate(r.model_dump())
    assert seen == {TierChange, Alert, LatestTier}


def test_odd_values_encode_as_pydantic_writes_them() -> None:
    values: dict[str, Any] = {"n": 12, "big": 10**17, "yes": True, "no": False, "none": None}
    outputs: list[Output] = []
    for when, text in zip(ODD_TIMES, ODD_TEXT, strict=False):
        reasons = [reason("c", text, **values, text=text), reason(text, "m")]
        outputs += [
            tier_change(text or "C1", None, standing("A", "AAA"), reasons, text, text, when,
                        when),
            tier_change("C1", standing("D", "C"), standing("B", "A"), [], "v", "e", when, NOW),
            alert("C1", "income.drop", "warning", "B", "AA", text, {**values, "t": text}, text,
                  "v", "e", when, when),
            alert("C1", "tier.downgraded", "high", "C", "B", "m", {}, "", "v", "e", when, NOW),
            latest_tier(text or "C1", "C", "B", reasons, text, when),
        ]
    for out in outputs:
        _same_as_validated(out)


def test_assembled_outputs_equal_the_validated_construction() -> None:
    reasons = [reason("grade_aa", "m", on_time_installments=6, threshold=6, window_days=730)]
    assert reasons[0] == Reason.model_validate(
        {"code": "grade_aa", "message": "m", "on_time_installments": 6, "threshold": 6,
         "window_days": 730})
    assert standing("B", "A") == Standing(tier="B", grade="A")
    assert latest_tier("C1", "B", "A", reasons, "v", NOW) == LatestTier(
        customer_id="C1", tier="B", grade="A", reasons=reasons, policy_version="v", as_of=NOW)
    built = tier_change("C1", None, standing("B", "A"), reasons, "v", "e", NOW, NOW)
    assert built == TierChange(
        event_id=output_id("C1", "e", "tier-change"), customer_id="C1", previous=None,
        current=Standing(tier="B", grade="A"), reasons=reasons, policy_version="v",
        cause_event_id="e", occurred_at=NOW, decided_at=NOW)
    assert built.model_fields_set == TierChange(**built.model_dump()).model_fields_set - {
        "schema_version"}


def test_output_ids_are_uuid5_of_the_cause() -> None:
    namespace = uuid.UUID("6f1c7f9e-3b0e-4a55-9a43-1d2d8c7e5a10")
    for customer, cause, what in [("C1", "e-1", "tier-change"), ("C\u00e9", "", "alert:x:"),
                                  ("R1-C000001", "reevaluation@2026-01-01T00:00:00+00:00#v",
                                   "alert:repayment.overdue:L-1#12"), ("\U0001f600", "\x00", "")]:
        expected = str(uuid.uuid5(namespace, f"{customer}\x1f{cause}\x1f{what}"))
        assert output_id(customer, cause, what) == expected
