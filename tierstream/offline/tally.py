"""The replay's summary, counted as records are decided instead of from kept outputs.

`Tally` reads each batch's outcomes and keeps only counters and each customer's
latest standing (what `whatif` compares; an erased customer has none). `Totals` is
its end result: plain counts that jobs deciding parts of a file write out and the
parent merges, so `summary.json` is the same whichever number of jobs produced it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from tierstream.pipeline import Outcome
from tierstream.pipeline.erasure import is_erasure


@dataclass
class Totals:
    policy_version: str
    events: int = 0
    duplicates: int = 0
    rejected: dict[str, list[int]] = field(default_factory=dict)  # reason -> [count, first line]
    customers: int = 0
    tiers: dict[str, int] = field(default_factory=dict)
    grades: dict[str, int] = field(default_factory=dict)
    transitions: dict[str, int] = field(default_factory=dict)
    alerts: dict[str, int] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """The summary a replay prints and writes to summary.json."""
        rejected = sorted(self.rejected.items(), key=lambda item: item[1][1])  # first seen
        return {
            "policy_version": self.policy_version,
            "events": self.events,
            "applied": self.events - self.duplicates - sum(n for n, _ in self.rejected.values()),
            "duplicates": self.duplicates,
            "rejected": {reason: n for reason, (n, _) in rejected},
            "customers": self.customers,
            "tiers": dict(sorted(self.tiers.items())),
            "grades": dict(sorted(self.grades.items())),
            "tier_transitions": dict(sorted(self.transitions.items())),
            "alerts": dict(sorted(self.alerts.items())),
        }

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Totals:
        return cls(**json.loads(text))

    @classmethod
    def merge(cls, parts: Iterable[Totals]) -> Totals:
        """The totals of the whole file from the totals of disjoint parts of it."""
        parts = list(parts)
        merged = cls(policy_version=parts[0].policy_version if parts else "")
        for part in parts:
            merged.events += part.events
            merged.duplicates += part.duplicates
            merged.customers += part.customers
            for reason, (n, first) in part.rejected.items():
                was = merged.rejected.get(reason)
                merged.rejected[reason] = [n, first] if was is None else [
                    was[0] + n, min(was[1], first)]
            for mine, theirs in ((merged.tiers, part.tiers), (merged.grades, part.grades),
                                 (merged.transitions, part.transitions),
                                 (merged.alerts, part.alerts)):
                for name, n in theirs.items():
                    mine[name] = mine.get(name, 0) + n
        return merged


class Tally:
    """Counts outcomes as they are decided; keeps each customer's latest (tier, grade)."""

    def __init__(self, policy_version: str) -> None:
        self.policy_version = policy_version
        self.events = 0
        self.duplicates = 0
        self.rejected: dict[str, list[int]] = {}
        self.transitions: Counter[str] = Counter()
        self.alerts: Counter[str] = Counter()
        self.standing: dict[str, tuple[str, str]] = {}

    def take(self, outcomes: Iterable[Outcome]) -> None:
        for o in outcomes:
            self.events += 1
            if o.rejected is not None:  # the replay decides lines out of file order
                counted = self.rejected.setdefault(o.rejected.reason, [0, o.record.offset])
                counted[0] += 1
                counted[1] = min(counted[1], o.record.offset)
            elif o.duplicate:
                self.duplicates += 1
            if o.tier_change is not None:
                previous, current = o.tier_change
                if previous is None or previous.tier != current.tier:
                    before = previous.tier if previous is not None else "new"
                    self.transitions[f"{before}->{current.tier}"] += 1
            for kind, _ in o.alerts:
                self.alerts[kind] += 1
            if o.latest is not None and o.customer_id is not None:
                self.standing[o.customer_id] = o.latest
            elif is_erasure(o) and o.customer_id is not None:
                self.standing.pop(o.customer_id, None)

    def totals(self) -> Totals:
        return Totals(
            policy_version=self.policy_version,
            events=self.events,
            duplicates=self.duplicates,
            rejected={reason: list(counted) for reason, counted in self.rejected.items()},
            customers=len(self.standing),
            tiers=dict(Counter(tier for tier, _ in self.standing.values())),
            grades=dict(Counter(grade for _, grade in self.standing.values())),
            transitions=dict(self.transitions),
            alerts=dict(self.alerts),
        )
