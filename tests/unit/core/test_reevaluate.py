"""Deciding again with time alone: cool-off completion, override expiry, ageing debts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.unit.builders import (
    CID,
    NOW,
    T,
    ago,
    at,
    overdue,
    override,
    run,
    salary,
    stable_relationship,
    standing,
)
from tierstream.core.reevaluate import next_due, reevaluate, reevaluation_id
from tierstream.policy import load_policy

POLICY = load_policy()


def test_cool_off_completes_by_reevaluation_without_a_new_event() -> None:
    state = run(stable_relationship(CID))[-1].state
    assert state.tier == "B"
    due = next_due(state, POLICY)
    assert due == T + timedelta(days=30)

    early = reevaluate(state, POLICY, due - timedelta(seconds=1), NOW)
    assert early.latest is not None
    assert early.latest.tier == "B"
    assert early.tier_change is None

    done = reevaluate(state, POLICY, due, NOW)
    assert done.tier_change is not None
    assert done.tier_change.previous is not None
    assert (done.tier_change.previous.tier, done.tier_change.current.tier) == ("B", "A")
    assert done.tier_change.cause_event_id == reevaluation_id(due, POLICY)
    assert done.state.as_of == due
    assert next_due(done.state, POLICY) is None  # nothing left to wait for


def test_reevaluation_ids_are_deterministic() -> None:
    state = run(stable_relationship(CID))[-1].state
    when = T + timedelta(days=31)
    first = reevaluate(state, POLICY, when, NOW)
    again = reevaluate(state, POLICY, when, NOW + timedelta(hours=1))
    assert first.tier_change is not None
    assert again.tier_change is not None
    assert first.tier_change.event_id == again.tier_change.event_id


def test_override_expiry_is_due_and_returns_the_rule_tier() -> None:
    expires = at(10)
    state = run([salary(CID, at(-1), 10_000), override(CID, T, "B", expires_at=expires)])[-1].state
    assert state.tier == "B"
    assert next_due(state, POLICY) == expires
    after = reevaluate(state, POLICY, expires, NOW)
    assert after.latest is not None
    assert after.latest.tier == "C"
    assert [a.type for a in after.alerts] == ["tier.downgraded"]


def test_unpaid_installment_ages_into_default_by_reevaluation() -> None:
    before = run([salary(CID, T, 16_000), overdue(CID, T, ago(5), 5)])[-1]
    assert standing(before) == ("B", "B")
    state = before.state
    due = next_due(state, POLICY)
    # Next bucket: 30 days past due, at midnight UTC of due_date + 30.
    assert due == datetime.combine(ago(5) + timedelta(days=30), datetime.min.time(), tzinfo=UTC)

    later = reevaluate(state, POLICY, T + timedelta(days=90), NOW)
    assert later.latest is not None
    assert (later.latest.tier, later.latest.grade) == ("D", "C")
    assert [(a.type, a.severity) for a in later.alerts if a.type == "repayment.overdue"] == [
        ("repayment.overdue", "critical")]


def test_nothing_due_for_a_settled_customer() -> None:
    state = run([salary(CID, T, 16_000)])[-1].state
    assert next_due(state, POLICY) is None


def test_reevaluation_never_moves_time_backwards() -> None:
    state = run([salary(CID, T, 16_000)])[-1].state
    decision = reevaluate(state, POLICY, T - timedelta(days=3), NOW)
    assert decision.state.as_of == T
