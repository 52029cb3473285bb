"""What a deployment needs to go on from the end of a history, decided by the replay:
each customer's final state, next due time and latest standing, and the history's
tier changes and alerts.

Everything comes from one replay into a folder: the states from memory, the latest
standing and the history from the output files, byte for byte what the worker would
have published. `tierstream backfill` writes them where workers restore them
(streams/kafka/backfill.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from tierstream.core.reevaluate import next_due
from tierstream.core.state import CustomerState
from tierstream.offline.files import ALERTS, TIER_CHANGES, TIERS
from tierstream.policy import Policy

HISTORY = ((TIER_CHANGES, "tier_changes"), (ALERTS, "alerts"))  # file, output role


@dataclass(frozen=True)
class FinalCustomer:
    key: bytes  # the customer id's UTF-8 bytes: the tables' and topics' key
    state: bytes  # CustomerState JSON, as the worker stores it
    due: bytes | None  # next due event time (ISO 8601), None when nothing is due
    latest: bytes | None  # the last latest-tier value published for the customer


def final_customers(
    states: Mapping[str, CustomerState], folder: Path, policy: Policy
) -> Iterator[FinalCustomer]:
    """Per customer (sorted by id), from the replay's states and its `folder`."""
    latest = {_customer(line): line for line in _lines(folder / TIERS)}
    for customer_id in sorted(states):
        state = states[customer_id]
        due = next_due(state, policy)
        yield FinalCustomer(
            key=customer_id.encode(),
            state=state.to_json(),
            due=due.isoformat().encode() if due is not None else None,
            latest=latest.get(customer_id),
        )


def history(folder: Path) -> Iterator[tuple[str, bytes, bytes]]:
    """(output role, key, value) of every tier change, then every alert, in file order
    (each customer's records in the order they were decided)."""
    for name, role in HISTORY:
        for line in _lines(folder / name):
            yield role, _customer(line).encode(), line


def _lines(path: Path) -> Iterator[bytes]:
    with path.open("rb") as f:
        for line in f:
            line = line.rstrip(b"\n")
            if line:
                yield line


def _customer(line: bytes) -> str:
    customer_id: str = json.loads(line)["customer_id"]
    return customer_id
