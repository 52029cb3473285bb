"""`tierstream whatif` as tables a person reads: the tier migration matrix, the alert
counts before and after, and sample customers of every move.

Drawn with rich, which sizes the columns and shows colour only on a terminal (a pipe or
a file gets plain text); `--json` is the form for programs.
"""

from __future__ import annotations

from typing import TextIO

from rich.console import Console
from rich.table import Table

from schemas.vocabulary import TIERS
from tierstream.offline.whatif import WhatIf


def migration_table(report: WhatIf) -> Table:
    table = Table(title="tiers", title_justify="left")
    table.add_column("from \\ to")
    for tier in TIERS:
        table.add_column(tier, justify="right")
    for old in TIERS:
        row = report.matrix.get(old, {})
        cells = [f"[bold]{n}[/bold]" if new != old and n else str(n)
                 for new, n in ((t, row.get(t, 0)) for t in TIERS)]
        table.add_row(old, *cells)
    return table


def alerts_table(report: WhatIf) -> Table:
    table = Table(title="alerts", title_justify="left")
    for name, justify in (("type", "left"), ("from", "right"), ("to", "right"),
                          ("change", "right")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for kind, counts in report.to_json()["alerts"].items():
        before, after = counts["from"], counts["to"]
        table.add_row(kind, str(before), str(after), f"{after - before:+d}")
    return table


def samples_table(report: WhatIf) -> Table:
    table = Table(title="sample customers", title_justify="left")
    table.add_column("move")
    table.add_column("customers")
    for cell, ids in sorted(report.samples.items()):
        table.add_row(cell, ", ".join(ids))
    return table


def print_whatif(report: WhatIf, file: TextIO | None = None) -> None:
    console = Console(file=file, highlight=False)
    console.print(f"what-if: {report.old_version} -> {report.new_version}")
    console.print(f"customers moved: {report.moved()} (tiers: rows from, columns to)")
    console.print(migration_table(report))
    if report.alerts_old or report.alerts_new:
        console.print(alerts_table(report))
    if report.samples:
        console.print(samples_table(report))
