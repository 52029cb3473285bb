"""Where the pipeline reads customer states: a table of JSON bytes, or objects in a dict.

The pipeline only asks `get(customer_id)`. The worker's table holds the stored form
(`CustomerState.to_json`), decoded afresh on each read, so the pipeline may change
what it gets. The replay keeps the objects themselves (no decoding per event): they
are the source's own (`shared`), so the first event of a customer in a batch is
applied to a copy (`apply(copy=True)`), the others to that copy in place. Either way,
asking again gives the state as it was when the batch began: that is how a record
that failed half-way is undone (see working.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from tierstream.core.state import CustomerState


class StateSource(Protocol):
    @property
    def shared(self) -> bool:
        """Whether `get` returns the source's own objects, which the pipeline must not
        change (it changes copies), rather than ones made for it."""
        ...

    def get(self, customer_id: str) -> CustomerState | None:
        """The customer's state as at the start of the batch (None: a new customer)."""
        ...


class StoredStates:
    """States stored as JSON bytes under the customer id's UTF-8 bytes (the worker's table).

    Every read decodes afresh: the pipeline changes what it gets, and asking again
    undoes a failed record for free."""

    shared = False

    def __init__(self, table: Mapping[bytes, bytes]) -> None:
        self.table = table

    def get(self, customer_id: str) -> CustomerState | None:
        stored = self.table.get(customer_id.encode())
        return CustomerState.from_json(stored) if stored is not None else None


class ObjectStates:
    """States kept as objects by customer id (the replay); `store` ends each batch.

    The pipeline never changes these objects, only its copies, so they stay the state
    as at the start of the batch until `store` puts the batch's final states in."""

    shared = True

    def __init__(self) -> None:
        self.objects: dict[str, CustomerState] = {}

    def get(self, customer_id: str) -> CustomerState | None:
        return self.objects.get(customer_id)

    def store(self, states: Mapping[str, CustomerState]) -> None:
        """Keep the batch's final states; the next batch starts from them."""
        self.objects.update(states)
