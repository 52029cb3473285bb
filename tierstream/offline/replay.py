"""Offline replay: the streaming worker's decisions over a file of events, without Kafka.

The same intake (`tierstream.intake.decode`) and the same core (`apply`) as the
worker, in file order, one state per customer in memory. It answers "what would the
service have published for these events under this policy?" and feeds `whatif`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from schemas.outputs import Alert, LatestTier, TierChange
from tierstream.core.engine import apply
from tierstream.core.facts import EventRejected
from tierstream.core.state import CustomerState
from tierstream.intake import Rejection, decode
from tierstream.policy import Policy

DEFAULT_MAX_BYTES = 65536


@dataclass
class ReplayResult:
    policy_version: str
    tier_changes: list[TierChange] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    latest: dict[str, LatestTier] = field(default_factory=dict)  # customer -> final standing
    states: dict[str, CustomerState] = field(default_factory=dict)
    rejected: list[dict[str, Any]] = field(default_factory=list)  # line, reason, detail
    events: int = 0
    duplicates: int = 0

    def summary(self) -> dict[str, Any]:
        transitions = Counter(
            f"{c.previous.tier if c.previous else 'new'}->{c.current.tier}"
            for c in self.tier_changes
            if c.previous is None or c.previous.tier != c.current.tier
        )
        return {
            "policy_version": self.policy_version,
            "events": self.events,
            "applied": self.events - self.duplicates - len(self.rejected),
            "duplicates": self.duplicates,
            "rejected": dict(Counter(r["reason"] for r in self.rejected)),
            "customers": len(self.latest),
            "tiers": dict(sorted(Counter(v.tier for v in self.latest.values()).items())),
            "grades": dict(sorted(Counter(v.grade for v in self.latest.values()).items())),
            "tier_transitions": dict(sorted(transitions.items())),
            "alerts": dict(sorted(Counter(a.type for a in self.alerts).items())),
        }


def replay(
    lines: Iterable[bytes],
    policy: Policy,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    progress: Callable[[int], None] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ReplayResult:
    """Decide every event of `lines` (one JSON event per line) in order."""
    result = ReplayResult(policy_version=policy.version)
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if not line:
            continue
        result.events += 1
        if progress is not None and result.events % 10_000 == 0:
            progress(result.events)
        decoded = decode(None, line, max_bytes)
        if isinstance(decoded, Rejection):
            result.rejected.append({"line": number, "reason": decoded.reason,
                                    "detail": decoded.detail})
            continue
        cid = decoded.customer_id
        try:
            decision = apply(result.states.get(cid), decoded, policy, clock(), copy=False)
        except EventRejected as exc:
            result.rejected.append({"line": number, "reason": exc.reason, "detail": exc.detail})
            continue
        if decision.outcome == "duplicate":
            result.duplicates += 1
            continue
        result.states[cid] = decision.state
        if decision.tier_change is not None:
            result.tier_changes.append(decision.tier_change)
        result.alerts.extend(decision.alerts)
        if decision.latest is not None:
            result.latest[cid] = decision.latest
    return result


def read_lines(path: Path) -> Iterable[bytes]:
    with path.open("rb") as f:
        yield from f


def write_outputs(result: ReplayResult, directory: Path) -> list[Path]:
    """JSONL files named like the topics, plus summary.json."""
    directory.mkdir(parents=True, exist_ok=True)
    files: dict[str, Iterable[BaseModel]] = {
        "customer-tier-changes.jsonl": result.tier_changes,
        "customer-alerts.jsonl": result.alerts,
        "customer-tiers.jsonl": [result.latest[c] for c in sorted(result.latest)],
    }
    written = []
    for name, models in files.items():
        path = directory / name
        with path.open("w", encoding="utf-8") as f:
            for model in models:
                f.write(model.model_dump_json() + "\n")
        written.append(path)
    rejected = directory / "rejected.jsonl"
    rejected.write_text("".join(json.dumps(r) + "\n" for r in result.rejected), encoding="utf-8")
    summary = directory / "summary.json"
    summary.write_text(json.dumps(result.summary(), indent=2) + "\n", encoding="utf-8")
    return [*written, rejected, summary]
