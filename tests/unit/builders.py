"""Short builders for customer events, and a runner that applies them to the engine.

Every builder returns a validated `CustomerEvent` (through the same wire contract
upstream systems use) with a unique `event_id` unless one is given. Money may be
written as `int`, `str` or `Decimal`; it is sent as a decimal string, never a float.

Dates in tests are written relative to `T` (a fixed event-time "today") with
`days(n)` / `ago(n)`, so each test reads as "as of T, this happened n days back".
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from schemas.events import CUSTOMER_EVENT
from schemas.outputs import Alert
from schemas.vocabulary import Grade
from tierstream.core.engine import Decision, apply
from tierstream.core.events import CustomerEvent, from_contract
from tierstream.core.grade import compute_grade
from tierstream.core.state import CustomerState
from tierstream.core.tier import evaluate_tier
from tierstream.policy import DEFAULT_POLICY_FILE, Policy, load_policy, parse_policy

Money = int | str | Decimal

CID = "C0042"
T = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
"""Event-time "today" of most scenarios."""
NOW = datetime(2026, 12, 31, 0, 0, tzinfo=UTC)
"""The fixed decision (wall-clock) time passed to the engine."""

DEFAULT_POLICY: Policy = load_policy()

_ids = itertools.count(1)


def next_event_id() -> str:
    return f"evt-{next(_ids):06d}"


def days(n: float) -> timedelta:
    return timedelta(days=n)


def at(n: float) -> datetime:
    """The instant `n` days after T (negative: before T)."""
    return T + days(n)


def ago(n: int) -> date:
    """The calendar date `n` days before T's date."""
    return T.date() - timedelta(days=n)


def _money(amount: Money) -> str:
    return str(Decimal(amount)) if not isinstance(amount, str) else amount


def event(
    type_: str, cid: str, when: datetime, data: Mapping[str, Any], eid: str | None = None
) -> CustomerEvent:
    return from_contract(CUSTOMER_EVENT.validate_python(
        {
            "event_id": eid or next_event_id(),
            "customer_id": cid,
            "type": type_,
            "occurred_at": when.isoformat(),
            "schema_version": 1,
            "data": dict(data),
        }
    ))


def salary(
    cid: str, when: datetime, amount: Money, eid: str | None = None, currency: str = "CNY"
) -> CustomerEvent:
    return event(
        "salary.changed", cid, when, {"monthly_income": _money(amount), "currency": currency}, eid
    )


def profile(
    cid: str,
    when: datetime,
    *,
    education: str | None = None,
    occupation: str | None = None,
    employer_id: str | None = None,
    employment_type: str | None = None,
    eid: str | None = None,
) -> CustomerEvent:
    fields = {
        "education": education,
        "occupation": occupation,
        "employer_id": employer_id,
        "employment_type": employment_type,
    }
    return event(
        "profile.updated", cid, when, {k: v for k, v in fields.items() if v is not None}, eid
    )


def overdue(
    cid: str,
    when: datetime,
    due_date: date,
    days_past_due: int,
    *,
    loan_id: str = "L-CARD",
    installment: int = 1,
    amount: Money = 1000,
    eid: str | None = None,
) -> CustomerEvent:
    return event(
        "loan.overdue",
        cid,
        when,
        {
            "loan_id": loan_id,
            "installment": installment,
            "due_date": due_date.isoformat(),
            "days_past_due": days_past_due,
            "amount_overdue": _money(amount),
        },
        eid,
    )


def repayment(
    cid: str,
    when: datetime,
    due_date: date,
    paid_date: date,
    *,
    loan_id: str = "L-CARD",
    installment: int = 1,
    amount_due: Money = 1000,
    amount_paid: Money | None = None,
    eid: str | None = None,
) -> CustomerEvent:
    return event(
        "loan.repayment",
        cid,
        when,
        {
            "loan_id": loan_id,
            "installment": installment,
            "due_date": due_date.isoformat(),
            "paid_date": paid_date.isoformat(),
            "amount_due": _money(amount_due),
            "amount_paid": _money(amount_due if amount_paid is None else amount_paid),
        },
        eid,
    )


def paid_late(
    cid: str, due_date: date, late_days: int, *, loan_id: str = "L-OLD", installment: int = 1
) -> CustomerEvent:
    """A fully paid installment that was `late_days` past due: a closed episode."""
    paid = due_date + timedelta(days=late_days)
    when = datetime.combine(paid, datetime.min.time(), UTC) + timedelta(hours=12)
    return repayment(cid, when, due_date, paid, loan_id=loan_id, installment=installment)


def on_time(
    cid: str, count: int, *, last_due: date | None = None, loan_id: str = "L-HOME"
) -> list[CustomerEvent]:
    """`count` installments paid on their due date, 30 days apart, the last due `last_due`."""
    last = last_due or ago(5)
    events = []
    for i in range(count):
        due = last - timedelta(days=30 * (count - 1 - i))
        when = datetime.combine(due, datetime.min.time(), UTC) + timedelta(hours=10)
        events.append(repayment(cid, when, due, due, loan_id=loan_id, installment=i + 1))
    return events


def purchase(
    cid: str, when: datetime, product: str = "fund", amount: Money = 5000, eid: str | None = None
) -> CustomerEvent:
    return event("purchase.made", cid, when, {"product": product, "amount": _money(amount)}, eid)


def engagement(
    cid: str,
    when: datetime,
    outcome: str = "responded",
    channel: str = "phone",
    eid: str | None = None,
) -> CustomerEvent:
    return event("engagement.recorded", cid, when, {"channel": channel, "outcome": outcome}, eid)


def mortgage_opened(
    cid: str,
    when: datetime,
    loan_id: str = "M-1",
    principal: Money = 1_200_000,
    eid: str | None = None,
) -> CustomerEvent:
    return event(
        "mortgage.opened", cid, when, {"loan_id": loan_id, "principal": _money(principal)}, eid
    )


def mortgage_closed(
    cid: str, when: datetime, loan_id: str = "M-1", eid: str | None = None
) -> CustomerEvent:
    return event("mortgage.closed", cid, when, {"loan_id": loan_id}, eid)


def override(
    cid: str,
    when: datetime,
    tier: str | None,
    *,
    expires_at: datetime | None = None,
    reason: str = "relationship review",
    approved_by: str = "RM-0007",
    eid: str | None = None,
) -> CustomerEvent:
    data: dict[str, Any] = {"tier": tier, "reason": reason, "approved_by": approved_by}
    if expires_at is not None:
        data["expires_at"] = expires_at.isoformat()
    return event("tier.override", cid, when, data, eid)


def ping(cid: str, when: datetime) -> CustomerEvent:
    """An event that changes no tiering fact, only moves the customer's `as_of`."""
    return engagement(cid, when, outcome="ignored", channel="sms")


def run(
    events: Iterable[CustomerEvent],
    policy: Policy | None = None,
    state: CustomerState | None = None,
) -> list[Decision]:
    """Apply `events` in the given (arrival) order, from `state` or an empty customer."""
    pol = policy or DEFAULT_POLICY
    decisions = []
    for ev in events:
        decision = apply(state, ev, pol, NOW)
        state = decision.state
        decisions.append(decision)
    return decisions


def final(events: Iterable[CustomerEvent], policy: Policy | None = None) -> Decision:
    return run(events, policy)[-1]


def standing(decision: Decision) -> tuple[str, str]:
    """(tier, grade) the customer has after `decision`."""
    assert decision.latest is not None
    return decision.latest.tier, decision.latest.grade


def codes(decision: Decision) -> list[str]:
    return [r.code for r in decision.reasons]


def reason_values(decision: Decision, code: str) -> dict[str, Any]:
    """The reason with `code`, as a dict (the deciding values sit beside code and message)."""
    for r in decision.reasons:
        if r.code == code:
            return r.model_dump()
    raise AssertionError(f"no reason {code!r} in {codes(decision)}")


def alerts(decision: Decision, type_: str | None = None) -> list[Alert]:
    return [a for a in decision.alerts if type_ is None or a.type == type_]


def all_alerts(decisions: Iterable[Decision], type_: str | None = None) -> list[Alert]:
    return [a for d in decisions for a in alerts(d, type_)]


def rule_tier(state: CustomerState, policy: Policy | None = None) -> tuple[Grade, str]:
    """(grade, tier the rules give) before hysteresis and overrides: order-insensitive."""
    pol = policy or DEFAULT_POLICY
    grade, _ = compute_grade(state, pol)
    ev = evaluate_tier(state, grade, pol)
    return grade, "A" if ev.a_holds else ev.below_a


def raw_default_policy() -> dict[str, Any]:
    import yaml

    raw: dict[str, Any] = yaml.safe_load(DEFAULT_POLICY_FILE.read_text(encoding="utf-8"))
    return raw


def changed(doc: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of `doc` with `path` (dotted) set to `value`, or removed if value is `...`."""
    out = copy.deepcopy(doc)
    *parents, leaf = path.split(".")
    node = out
    for part in parents:
        node = node[part]
    if value is ...:
        del node[leaf]
    else:
        node[leaf] = value
    return out


def policy_with(path: str, value: Any) -> Policy:
    """The default policy with one value (dotted path) replaced."""
    return parse_policy(changed(raw_default_policy(), path, value), "test-policy")


def stable_relationship(
    cid: str, *, income: Money = 20_000, purchase_days_back: Iterable[int] = (10, 40, 70)
) -> list[CustomerEvent]:
    """A grade-AA customer buying in several months, whose salary (the last event, at T)
    is what makes the tier-A rule hold (purchases default to 3 distinct months)."""
    history = on_time(cid, 6)
    history += [purchase(cid, at(-n)) for n in purchase_days_back]
    history.append(salary(cid, T, income))
    return history
