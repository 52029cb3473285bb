"""The replay's output files, written as outputs are decided.

One JSON-lines file per output topic, named like it, plus `rejected.jsonl` and
`summary.json`. Tier changes and alerts go to disk at once, customer by customer as
they are decided; rejected lines are sorted by line number (rejected.py). Of the
latest tiers only the last per customer counts (the file is sorted by customer, as
the compacted topic keeps the last), so none is built per decision: the pipeline
runs with `encode_latest` off, this keeps the reasons of each customer's last
decision, and `finish` builds each latest tier once, from the final state. Memory
grows with customers, never with events. An erased customer's latest tier goes (its
tombstone); its tier changes and alerts already written stay, as they do on the
append-only topics.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from schemas.outputs import Reason
from tierstream.core.engine import encode_output, latest_of
from tierstream.core.state import CustomerState
from tierstream.offline.rejected import RejectedLines
from tierstream.offline.tally import Totals
from tierstream.pipeline import Decided

TIER_CHANGES = "customer-tier-changes.jsonl"
ALERTS = "customer-alerts.jsonl"
TIERS = "customer-tiers.jsonl"  # the latest standing per customer, sorted by customer
REJECTED = "rejected.jsonl"  # {"line", "reason", "detail"} per rejected line
SUMMARY = "summary.json"
ALL = (TIER_CHANGES, ALERTS, TIERS, REJECTED, SUMMARY)
_BUFFER = 1 << 20


class OutputFiles:
    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self._changes = self._open(TIER_CHANGES)
        self._alerts = self._open(ALERTS)
        self._rejected = RejectedLines(folder / REJECTED)
        # customer id -> the reasons of their last decision (all under one policy version)
        self._latest: dict[str, tuple[Reason, ...]] = {}
        self._policy_version = ""

    def _open(self, name: str) -> BinaryIO:
        return (self.folder / name).open("wb", buffering=_BUFFER)

    def take(self, decided: Decided) -> None:
        """One batch of a pipeline run with `encode_latest` off."""
        for send in decided.sends:
            if send.value is None:  # a tombstone: the customer was erased
                if send.role == "latest" and send.key is not None:
                    self._latest.pop(send.key.decode(), None)
            elif send.role == "tier_change":
                self._changes.write(send.value + b"\n")
            elif send.role == "alert":
                self._alerts.write(send.value + b"\n")
        self._latest.update(decided.latest_reasons)  # after the batch's erasures
        self._policy_version = decided.policy.version
        for outcome in decided.outcomes:
            if outcome.rejected is not None:
                self._rejected.add(
                    outcome.record.offset, outcome.rejected.reason, outcome.rejected.detail)

    def finish(self, totals: Totals, states: Mapping[str, CustomerState]) -> list[Path]:
        """Write the latest tiers (built from each customer's final state, sorted by
        customer id: code points sort as the ids' UTF-8 bytes do) and the summary."""
        version = self._policy_version
        with self._open(TIERS) as tiers:
            for customer in sorted(self._latest):
                latest = latest_of(states[customer], self._latest[customer], version)
                tiers.write(encode_output(latest) + b"\n")
        self._rejected.write()
        write_summary(self.folder / SUMMARY, totals)
        self.close()
        return [self.folder / name for name in ALL]

    def close(self) -> None:
        for f in (self._changes, self._alerts):
            f.close()
        self._rejected.close()

    def __enter__(self) -> OutputFiles:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def write_summary(path: Path, totals: Totals) -> None:
    path.write_text(json.dumps(totals.summary(), indent=2) + "\n", encoding="utf-8")
