"""The result of one batch: what to send, what to store, what happened per record."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from schemas.outputs import Reason
from tierstream.core.reevaluate import next_due
from tierstream.core.state import CustomerState
from tierstream.pipeline.outcome import Outcome
from tierstream.pipeline.records import Send
from tierstream.policy import Policy

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Decided:
    sends: list[Send]  # in decision order; publish all before storing any state
    outcomes: list[Outcome]  # one per input record, in input order
    states: dict[str, CustomerState]  # final state of each customer decided: one write each
    unchanged: list[str]  # customers met only as duplicates: a changelog writes them again
    stream_time: datetime | None  # the latest occurred_at applied in the batch
    policy: Policy
    # Customers erased in the batch: delete their stored state, due entry and history
    # before storing `states` (which holds one only if a later event started it afresh).
    erased: set[str] = field(default_factory=set)
    # the challenger's bookkeeping to store (ShadowState JSON), when one decided too
    challenger: dict[str, bytes] = field(default_factory=dict)
    # with `Pipeline.encode_latest` off: the reasons of each customer's last decision
    latest_reasons: dict[str, tuple[Reason, ...]] = field(default_factory=dict)

    def due(self) -> dict[str, datetime | None]:
        """When each decided customer is next due for re-evaluation (None: never).

        Computed on demand: only the worker schedules re-evaluations, the replay does
        not. A bug here costs that customer its timer (logged), not the whole batch."""
        due: dict[str, datetime | None] = {}
        for customer_id, state in self.states.items():
            try:
                due[customer_id] = next_due(state, self.policy)
            except Exception:
                log.exception("next_due failed for a customer; no re-evaluation scheduled")
                due[customer_id] = None
        return due
