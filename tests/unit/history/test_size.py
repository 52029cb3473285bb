"""State and history of a customer on the benchmark stream stay within 3 KB.

The benchmark's 2,000 synthetic customers (a year of events each) are replayed
through the worker's pipeline; each customer's history is built from its published
tier changes exactly as the worker's table keeps it. docs/audit.md quotes the mean.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import msgspec

from tierstream.core.retention import horizon
from tierstream.demo.generator import generate
from tierstream.history import append
from tierstream.offline.files import TIER_CHANGES
from tierstream.offline.replay import replay_into
from tierstream.policy import DEFAULT_POLICY_FILE, load_policy

LIMIT = 3 * 1024


class _Customer(msgspec.Struct):
    customer_id: str


def mean_bytes_per_customer(folder: Path, customers: int = 2000) -> tuple[float, float]:
    """Mean bytes of (state JSON, stored history) per customer."""
    policy = load_policy(DEFAULT_POLICY_FILE)
    replayed, _ = replay_into(folder, (r.value for r in generate(customers)), policy)
    changes: dict[str, list[bytes]] = defaultdict(list)
    for line in (folder / TIER_CHANGES).read_bytes().splitlines():
        changes[msgspec.json.decode(line, type=_Customer).customer_id].append(line)
    keep = horizon(policy)
    history = sum(len(append(None, records, keep)) for records in changes.values())
    states = sum(len(s.to_json()) for s in replayed.states.values())
    n = len(replayed.states)
    return states / n, history / n


def test_state_and_history_per_customer_stay_within_3_kb(tmp_path: Path) -> None:
    state, history = mean_bytes_per_customer(tmp_path)
    assert state + history <= LIMIT, f"state {state:.0f} B + history {history:.0f} B"


if __name__ == "__main__":  # the figure in docs/audit.md
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        s, h = mean_bytes_per_customer(Path(d))
        print(f"state {s:.0f} B + history {h:.0f} B = {s + h:.0f} B per customer")
