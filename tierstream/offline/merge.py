"""One set of output files from the jobs' own, equal to what one job would write.

Customers are split between jobs, so per customer everything is in one job's files,
in file order. Tier changes and alerts are concatenated job after job; the latest
tiers are merged by customer and the rejected lines by line number (each job's file
is already sorted, so the merge streams); the summary is the merged totals.
"""

from __future__ import annotations

import heapq
import json
import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from tierstream.offline.files import (
    ALERTS,
    ALL,
    REJECTED,
    SUMMARY,
    TIER_CHANGES,
    TIERS,
    write_summary,
)
from tierstream.offline.tally import Totals


def merge_outputs(parts: list[Path], out: Path, totals: Totals) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    for name in (TIER_CHANGES, ALERTS):
        with (out / name).open("wb") as target:
            for part in parts:
                with (part / name).open("rb") as source:
                    shutil.copyfileobj(source, target, 1 << 20)
    _merge_sorted(parts, out, TIERS, lambda body: str(body["customer_id"]))
    _merge_sorted(parts, out, REJECTED, lambda body: int(body["line"]))
    write_summary(out / SUMMARY, totals)
    return [out / name for name in ALL]


def _merge_sorted(
    parts: list[Path], out: Path, name: str, key: Callable[[dict[str, Any]], Any]
) -> None:
    with ExitStack() as stack, (out / name).open("wb") as target:
        sources = [stack.enter_context((part / name).open("rb")) for part in parts]
        keyed = [_keyed(source, key) for source in sources]
        for _, line in heapq.merge(*keyed, key=lambda item: item[0]):
            target.write(line)


def _keyed(
    lines: Iterator[bytes], key: Callable[[dict[str, Any]], Any]
) -> Iterator[tuple[Any, bytes]]:
    for line in lines:
        yield key(json.loads(line)), line
