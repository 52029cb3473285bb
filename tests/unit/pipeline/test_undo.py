"""A bug while deciding one record dead-letters that record and leaves no trace of it.

`apply(copy=False)` changes the working state in place; these tests make it raise
after it has changed everything (the worst half-way point) and check the customer's
state is exactly what it would be without the failing record, whether the states
come from the worker's table (JSON bytes) or the replay's objects.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from tierstream.core.engine import Decision
from tierstream.core.engine import apply as real_apply
from tierstream.core.state import CustomerState
from tierstream.pipeline import Decided, ObjectStates, Pipeline, StateSource, StoredStates
from tierstream.pipeline import pipeline as pipeline_module

from .records import NOW, PARTITIONS, POLICY, body, keyed, salary

PIPELINE = Pipeline(max_bytes=65536, partitions=PARTITIONS)
BOOM = "boom"


class Bug(Exception):
    pass


def apply_then_fail(state: CustomerState | None, event: Any, policy: Any, now: datetime,
                    *, copy: bool = True, latest: bool = True) -> Decision:
    """The real apply, which then raises for the event named BOOM: all of it is in the
    working state by then."""
    decision = real_apply(state, event, policy, now, copy=copy, latest=latest)
    if event.event_id == BOOM:
        raise Bug("half-way")
    return decision


def records(with_boom: bool) -> list[Any]:
    stream = [
        keyed(0, "C1", salary("a", "C1", 5000, at="2026-01-01T09:00:00Z")),
        keyed(1, "C2", salary("b", "C2", 9000, at="2026-01-02T09:00:00Z")),
        keyed(2, "C1", body("c", "C1", "profile.updated", "2026-01-03T09:00:00Z",
                            education="doctorate")),
        keyed(3, "C1", salary(BOOM, "C1", 90000, at="2026-01-04T09:00:00Z")),
        keyed(4, "C1", body("d", "C1", "purchase.made", "2026-01-05T09:00:00Z",
                            product="fund", amount="100")),
    ]
    return stream if with_boom else [r for r in stream if r.offset != 3]


def table_source() -> tuple[StateSource, Callable[[Decided], None]]:
    table: dict[bytes, bytes] = {
        b"C1": real_apply(None, _event("z", "C1"), POLICY, NOW).state.to_json()}

    def store(decided: Decided) -> None:
        for cid, state in decided.states.items():
            table[cid.encode()] = state.to_json()
    return StoredStates(table), store


def object_source() -> tuple[StateSource, Callable[[Decided], None]]:
    states = ObjectStates()
    states.store({"C1": real_apply(None, _event("z", "C1"), POLICY, NOW).state})
    return states, lambda decided: states.store(decided.states)


def _event(eid: str, cid: str) -> Any:
    from tierstream.intake import decode
    return decode(None, salary(eid, cid, 4000, at="2025-12-31T09:00:00Z"), 65536)


@pytest.mark.parametrize("source", [table_source, object_source], ids=["table", "objects"])
def test_a_failing_record_is_dead_lettered_and_leaves_no_trace(
    source: Callable[[], tuple[StateSource, Callable[[Decided], None]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clean_states, _ = source()
    clean = PIPELINE.run(records(with_boom=False), clean_states, POLICY, NOW)

    monkeypatch.setattr(pipeline_module, "apply", apply_then_fail)
    states, store = source()
    decided = PIPELINE.run(records(with_boom=True), states, POLICY, NOW)
    store(decided)

    failed = decided.outcomes[3]
    assert failed.rejected is not None
    assert (failed.rejected.reason, failed.rejected.detail) == ("processing_error", "Bug")
    assert failed.customer_id == "C1"
    assert [s.role for s in decided.sends].count("dead_letter") == 1
    assert decided.outcomes[4].applied == "purchase.made"  # the stream goes on
    assert {c: s.to_json() for c, s in decided.states.items()} == {
        c: s.to_json() for c, s in clean.states.items()}
    assert [s.value for s in decided.sends if s.role != "dead_letter"] == [
        s.value for s in clean.sends]
    assert states.get("C1") is not None


def test_a_failing_first_event_of_a_new_customer_leaves_no_customer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pipeline_module, "apply", apply_then_fail)
    decided = PIPELINE.run([keyed(0, "C9", salary(BOOM, "C9", 5000))], StoredStates({}),
                           POLICY, NOW)
    assert decided.outcomes[0].rejected is not None
    assert not decided.states


def test_a_batch_never_changes_the_replay_s_objects_in_place() -> None:
    """The objects are the state as at the start of the batch until `store`, which is
    what undoing relies on; the first event of each customer works on a copy."""
    states, _ = object_source()
    before = states.get("C1")
    assert before is not None
    stored = before.to_json()
    decided = PIPELINE.run(records(with_boom=True), states, POLICY, NOW)
    assert before.to_json() == stored
    assert decided.states["C1"] is not before
