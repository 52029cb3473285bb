"""The working states of one batch, and how a record that failed half-way is undone.

`apply(..., copy=False)` changes a state in place, which is what makes it cheap; a
bug that raises in the middle of it would leave half an event in the state. Each
customer is read once per batch and the source's state is never changed in place
(a state the source shares is copied by its first step). Every step applied is
remembered, and after a failure the customer is read again from the source (the
state as at the start of the batch) and its earlier steps of the batch are applied
again, silently.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from tierstream.core.state import CustomerState
from tierstream.pipeline.records import RawRecord
from tierstream.pipeline.states import StateSource

Step = RawRecord | datetime
"""One step of a batch: an event's record, or the event time of a re-evaluation. Plain
data, not closures: a batch's steps live until it ends and must not hold much."""
Redo = Callable[[CustomerState | None, Step, bool], CustomerState]
"""Apply a step again to a state; the flag says the state must be copied first."""


class WorkingSet:
    def __init__(self, source: StateSource) -> None:
        self._source = source
        self._states: dict[str, CustomerState | None] = {}
        self._steps: dict[str, list[Step]] = {}
        self.decided: dict[str, CustomerState] = {}  # customers with a decision: final states
        self._duplicates: dict[str, None] = {}  # customers met as duplicates (ordered set)
        self._owned: set[str] = set()  # customers whose working state is this batch's copy
        self.erased: set[str] = set()  # customers erased in this batch (see erasure.py)

    def get(self, customer_id: str) -> CustomerState | None:
        if customer_id in self._states:
            return self._states[customer_id]
        state = self._source.get(customer_id)
        self._states[customer_id] = state
        return state

    def must_copy(self, customer_id: str) -> bool:
        """Whether the next step must copy the state rather than change it in place."""
        return self._source.shared and customer_id not in self._owned

    def keep(self, customer_id: str, state: CustomerState, step: Step) -> None:
        """A step succeeded: `state` is the customer's state now, and the batch's own."""
        self._states[customer_id] = state
        self._owned.add(customer_id)
        self._steps.setdefault(customer_id, []).append(step)
        self.decided[customer_id] = state

    def erase(self, customer_id: str) -> None:
        """The customer was erased: forget the batch's steps, and the state the batch
        began with; a later step starts a new customer."""
        self._states[customer_id] = None
        self._steps.pop(customer_id, None)
        self.decided.pop(customer_id, None)
        self._duplicates.pop(customer_id, None)
        self._owned.discard(customer_id)
        self.erased.add(customer_id)

    def duplicate(self, customer_id: str) -> None:
        self._duplicates[customer_id] = None

    def unchanged(self) -> list[str]:
        """Customers met only as duplicates in this batch."""
        return [c for c in self._duplicates if c not in self.decided]

    def undo(self, customer_id: str, redo: Redo) -> None:
        """Forget whatever a failed step did to the customer's working state."""
        if customer_id not in self._states:
            return  # the read itself failed: nothing was changed
        erased = customer_id in self.erased  # then the batch's steps start from nothing
        state = None if erased else self._source.get(customer_id)
        copy = self._source.shared and not erased
        for step in self._steps.get(customer_id, ()):
            state, copy = redo(state, step, copy), False
        self._states[customer_id] = state
        if state is not None and customer_id in self.decided:
            self.decided[customer_id] = state
