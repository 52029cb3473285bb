"""Erasing a customer on request: the `customer.erased` input event.

The request travels the input topic, so it is ordered with the customer's other
events: whatever came before it goes with it, and an event after it starts a new
customer. The pipeline forgets the customer's working state and tells the caller to
delete what it stores (`Decided.erased`); it sends a tombstone for the compacted
latest-tier topic and an audit record of who asked. Deciding the request again (a
redelivery, or a customer already gone) sends the same records again: the audit
record's id is the request's own event id (docs/security.md).
"""

from __future__ import annotations

from collections.abc import Sequence, Set
from datetime import datetime

from schemas.outputs import Erased, ErasureRecord
from tierstream.core.events import CustomerErased
from tierstream.pipeline.outcome import Outcome
from tierstream.pipeline.records import RawRecord, Send
from tierstream.pipeline.working import WorkingSet
from tierstream.policy import Policy

ERASURE = "customer.erased"
ERASED: list[Erased] = ["state", "due", "history", "latest_tier"]


def erase(
    work: WorkingSet,
    record: RawRecord,
    event: CustomerErased,
    policy: Policy,
    now: datetime,
    encode: bool,
) -> tuple[list[Send], Outcome]:
    """Erase the event's customer from the batch; the records to send and the outcome."""
    cid = event.customer_id
    sends = _sends(event, policy, now) if encode else []
    work.erase(cid)  # last: only a whole step is kept
    return sends, Outcome(record, cid, event.type, applied=event.type,
                          occurred_at=event.occurred_at)


def is_erasure(outcome: Outcome) -> bool:
    """Whether the outcome is a customer's erasure (its earlier standing is void)."""
    return outcome.applied == ERASURE


def _sends(event: CustomerErased, policy: Policy, now: datetime) -> list[Send]:
    """The latest-tier tombstone, then the audit record: no financial data in either."""
    key = event.customer_id.encode()
    audit = ErasureRecord(
        event_id=event.event_id,
        customer_id=event.customer_id,
        requested_by=event.data.requested_by,
        request_id=event.data.request_id,
        reason=event.data.reason,
        occurred_at=event.occurred_at,
        erased_at=now,
        policy_version=policy.version,
        erased=ERASED,
    )
    return [Send("latest", key, None, None),
            Send("erasure", key, audit.model_dump_json().encode(), None)]


def since_erasure(sends: Sequence[Send], erased: Set[str]) -> Sequence[Send]:
    """The sends without those an erasure later in the batch made void: an erased
    customer's new history starts with the events after its erasure."""
    if not erased:
        return sends
    keys = {customer_id.encode() for customer_id in erased}
    last: dict[bytes | None, int] = {
        s.key: i for i, s in enumerate(sends) if s.role == "erasure" and s.key in keys}
    return [s for i, s in enumerate(sends) if i > last.get(s.key, -1)]
