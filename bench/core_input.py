"""The input of `make bench-core`: one synthetic events file, generated once and cached.

Next to it, the floor's outputs: for each event the latest-tier record the replay
writes for it (an empty line when it writes none), so the JSON floor serializes a
representative output without deciding anything. Both live under .cache/bench-core/
and are keyed by size and seed; deleting the folder regenerates them.
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tierstream.demo.generator import generate
from tierstream.offline.customer_order import FILE_TOPIC
from tierstream.offline.replay import BATCH, DEFAULT_MAX_BYTES
from tierstream.pipeline import ObjectStates, Pipeline, RawRecord
from tierstream.policy import load_policy

CACHE = Path(__file__).resolve().parent.parent / ".cache" / "bench-core"
EVENTS_PER_CUSTOMER = 17  # about what the generator gives each customer in a year


@dataclass(frozen=True)
class Input:
    events: Path  # one JSON event per line
    latest: Path  # per event: its latest-tier record, or an empty line
    count: int


def bench_input(events: int, seed: int) -> Input:
    """The cached input of `events` events, made on first use."""
    stem = f"n{events}-s{seed}"
    paths = Input(CACHE / f"events-{stem}.jsonl", CACHE / f"latest-{stem}.jsonl", events)
    if not paths.events.exists():
        customers = math.ceil(events / EVENTS_PER_CUSTOMER)
        records = itertools.islice(generate(customers, seed), events)
        _write(paths.events, (r.value for r in records))
    if not paths.latest.exists():
        _write(paths.latest, _latest_per_event(paths.events))
    return paths


def _write(path: Path, lines: Iterator[bytes]) -> None:
    """Write atomically: an interrupted run leaves no half file to be trusted later."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    with partial.open("wb") as f:
        for line in lines:
            f.write(line + b"\n")
    os.replace(partial, path)


def _latest_per_event(events: Path) -> Iterator[bytes]:
    """Decide the file once with the replay's pipeline and keep each latest-tier record."""
    policy, now = load_policy(), datetime.now(UTC)
    pipeline, states = Pipeline(max_bytes=DEFAULT_MAX_BYTES), ObjectStates()
    with events.open("rb") as f:
        while batch := [RawRecord(FILE_TOPIC, None, 0, None, None, line.strip())
                        for line in itertools.islice(f, BATCH)]:
            decided = pipeline.run(batch, states, policy, now)
            states.store(decided.states)
            latest = iter([s.value or b"" for s in decided.sends if s.role == "latest"])
            for outcome in decided.outcomes:
                yield next(latest) if outcome.latest is not None else b""
