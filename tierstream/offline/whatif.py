"""What-if: the same events under two policies, compared customer by customer.

Answers "what will this policy change do?" before it is switched on: how many
customers move from each tier to each other tier, how the alert volume changes, and
a few sample customers per cell for a relationship manager to look at.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from schemas.vocabulary import TIERS
from tierstream.offline.tally import Tally


@dataclass(frozen=True)
class WhatIf:
    old_version: str
    new_version: str
    matrix: dict[str, dict[str, int]]  # old tier -> new tier -> customers
    samples: dict[str, list[str]]  # "B->C" -> customer ids (sorted, at most N)
    alerts_old: dict[str, int]
    alerts_new: dict[str, int]

    def moved(self) -> int:
        return sum(n for old, row in self.matrix.items() for new, n in row.items() if old != new)

    def to_json(self) -> dict[str, Any]:
        return {
            "from": self.old_version,
            "to": self.new_version,
            "migration": self.matrix,
            "customers_moved": self.moved(),
            "samples": self.samples,
            "alerts": {t: {"from": self.alerts_old.get(t, 0), "to": self.alerts_new.get(t, 0)}
                       for t in sorted(set(self.alerts_old) | set(self.alerts_new))},
        }

    def render(self) -> str:
        lines = [f"what-if: {self.old_version} -> {self.new_version}",
                 f"customers moved: {self.moved()}", "",
                 "from \\ to " + "".join(f"{t:>8}" for t in TIERS)]
        for old in TIERS:
            row = self.matrix.get(old, {})
            lines.append(f"{old:<10}" + "".join(f"{row.get(t, 0):>8}" for t in TIERS))
        lines += ["", f"{'alerts':<20}{'from':>8}{'to':>8}{'change':>8}"]
        for t, counts in self.to_json()["alerts"].items():
            lines.append(f"{t:<20}{counts['from']:>8}{counts['to']:>8}"
                         f"{counts['to'] - counts['from']:>+8}")
        if self.samples:
            lines += ["", "samples:"]
            lines += [f"  {cell}: {', '.join(ids)}" for cell, ids in sorted(self.samples.items())]
        return "\n".join(lines)


def compare(old: Tally, new: Tally, samples: int = 3) -> WhatIf:
    """Each customer's latest tier and the alert counts of two replays of the same events."""
    matrix: dict[str, dict[str, int]] = {t: dict.fromkeys(TIERS, 0) for t in TIERS}
    cells: dict[str, list[str]] = {}
    for cid in sorted(set(old.standing) & set(new.standing)):
        before, after = old.standing[cid][0], new.standing[cid][0]
        matrix[before][after] += 1
        if before != after:
            cell = cells.setdefault(f"{before}->{after}", [])
            if len(cell) < samples:
                cell.append(cid)
    return WhatIf(
        old_version=old.policy_version,
        new_version=new.policy_version,
        matrix=matrix,
        samples=cells,
        alerts_old=dict(old.alerts),
        alerts_new=dict(new.alerts),
    )
