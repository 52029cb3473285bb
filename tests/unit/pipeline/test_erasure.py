"""`customer.erased` in the pipeline: the customer is forgotten, in input order.

What came before the request in a batch is erased with it, what comes after starts
a new customer; the latest tier gets a tombstone and the audit record names who
asked, whatever the customer had (or did not have) before.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from schemas.outputs import ErasureRecord
from tierstream.core.engine import Decision
from tierstream.core.engine import apply as real_apply
from tierstream.core.state import CustomerState
from tierstream.pipeline import Decided, ObjectStates, Pipeline, RawRecord, StoredStates
from tierstream.pipeline import pipeline as pipeline_module

from .records import NOW, PARTITIONS, POLICY, body, keyed, line, salary

WORKER = Pipeline(max_bytes=65536, partitions=PARTITIONS)
FILE = Pipeline(max_bytes=65536)


def erasure(eid: str, cid: str, at: str = "2026-03-02T09:00:00Z", **data: object) -> bytes:
    return body(eid, cid, "customer.erased", at,
                **({"requested_by": "dpo@bank.example", "request_id": "DSR-1"} | data))


def stored_after(*values: bytes) -> dict[bytes, bytes]:
    """A worker table holding the state the events give their customer."""
    table: dict[bytes, bytes] = {}
    decided = WORKER.run([keyed(i, "C1", v) for i, v in enumerate(values)],
                         StoredStates(table), POLICY, NOW)
    for cid, state in decided.states.items():
        table[cid.encode()] = state.to_json()
    return table


def audit(decided: Decided) -> ErasureRecord:
    [record] = [s for s in decided.sends if s.role == "erasure"]
    assert record.value is not None
    return ErasureRecord.model_validate_json(record.value)


def test_an_erasure_forgets_the_customer_and_says_so() -> None:
    table = stored_after(salary("a", "C1", 30_000))
    decided = WORKER.run([keyed(5, "C1", erasure("x", "C1"))], StoredStates(table), POLICY,
                         NOW)
    assert decided.erased == {"C1"}
    assert decided.states == {}
    assert decided.due() == {}
    assert [(s.role, s.key, s.value) for s in decided.sends if s.role == "latest"] == [
        ("latest", b"C1", None)]  # a tombstone for the compacted topic
    record = audit(decided)
    assert (record.event_id, record.customer_id, record.requested_by, record.request_id) == (
        "x", "C1", "dpo@bank.example", "DSR-1")
    assert record.policy_version == POLICY.version
    assert record.erased_at == NOW
    assert record.erased == ["state", "due", "history", "latest_tier"]
    assert "30000" not in decided.sends[-1].value.decode()  # type: ignore[union-attr]
    assert decided.outcomes[0].applied == "customer.erased"


def test_events_before_the_erasure_in_the_same_batch_are_erased_with_it() -> None:
    decided = WORKER.run([keyed(0, "C1", salary("a", "C1", 30_000)),
                          keyed(1, "C2", salary("b", "C2", 5_000)),
                          keyed(2, "C1", erasure("x", "C1"))],
                         StoredStates({}), POLICY, NOW)
    assert set(decided.states) == {"C2"}
    assert decided.erased == {"C1"}
    roles = [(s.role, s.key) for s in decided.sends]
    # what was published before the request stays published (append-only topics)
    assert roles == [("tier_change", b"C1"), ("latest", b"C1"),
                     ("tier_change", b"C2"), ("latest", b"C2"),
                     ("latest", b"C1"), ("erasure", b"C1")]


def test_an_event_after_the_erasure_starts_a_new_customer() -> None:
    table = stored_after(salary("a", "C1", 30_000), body(
        "p", "C1", "profile.updated", "2026-02-01T09:00:00Z", education="doctorate"))
    decided = WORKER.run([keyed(5, "C1", erasure("x", "C1")),
                          keyed(6, "C1", salary("a", "C1", 5_000, at="2026-03-03T09:00:00Z"))],
                         StoredStates(table), POLICY, NOW)
    assert decided.erased == {"C1"}
    state = decided.states["C1"]
    assert state.education is None  # nothing of the erased customer
    assert decided.outcomes[1].applied == "salary.changed"  # "a" is no duplicate any more
    [change] = [json.loads(s.value or b"") for s in decided.sends if s.role == "tier_change"]
    assert change["previous"] is None


def test_a_redelivered_erasure_sends_the_same_records_again() -> None:
    table = stored_after(salary("a", "C1", 30_000))
    request = keyed(5, "C1", erasure("x", "C1"))
    first = WORKER.run([request], StoredStates(table), POLICY, NOW)
    again = WORKER.run([request], StoredStates({}), POLICY, NOW)  # the customer is gone
    assert again.erased == {"C1"}
    assert [(s.role, s.key, s.value) for s in again.sends] == [
        (s.role, s.key, s.value) for s in first.sends]


def test_a_replay_ends_without_the_erased_customer() -> None:
    states = ObjectStates()
    first = FILE.run([line(1, salary("a", "C1", 30_000)), line(2, salary("b", "C2", 5_000))],
                     states, POLICY, NOW)
    states.store(first.states)
    decided = FILE.run([line(3, erasure("x", "C1"))], states, POLICY, NOW)
    assert decided.erased == {"C1"}
    assert decided.states == {}


@pytest.mark.parametrize("data", [{"requested_by": ""}, {"requested_by": "x" * 201},
                                  {"requested_by": None}])
def test_a_request_without_a_requester_is_a_dead_letter(data: dict[str, Any]) -> None:
    table = stored_after(salary("a", "C1", 30_000))
    decided = WORKER.run([keyed(5, "C1", erasure("x", "C1", **data))], StoredStates(table),
                         POLICY, NOW)
    assert decided.erased == set()
    assert [s.role for s in decided.sends] == ["dead_letter"]
    assert decided.outcomes[0].rejected is not None


def test_a_request_on_the_wrong_partition_is_forwarded_not_decided() -> None:
    wrong = (keyed(0, "C1", b"").partition or 0) + 1
    decided = WORKER.run([keyed(5, "C1", erasure("x", "C1"), partition=wrong % PARTITIONS)],
                         StoredStates({}), POLICY, NOW)
    assert decided.erased == set()
    assert [s.role for s in decided.sends] == ["forward"]


BOOM = "boom"


def apply_then_fail(state: CustomerState | None, event: Any, policy: Any, now: datetime,
                    *, copy: bool = True, latest: bool = True) -> Decision:
    decision = real_apply(state, event, policy, now, copy=copy, latest=latest)
    if event.event_id == BOOM:
        raise RuntimeError("half-way")
    return decision


@pytest.mark.parametrize("source", [lambda t: StoredStates(t), None], ids=["table", "objects"])
def test_a_failing_event_after_an_erasure_is_undone_to_the_new_customer(
    source: Callable[[dict[bytes, bytes]], StoredStates] | None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    table = stored_after(salary("a", "C1", 30_000))
    states: StoredStates | ObjectStates
    if source is not None:
        states = source(table)
    else:
        states = ObjectStates()
        states.store({"C1": CustomerState.from_json(table[b"C1"])})
    monkeypatch.setattr(pipeline_module, "apply", apply_then_fail)
    records: list[RawRecord] = [
        keyed(5, "C1", erasure("x", "C1")),
        keyed(6, "C1", body("p", "C1", "profile.updated", "2026-03-03T09:00:00Z",
                            education="master")),
        keyed(7, "C1", salary(BOOM, "C1", 90_000, at="2026-03-04T09:00:00Z"))]
    decided = WORKER.run(records, states, POLICY, NOW)
    assert decided.outcomes[2].rejected is not None
    state = decided.states["C1"]
    assert state.education is not None  # the new customer's profile, kept
    assert not state.salaries  # neither the erased salary nor the failed one
