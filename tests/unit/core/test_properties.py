"""Properties of the pure core over random valid histories (hypothesis).

- applying any valid history never raises;
- the tier always follows the rules (grade C -> D, an active override pins it,
  otherwise the rule tier, or the tier below A while the A cool-off runs);
- facts, grade and rule tier do not depend on arrival order;
- the stored state stays within the retention horizon, however long the history;
- a state kept in memory between events decides as one read from storage does.
"""

from __future__ import annotations

from datetime import UTC, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.builders import CID, DEFAULT_POLICY, NOW, T, event, rule_tier, run
from tierstream.core.engine import Decision, apply, encode_output
from tierstream.core.events import CustomerEvent
from tierstream.core.facts import EventRejected
from tierstream.core.retention import SEEN_ID_SLACK_DAYS, horizon_days
from tierstream.core.state import CustomerState
from tierstream.core.tier import evaluate_tier

HORIZON = horizon_days(DEFAULT_POLICY)
LOANS = ["L-1", "L-2", "M-1"]

money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("200000"), places=2)
short_text = st.text(min_size=1, max_size=12).filter(lambda s: s.strip() != "")


def _data(type_: str, draw: Any, when_days: int) -> dict[str, Any]:
    """A valid payload of `type_` (dates near the event's own date)."""
    due = (T + timedelta(days=when_days - draw(st.integers(-40, 120)))).date()
    match type_:
        case "salary.changed":
            return {"monthly_income": str(draw(money)),
                    "currency": draw(st.sampled_from(["CNY", "USD", "HKD"]))}
        case "profile.updated":
            return {
                "education": draw(st.sampled_from(["bachelor", "master", "doctorate", None])),
                "occupation": draw(st.sampled_from(["Lawyer", "teacher", None])),
                "employer_id": draw(st.sampled_from(["SOE-ICBC", "X-1", None])),
                "employment_type": draw(st.sampled_from(["formal", "informal", None])),
            }
        case "mortgage.opened":
            return {"loan_id": draw(st.sampled_from(LOANS)), "principal": str(draw(money))}
        case "mortgage.closed":
            return {"loan_id": draw(st.sampled_from(LOANS))}
        case "loan.repayment":
            paid = due + timedelta(days=draw(st.integers(-5, 100)))
            amount = draw(money)
            return {"loan_id": draw(st.sampled_from(LOANS)),
                    "installment": draw(st.integers(1, 6)), "due_date": due.isoformat(),
                    "paid_date": paid.isoformat(), "amount_due": str(amount),
                    "amount_paid": str(amount * draw(st.sampled_from([0, 1, 2])) / 2)}
        case "loan.overdue":
            return {"loan_id": draw(st.sampled_from(LOANS)),
                    "installment": draw(st.integers(1, 6)), "due_date": due.isoformat(),
                    "days_past_due": draw(st.integers(1, 200)), "amount_overdue": "10.00"}
        case "purchase.made":
            return {"product": draw(short_text), "amount": str(draw(money))}
        case "engagement.recorded":
            return {"channel": "phone",
                    "outcome": draw(st.sampled_from(["responded", "ignored", "complained"]))}
        case _:
            expires = T + timedelta(days=when_days + draw(st.integers(-30, 60)))
            return {"tier": draw(st.sampled_from(["A", "B", "C", "D", None])),
                    "reason": draw(short_text), "approved_by": "RM-1",
                    "expires_at": draw(st.sampled_from([expires.isoformat(), None]))}


TYPES = ["salary.changed", "profile.updated", "mortgage.opened", "mortgage.closed",
         "loan.repayment", "loan.overdue", "purchase.made", "engagement.recorded",
         "tier.override"]


@st.composite
def histories(draw: Any, span_days: int = 600, max_size: int = 25) -> list[CustomerEvent]:
    """Valid events of one customer, in event-time order, spread over `span_days`."""
    count = draw(st.integers(1, max_size))
    offsets = sorted(draw(st.lists(st.integers(-span_days, 0), min_size=count,
                                   max_size=count)))
    out = []
    for n, day in enumerate(offsets):
        type_ = draw(st.sampled_from(TYPES))
        when = T + timedelta(days=day, minutes=draw(st.integers(0, 1439)))
        out.append(event(type_, CID, when, _data(type_, draw, day), eid=f"p-{n}"))
    return out


def assert_tier_follows_the_rules(state: CustomerState) -> None:
    assert state.grade is not None
    assert state.tier is not None
    assert state.as_of is not None
    ev = evaluate_tier(state, state.grade, DEFAULT_POLICY)
    override = state.override
    if ev.below_a == "D":
        assert state.tier == "D"
    elif override is not None and override.tier is not None and override.active_at(state.as_of):
        assert state.tier == override.tier
    elif ev.a_holds:
        assert state.tier in ("A", ev.below_a)  # A, or the tier below during the cool-off
    else:
        assert state.tier == ev.below_a


FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(histories())
def test_any_valid_history_applies_and_the_tier_follows_the_rules(
    history: list[CustomerEvent],
) -> None:
    decisions = run(history)
    assert all(d.outcome == "applied" for d in decisions)
    for d in decisions:
        assert_tier_follows_the_rules(d.state)


@FAST
@given(histories(), st.randoms(use_true_random=False))
def test_arrival_order_changes_no_fact(history: list[CustomerEvent], rnd: Any) -> None:
    expected = run(history)[-1].state
    shuffled = history[:]
    rnd.shuffle(shuffled)
    got = run(shuffled)[-1].state
    assert got.facts() == expected.facts()
    assert rule_tier(got) == rule_tier(expected)


@FAST
@given(histories(), st.data())
def test_replaying_a_history_changes_nothing(history: list[CustomerEvent], data: Any) -> None:
    """Redelivery after a crash: every repeated event is a duplicate, state unchanged."""
    state = run(history)[-1].state
    replay = data.draw(st.lists(st.sampled_from(history), min_size=1, max_size=10))
    again = run(replay, state=state)
    assert all(d.outcome == "duplicate" for d in again)
    assert again[-1].state == state


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories(span_days=20 * 365, max_size=60))
def test_state_stays_within_the_horizon_over_decades(history: list[CustomerEvent]) -> None:
    state = run(history)[-1].state
    assert state.as_of is not None
    oldest = state.as_of.date() - timedelta(days=HORIZON)
    assert all(day >= oldest - timedelta(days=SEEN_ID_SLACK_DAYS)
               for day in state.seen_event_ids.values())
    assert all(last >= oldest for last in state.purchase_months.values())
    for inst in state.installments.values():
        assert inst.paid_date is None or inst.paid_date >= oldest or inst.due_date >= oldest
    recent = [e for e in history if e.occurred_at.astimezone(UTC).date() >= oldest
              - timedelta(days=SEEN_ID_SLACK_DAYS + 1)]
    assert len(state.seen_event_ids) <= len(recent)


def _outcome(state: CustomerState | None, ev: CustomerEvent, copy: bool) -> Decision | str:
    """The decision, or the refusal's reason and detail."""
    try:
        return apply(state, ev, DEFAULT_POLICY, NOW, copy=copy)
    except EventRejected as refused:
        return f"{refused.reason}: {refused.detail}"


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories(span_days=6 * 365, max_size=80), st.randoms(use_true_random=False))
def test_a_state_kept_in_memory_decides_as_one_read_from_storage(
    history: list[CustomerEvent], rnd: Any,
) -> None:
    """A state kept between events, in place (`copy=False`) or copied (`copy=True`),
    carries derived data beside its fields (what retention may skip); it must decide as
    the state read back from its stored bytes does, with late and refused events."""
    late = {id(ev): n + rnd.uniform(0, rnd.choice([1, 8, len(history)]))
            for n, ev in enumerate(history)}
    history.sort(key=lambda ev: late[id(ev)])  # some events a little or a lot late
    kept: dict[bool, CustomerState | None] = {False: None, True: None}  # by `copy`
    stored: bytes | None = None
    for ev in history:
        expected = _outcome(CustomerState.from_json(stored) if stored else None, ev, False)
        if isinstance(expected, Decision):
            stored = expected.state.to_json()
        for copy, state in kept.items():
            before = state.to_json() if copy and state is not None else None
            got = _outcome(state, ev, copy)
            if before is not None:  # a copied state is left as it was, installments too
                assert state is not None
                assert state.to_json() == before
            if isinstance(expected, str):
                assert got == expected
                continue
            assert isinstance(got, Decision)
            assert got.state.to_json() == stored
            assert [encode_output(o) for o in got.outputs()] == [
                encode_output(o) for o in expected.outputs()]
            kept[copy] = got.state
