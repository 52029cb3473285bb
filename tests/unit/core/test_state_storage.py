"""The stored state form: compact, yet it reads back as exactly the same state."""

from __future__ import annotations

from datetime import UTC, datetime

from tierstream.core.engine import apply
from tierstream.core.state import CustomerState
from tierstream.demo.generator import generate
from tierstream.intake import Rejection, decode
from tierstream.policy import load_policy

NOW = datetime(2027, 1, 1, tzinfo=UTC)


def _states(customers: int) -> list[CustomerState]:
    policy = load_policy()
    states: dict[bytes | None, CustomerState] = {}
    for record in generate(customers, seed=3):
        event = decode(record.key, record.value, 65536)
        assert not isinstance(event, Rejection)
        states[record.key] = apply(states.get(record.key), event, policy, NOW).state
    return list(states.values())


def test_stored_state_reads_back_equal_and_smaller_than_the_full_dump() -> None:
    states = _states(40)
    for state in states:
        stored = state.to_json()
        assert CustomerState.model_validate_json(stored) == state
        assert len(stored) <= len(state.model_dump_json())
    assert sum(len(s.to_json()) for s in states) < sum(len(s.model_dump_json()) for s in states)


def test_a_copy_is_equal_and_independent() -> None:
    state = _states(5)[0]
    copy = state.deep_copy()
    assert copy == state
    copy.seen_event_ids["x"] = NOW.date()
    copy.salaries.clear()
    assert "x" not in state.seen_event_ids
    assert state.salaries
