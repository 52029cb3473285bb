"""The synthetic demo stream: deterministic, ordered, complete, and it tells every story."""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from datetime import datetime
from functools import cache

import pytest
from pydantic import ValidationError

from schemas.events import CUSTOMER_EVENT, EVENT_TYPES
from tierstream.core.engine import apply
from tierstream.core.events import CustomerEvent, from_contract
from tierstream.core.state import CustomerState
from tierstream.demo.generator import (
    DEFAULT_START,
    FILE_INVALID_KINDS,
    Record,
    SyntheticStream,
    assign_personas,
    customer_id,
    generate,
    horizon,
)
from tierstream.demo.personas import PERSONAS
from tierstream.intake import Rejection, decode
from tierstream.policy import load_policy

MAX_BYTES = 65536


@cache
def records(customers: int, seed: int = 7, invalid_ratio: float = 0.0) -> tuple[Record, ...]:
    return tuple(generate(customers, seed=seed, invalid_ratio=invalid_ratio))


def valid_events(batch: tuple[Record, ...]) -> list[CustomerEvent]:
    events = []
    for record in batch:
        try:
            events.append(from_contract(CUSTOMER_EVENT.validate_python(json.loads(record.value))))
        except (ValueError, ValidationError):
            continue
    return events


def test_same_seed_gives_identical_bytes() -> None:
    first = list(generate(30, seed=11, invalid_ratio=0.05))
    second = list(generate(30, seed=11, invalid_ratio=0.05))
    assert first == second
    assert len(first) > 300


def test_different_seed_gives_a_different_stream() -> None:
    assert records(30, seed=1) != records(30, seed=2)


def test_a_customer_timeline_does_not_depend_on_the_number_of_customers() -> None:
    small = [r for r in records(20) if r.key == b"C000003"]
    large = [r for r in records(50) if r.key == b"C000003"]
    assert small == large
    assert small


def test_every_event_type_appears_for_50_customers() -> None:
    types = {event.type for event in valid_events(records(50))}
    assert types == set(EVENT_TYPES) - {"customer.erased"}  # the demo erases nobody


def test_every_persona_appears_in_a_small_demo() -> None:
    assert {p.name for p in assign_personas(20)} == {p.name for p in PERSONAS}


def test_values_are_the_wire_format() -> None:
    for record in records(50):
        raw = json.loads(record.value)
        assert set(raw) == {
            "event_id", "customer_id", "type", "occurred_at", "schema_version", "data",
        }
        assert raw["schema_version"] == 1
        assert raw["event_id"].startswith(f"e-{raw['customer_id']}-")
        assert datetime.fromisoformat(raw["occurred_at"]).utcoffset() is not None
        for name in ("amount", "amount_due", "amount_paid", "amount_overdue", "principal"):
            value = raw["data"].get(name)
            assert value is None or isinstance(value, int | str)  # never a float
        assert not isinstance(decode(record.key, record.value, MAX_BYTES), Rejection)


def test_default_policy_outcomes_cover_every_tier_and_alert() -> None:
    policy = load_policy()
    states: dict[str, CustomerState] = {}
    alerts: set[str] = set()
    for event in valid_events(records(50)):
        decision = apply(states.get(event.customer_id), event, policy, event.occurred_at)
        states[event.customer_id] = decision.state
        alerts.update(alert.type for alert in decision.alerts)
    assert len(states) == 50
    assert {state.tier for state in states.values()} == {"A", "B", "C", "D"}
    assert {"upgrade.candidate", "repayment.overdue", "income.drop", "tier.downgraded"} <= alerts


def test_personas_end_where_their_story_says_under_the_default_policy() -> None:
    policy = load_policy()
    states: dict[str, CustomerState] = {}
    for event in valid_events(records(50)):
        decision = apply(states.get(event.customer_id), event, policy, event.occurred_at)
        states[event.customer_id] = decision.state
    expected = {
        "rising_star": "A", "mortgage_holder": "B", "professional": "B", "soe_informal": "B",
        "engaged_irregular": "B", "ordinary": "C", "struggler": "D", "override": "C",
        "mortgage_payoff": "C", "late_payer": "C",
    }
    for number, persona in enumerate(assign_personas(50), start=1):
        tier = states[customer_id(number)].tier
        assert tier == expected.get(persona.name, tier), (number, persona.name)


def test_invalid_ratio_gives_about_that_share_of_rejected_records() -> None:
    batch = records(50, invalid_ratio=0.05)
    rejected = [r for r in batch if isinstance(decode(r.key, r.value, MAX_BYTES), Rejection)]
    assert 0.035 <= len(rejected) / len(batch) <= 0.065
    reasons = {
        result.reason
        for r in rejected
        if isinstance(result := decode(r.key, r.value, MAX_BYTES), Rejection)
    }
    assert reasons == {
        "not_json", "unknown_type", "negative_amount", "naive_timestamp", "key_mismatch",
    }
    # The valid records are exactly the clean stream, with the bad ones interleaved.
    accepted = [r for r in batch if not isinstance(decode(r.key, r.value, MAX_BYTES), Rejection)]
    assert tuple(accepted) == records(50)


def test_no_invalid_records_by_default() -> None:
    assert not any(isinstance(decode(r.key, r.value, MAX_BYTES), Rejection) for r in records(50))


def test_events_are_in_event_time_order_per_customer_and_overall() -> None:
    events = valid_events(records(50))
    times = [event.occurred_at for event in events]
    assert times == sorted(times)
    per_customer: dict[str, list[datetime]] = defaultdict(list)
    for event in events:
        per_customer[event.customer_id].append(event.occurred_at)
    assert all(ts == sorted(ts) for ts in per_customer.values())
    assert min(times) >= DEFAULT_START


def test_keys_match_the_customer_id() -> None:
    for record in records(50, invalid_ratio=0.05):
        result = decode(record.key, record.value, MAX_BYTES)
        if isinstance(result, Rejection):
            continue  # key_mismatch records are the deliberate exception
        assert record.key is not None
        assert record.key == result.customer_id.encode()
    assert all(r.key == json.loads(r.value)["customer_id"].encode() for r in records(50))


def test_event_ids_are_unique() -> None:
    ids = [json.loads(r.value)["event_id"] for r in records(50)]
    assert len(ids) == len(set(ids))


def test_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="UTC offset"):
        next(generate(1, start=datetime(2026, 1, 1)))
    with pytest.raises(ValueError, match="invalid_ratio"):
        next(generate(1, invalid_ratio=1.0))
    assert list(generate(0)) == []


def test_the_stream_knows_its_size_and_marks_its_invalid_records() -> None:
    built: list[int] = []
    stream = SyntheticStream(250, seed=5, invalid_ratio=0.2, progress=built.append)
    assert built == [100, 200, 250]
    listed = list(stream)
    assert listed == list(generate(250, seed=5, invalid_ratio=0.2))
    assert list(stream) == listed  # read again: the same records
    assert sum(r.valid for r in listed) == stream.events
    assert all(valid_events((r,)) for r in listed if r.valid)


def test_a_stream_for_a_file_never_depends_on_its_keys() -> None:
    stream = SyntheticStream(40, seed=2, invalid_ratio=0.3, invalid_kinds=FILE_INVALID_KINDS)
    for record in stream:
        try:
            body = json.loads(record.value)
        except ValueError:
            continue  # the cut-off records
        assert record.key == body["customer_id"].encode()
    with pytest.raises(ValueError, match="invalid_kinds"):
        SyntheticStream(1, invalid_kinds=["lost_in_the_mail"])


def test_a_horizon_keeps_the_same_first_records_without_building_the_rest() -> None:
    until = horizon(600, 500, sample=200)
    assert until is not None
    cut = list(itertools.islice(generate(600, until=until), 500))
    assert cut == list(itertools.islice(generate(600), 500))
    assert horizon(10, 10**6) is None  # the whole stream is needed
