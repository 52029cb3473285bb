"""The challenger (shadow) policy's side of a batch: the same facts, its own hysteresis.

Each event the champion applies is decided again under the challenger: a copy of the
champion's state after the event (the facts), with the challenger's own decision
bookkeeping put over it (tier, grade, A qualification start, alerted overdue
buckets), goes through `engine.decide`. Only the bookkeeping is kept, per customer,
in its own table (`ShadowState`); the facts are never duplicated. The champion's
state and outputs are never touched, and a failure here is logged and skipped rather
than dead-lettering the record, so the champion publishes exactly what it would
without a challenger.

A customer the challenger has no bookkeeping for (the challenger started after the
customer's last event, or a different challenger version kept it) starts from the
champion's bookkeeping as it was just before the event: a cool-off the champion is
running carries over with its start date, as if the challenger had run all along
with the champion's decisions so far (docs/policies.md "Challenger (shadow) policies").
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import msgspec

from schemas.vocabulary import AlertType, Grade, Tier
from tierstream.core.engine import Decision, decide, encode_output
from tierstream.core.reevaluate import reevaluation_id
from tierstream.core.state import CustomerState, Salary
from tierstream.pipeline.records import Role, Send
from tierstream.policy import Policy

log = logging.getLogger(__name__)

ShadowSeen = tuple[Tier, Tier, tuple[AlertType, ...]]
"""What a metric needs of one challenger decision: the champion's tier, the
challenger's tier, and the types of the challenger's alerts."""
Shadowed = tuple[list[Send], ShadowSeen]
"""A challenger decision: its records to send, and what the metrics count of it."""


class ShadowState(msgspec.Struct, omit_defaults=True, forbid_unknown_fields=True):
    """The challenger's decision bookkeeping for one customer (not the facts)."""

    policy_version: str  # the challenger that kept it: another challenger starts afresh
    tier: Tier | None = None
    grade: Grade | None = None
    a_qualified_since: datetime | None = None
    alerted: dict[str, int] = {}  # installment key -> highest overdue bucket alerted

    @classmethod
    def of(cls, state: CustomerState, version: str) -> ShadowState:
        return cls(version, state.tier, state.grade, state.a_qualified_since,
                   {k: i.alerted_bucket for k, i in state.installments.items()
                    if i.alerted_bucket})

    def over(self, facts: CustomerState) -> CustomerState:
        """A copy of `facts` carrying this bookkeeping instead of the facts' own."""
        work = facts.deep_copy()
        work.tier, work.grade, work.a_qualified_since = (
            self.tier, self.grade, self.a_qualified_since)
        alerted = self.alerted
        for key, inst in work.installments.items():
            bucket = alerted.get(key, 0)
            if inst.alerted_bucket != bucket:
                work.own_installment(key).alerted_bucket = bucket
        return work

    def to_json(self) -> bytes:
        return _ENCODER.encode(self)

    @classmethod
    def from_json(cls, stored: bytes) -> ShadowState:
        return _DECODER.decode(stored)


@dataclass(frozen=True)
class Challenger:
    """A challenger policy and where its bookkeeping is stored (customer-id bytes ->
    `ShadowState` JSON: the worker's challenger table, or a dict)."""

    policy: Policy
    stored: Mapping[bytes, bytes]


@dataclass(frozen=True)
class Prior:
    """What the challenger needs of a customer's state from before the event."""

    shadow: ShadowState | None  # the champion's bookkeeping, when the challenger has none
    salary: Salary | None  # the current salary before the event (an income drop's base)


@dataclass
class Shadow:
    """The challenger's working bookkeeping for one batch, and what it decided."""

    challenger: Challenger
    encode: bool
    kept: dict[str, ShadowState | None] = field(default_factory=dict)
    decided: dict[str, bytes] = field(default_factory=dict)  # to store: one write each

    @property
    def version(self) -> str:
        return self.challenger.policy.version

    def _own(self, customer_id: str) -> ShadowState | None:
        if customer_id in self.kept:
            return self.kept[customer_id]
        stored = self.challenger.stored.get(customer_id.encode())
        shadow = ShadowState.from_json(stored) if stored is not None else None
        if shadow is not None and shadow.policy_version != self.version:
            shadow = None  # kept by an earlier challenger: this one starts afresh
        self.kept[customer_id] = shadow
        return shadow

    def prior(self, customer_id: str, state: CustomerState | None) -> Prior:
        """Call before the champion applies an event (it may change `state` in place)."""
        if state is None:  # a new customer (or one erased): no bookkeeping of any policy
            self.kept[customer_id] = None
            return Prior(None, None)
        salary = state.salaries[0] if state.salaries else None
        if self._own(customer_id) is not None:
            return Prior(None, salary)
        return Prior(ShadowState.of(state, self.version), salary)

    def after_event(
        self, customer_id: str, prior: Prior, champion: Decision, cause_id: str,
        occurred_at: datetime, now: datetime,
    ) -> Shadowed | None:
        """Decide the event under the challenger from the champion's facts after it."""
        try:
            facts = champion.state
            current = facts.salaries[0] if facts.salaries else None
            replaced: Decimal | None = None
            if prior.salary is not None and current is not None and current is not prior.salary:
                replaced = prior.salary.monthly_income_cny  # the event's salary replaced it
            return self._decide(customer_id, prior.shadow, facts, cause_id, occurred_at, now,
                                replaced, champion.note)
        except Exception:  # the champion's record must not fail for the shadow's sake
            log.exception("challenger %s failed on a customer's event; skipped", self.version)
            return None

    def after_reevaluation(
        self, customer_id: str, before: CustomerState, champion: Decision, now: datetime,
    ) -> Shadowed | None:
        """Decide a re-evaluation (the champion's timer or policy switch) under the
        challenger too, at the same event time."""
        try:
            own = self._own(customer_id)
            start = None if own is not None else ShadowState.of(before, self.version)
            at = champion.state.as_of
            assert at is not None
            return self._decide(customer_id, start, champion.state,
                                reevaluation_id(at, self.challenger.policy), at, now,
                                None, None)
        except Exception:
            log.exception("challenger %s failed on a re-evaluation; skipped", self.version)
            return None

    def _decide(
        self, customer_id: str, start: ShadowState | None, facts: CustomerState,
        cause_id: str, occurred_at: datetime, now: datetime, replaced: Decimal | None,
        note: str | None,
    ) -> Shadowed:
        own = self._own(customer_id)
        base = own if own is not None else start
        work = base.over(facts) if base is not None else _fresh(facts)
        decision = decide(work, cause_id, occurred_at, self.challenger.policy, now,
                          replaced, note)
        shadow = ShadowState.of(decision.state, self.version)
        self.kept[customer_id] = shadow
        self.decided[customer_id] = shadow.to_json()
        champion_tier, tier = facts.tier, decision.state.tier
        assert champion_tier is not None, "the champion decided first"
        assert tier is not None, "decide sets a tier"
        seen = (champion_tier, tier, tuple(a.type for a in decision.alerts))
        return self._sends(customer_id, decision), seen

    def _sends(self, customer_id: str, decision: Decision) -> list[Send]:
        if not self.encode:
            return []
        key = customer_id.encode()
        sends = []
        if decision.tier_change is not None:
            sends.append(Send("challenger_tier_change", key,
                              encode_output(decision.tier_change), None))
        role: Role = "challenger_alert"
        sends.extend(Send(role, key, encode_output(a), None) for a in decision.alerts)
        return sends


def _fresh(facts: CustomerState) -> CustomerState:
    """The facts with no bookkeeping at all: a customer's first event."""
    return ShadowState("").over(facts)


_ENCODER = msgspec.json.Encoder()
_DECODER = msgspec.json.Decoder(ShadowState)
