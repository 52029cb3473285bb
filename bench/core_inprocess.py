"""What `make bench-core` measures inside its own process: the JSON floor and the
per-event cost of each step of deciding.

The floor is the least any replay must do per event: parse the input line and
serialize one output, with the standard library's json. The cost split times
decode, apply and encode separately on a sample of customers (all of their events,
so the sample covers the whole year of state growth), plus the whole pipeline with
its output files, whose excess over the three is the pipeline's own overhead.
"""

from __future__ import annotations

import itertools
import json
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.core_input import Input
from tierstream.core.engine import Decision, apply, encode_output
from tierstream.core.facts import EventRejected
from tierstream.core.state import CustomerState
from tierstream.intake import Rejection, decode
from tierstream.offline.replay import DEFAULT_MAX_BYTES, replay_into
from tierstream.offline.split import JobSelector, customer_of
from tierstream.policy import load_policy

_CHUNK = 10_000


def json_floor(data: Input) -> float:
    """Seconds to json.loads every line and json.dumps its pre-built output."""
    spent = 0.0
    with data.events.open("rb") as events, data.latest.open("rb") as latest:
        while lines := list(itertools.islice(events, _CHUNK)):
            outputs: list[Any] = [json.loads(x) for x in itertools.islice(latest, len(lines))
                                  if x.strip()]  # built outside the timed part
            t0 = time.perf_counter()
            for line in lines:
                json.loads(line)
            for out in outputs:
                json.dumps(out)
            spent += time.perf_counter() - t0
    return spent


@dataclass(frozen=True)
class CostSplit:
    events: int
    decode_us: float
    apply_us: float
    encode_us: float
    pipeline_us: float  # the whole pipeline with its output files, per event

    @property
    def overhead_us(self) -> float:
        return self.pipeline_us - self.decode_us - self.apply_us - self.encode_us


def sample(data: Input, events: int) -> list[bytes]:
    """All events of about `events / total` of the customers (a partition split)."""
    select = JobSelector(0, max(1, data.count // max(events, 1)))
    with data.events.open("rb") as f:
        return [line.strip() for line in f if select(customer_of(line.strip()))]


def cost_split(lines: list[bytes]) -> CostSplit:
    policy, now = load_policy(), datetime.now(UTC)
    t0 = time.perf_counter()
    decoded = [decode(None, line, DEFAULT_MAX_BYTES) for line in lines]
    t1 = time.perf_counter()
    states: dict[str, CustomerState] = {}
    decisions: list[Decision] = []
    for event in decoded:
        if isinstance(event, Rejection):
            continue
        try:
            decision = apply(states.get(event.customer_id), event, policy, now, copy=False)
        except EventRejected:
            continue
        states[event.customer_id] = decision.state
        decisions.append(decision)
    t2 = time.perf_counter()
    for decision in decisions:
        for out in decision.outputs():
            encode_output(out)
    t3 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-core-") as scratch:
        t4 = time.perf_counter()
        replay_into(Path(scratch), lines, policy)
        t5 = time.perf_counter()
    n = len(lines) / 1e6
    return CostSplit(len(lines), (t1 - t0) / n, (t2 - t1) / n, (t3 - t2) / n, (t5 - t4) / n)
