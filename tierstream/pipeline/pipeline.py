"""The one decision pipeline: raw records in; records to send, states to store and
per-record outcomes out. The worker and the offline replay both run it.

decode -> (forward | dead-letter | apply | re-evaluate) -> outputs, one batch at a time.
The caller publishes `Decided.sends` in order, then stores `Decided.states` (one write
per customer and batch), then counts `Decided.outcomes`. Pure: no Kafka, no faust, no
metrics and no clock (`now` comes with each batch, as does the policy, so a live policy
switch takes effect at the next batch).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from schemas.outputs import Reason
from tierstream.core.engine import Decision, apply, encode_output
from tierstream.core.events import CustomerErased
from tierstream.core.facts import EventRejected
from tierstream.core.reevaluate import reevaluate
from tierstream.core.state import CustomerState
from tierstream.intake import Rejection, decode
from tierstream.partitioning import default_partition
from tierstream.pipeline.challenger import Challenger, Shadow, Shadowed
from tierstream.pipeline.dead_letter import dead_letter
from tierstream.pipeline.decided import Decided
from tierstream.pipeline.erasure import erase
from tierstream.pipeline.outcome import AlertSeen, ChangeSeen, ForwardWhy, Outcome, StandingSeen
from tierstream.pipeline.records import RawRecord, Role, Send
from tierstream.pipeline.reevaluation_request import ReevaluationRequest
from tierstream.pipeline.states import StateSource
from tierstream.pipeline.working import Step, WorkingSet
from tierstream.policy import Policy

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Pipeline:
    """How records are read: the same for every batch of one consumer."""

    max_bytes: int
    partitions: int | None = None  # of the input topic, to forward a record to its home
    reevaluation_topic: str | None = None  # records from this topic are re-evaluation requests
    encode: bool = True  # build the output records (False: outcomes are all the caller needs)
    # False: no latest-tier record per decision; `Decided.latest_reasons` holds the reasons
    # of each customer's last decision instead, for a caller that keeps only the newest
    # latest tier of each customer and builds it once at the end (`latest_of`)
    encode_latest: bool = True

    def run(
        self, records: Iterable[RawRecord], states: StateSource, policy: Policy, now: datetime,
        challenger: Challenger | None = None,
    ) -> Decided:
        """`challenger`: a shadow policy deciding every applied event too (challenger.py);
        None leaves every output as it is without one."""
        batch = _Batch(self, WorkingSet(states), policy, now)
        if challenger is not None:
            batch.shadow = Shadow(challenger, self.encode)
        for record in records:
            batch.take(record)
        return batch.result()


class _Batch:
    """One run of the pipeline: the batch's working states and what it has decided."""

    def __init__(self, pipeline: Pipeline, work: WorkingSet, policy: Policy, now: datetime):
        self.p, self.work, self.policy, self.now = pipeline, work, policy, now
        self.sends: list[Send] = []
        self.outcomes: list[Outcome] = []
        self.stream_time: datetime | None = None
        self._customer: str | None = None  # whose working state the current record uses
        self._consumed: str | None = None
        self.shadow: Shadow | None = None  # the challenger's side of the batch, if any
        self.latest_reasons: dict[str, tuple[Reason, ...]] = {}  # see `encode_latest`

    def result(self) -> Decided:
        return Decided(self.sends, self.outcomes, self.work.decided, self.work.unchanged(),
                       self.stream_time, self.policy, self.work.erased,
                       self.shadow.decided if self.shadow is not None else {},
                       self.latest_reasons)

    def take(self, record: RawRecord) -> None:
        """Decide one record; a bug while deciding it dead-letters it and undoes it."""
        self._customer = self._consumed = None
        try:
            sends, outcome = self._decide(record)
        except Exception as exc:  # a bug must not stop the stream: park the record
            log.exception("processing failed at %s[%s]@%d",
                          record.topic, record.partition, record.offset)
            if self._customer is not None:
                self.work.undo(self._customer, self._redo)
            rejection = Rejection("processing_error", type(exc).__name__)
            sends = dead_letter(record, rejection, self.now)
            outcome = Outcome(record, self._customer, self._consumed, rejected=rejection)
        self.sends.extend(sends)
        self.outcomes.append(outcome)

    def _decide(self, record: RawRecord) -> tuple[list[Send], Outcome]:
        if record.topic == self.p.reevaluation_topic:
            return self._reevaluate(record)
        event = decode(record.key, record.value, self.p.max_bytes)
        if isinstance(event, Rejection):
            return (dead_letter(record, event, self.now),
                    Outcome(record, consumed="invalid", rejected=event))
        cid, kind = event.customer_id, event.type
        self._consumed = kind
        forward = self._forward(record, cid)
        if forward is not None:
            send, why = forward
            return [send], Outcome(record, cid, kind, forwarded=why)
        self._customer = cid
        if isinstance(event, CustomerErased):  # not a fact about the customer: erasure.py
            erased = erase(self.work, record, event, self.policy, self.now, self.p.encode)
            self.latest_reasons.pop(cid, None)
            return erased
        state, copy = self.work.get(cid), self.work.must_copy(cid)
        prior = self.shadow.prior(cid, state) if self.shadow is not None else None
        try:
            decision = apply(state, event, self.policy, self.now, copy=copy,
                             latest=self.p.encode_latest)
        except EventRejected as exc:  # refused before anything was changed
            rejection = Rejection(exc.reason, exc.detail)
            return (dead_letter(record, rejection, self.now),
                    Outcome(record, cid, kind, rejected=rejection))
        if decision.outcome == "duplicate":
            self.work.duplicate(cid)
            return [], Outcome(record, cid, kind, duplicate=True)
        sends = self._outputs(cid, decision)
        change, alerts, latest = _published(decision)
        outcome = Outcome(record, cid, kind, applied=kind, note=decision.note,
                          tier_change=change, alerts=alerts, latest=latest,
                          occurred_at=event.occurred_at)
        self.work.keep(cid, decision.state, record)  # last: only a whole step is kept
        self._kept(cid, decision)
        if self.stream_time is None or event.occurred_at > self.stream_time:
            self.stream_time = event.occurred_at
        if self.shadow is not None and prior is not None:  # never fails (challenger.py)
            self._challenged(sends, outcome, self.shadow.after_event(
                cid, prior, decision, event.event_id, event.occurred_at, self.now))
        return sends, outcome

    def _reevaluate(self, record: RawRecord) -> tuple[list[Send], Outcome]:
        """A request from the timer (or a policy change) to decide a customer again."""
        request = ReevaluationRequest.model_validate_json(record.value or b"{}")
        try:
            cid = record.key.decode() if record.key is not None else None
        except UnicodeDecodeError:
            cid = None
        if cid is None:
            return [], Outcome(record)
        self._customer = cid
        state = self.work.get(cid)
        if state is None:
            return [], Outcome(record, cid)  # the customer is gone (or never was)
        at = request.at if request.at is not None else state.as_of
        assert at is not None, "a stored customer has an as_of"
        decision = reevaluate(state, self.policy, at, self.now)
        sends = self._outputs(cid, decision)
        change, alerts, latest = _published(decision)
        outcome = Outcome(record, cid, reevaluated=request.why, tier_change=change,
                          alerts=alerts, latest=latest)
        self.work.keep(cid, decision.state, at)  # last: only a whole step is kept
        self._kept(cid, decision)
        if self.shadow is not None:  # never fails (challenger.py)
            self._challenged(sends, outcome,
                             self.shadow.after_reevaluation(cid, state, decision, self.now))
        return sends, outcome

    def _kept(self, cid: str, decision: Decision) -> None:
        if not self.p.encode_latest:
            self.latest_reasons[cid] = decision.reasons

    @staticmethod
    def _challenged(sends: list[Send], outcome: Outcome, shadowed: Shadowed | None) -> None:
        """Add the challenger's decision after the champion's: its sends, its outcome."""
        if shadowed is not None:
            sends.extend(shadowed[0])
            outcome.challenger = shadowed[1]

    def _redo(self, state: CustomerState | None, step: Step, copy: bool) -> CustomerState:
        """Apply an earlier step of the batch again (after a later record failed). An
        event is decoded again: keeping every decoded event of a batch alive would cost
        more than this rare redo. A re-evaluation always works on a copy."""
        if isinstance(step, datetime):
            assert state is not None, "only a stored customer is re-evaluated"
            return reevaluate(state, self.policy, step, self.now).state
        event = decode(step.key, step.value, self.p.max_bytes)
        assert not isinstance(event, Rejection), "it was applied before"
        return apply(state, event, self.policy, self.now, copy=copy).state

    def _forward(self, record: RawRecord, cid: str) -> tuple[Send, ForwardWhy] | None:
        """State must live on one partition per customer: send the record where it belongs."""
        if self.p.partitions is None or record.partition is None:
            return None  # read from a file: there are no partitions
        key = cid.encode()
        home = default_partition(key, self.p.partitions)
        if record.key is not None and record.partition == home:
            return None
        assert record.value is not None  # it decoded
        why: ForwardWhy = "missing_key" if record.key is None else "wrong_partition"
        return Send("forward", key, record.value, home), why

    def _outputs(self, cid: str, decision: Decision) -> list[Send]:
        """The decision's outputs in its order, each told by which field it is."""
        if not self.p.encode:
            return []
        key = cid.encode()
        sends = []
        for out in decision.outputs():
            role: Role = ("tier_change" if out is decision.tier_change
                          else "latest" if out is decision.latest else "alert")
            sends.append(Send(role, key, encode_output(out), None))
        return sends


def _published(
    decision: Decision,
) -> tuple[ChangeSeen | None, tuple[AlertSeen, ...], StandingSeen | None]:
    """What the decision published, as the small values an outcome keeps."""
    change, alerts, state = decision.tier_change, decision.alerts, decision.state
    assert state.tier is not None, "a decided state has a tier"
    assert state.grade is not None, "a decided state has a grade"
    return (
        (change.previous, change.current) if change is not None else None,
        tuple([(a.type, a.severity) for a in alerts]) if alerts else (),
        (state.tier, state.grade),
    )
