"""Offline replay: the streaming worker's decisions over a file of events, without Kafka.

The worker's own pipeline (tierstream/pipeline/) over the file's lines customer by
customer (customer_order.py), in batches; outputs go to their files as they are
decided, and only each customer's state stays in memory (as objects: no decoding
per event). It answers "what would the service have published for these events
under this policy?" and feeds `whatif` and `explain`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tierstream.core.state import CustomerState
from tierstream.offline.collector import settled_batches
from tierstream.offline.customer_order import Select, customer_batches
from tierstream.offline.files import OutputFiles
from tierstream.offline.tally import Tally
from tierstream.pipeline import ObjectStates, Pipeline
from tierstream.policy import Policy

DEFAULT_MAX_BYTES = 65536
BATCH = 1000  # lines per pipeline run: long enough to amortize, short for steady progress

Progress = Callable[[int, int], None]
"""`progress(how far through the input in bytes, events decided)`, called after every
batch; customer order makes the first an estimate (customer_order.py)."""


def _wall_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Replayed:
    tally: Tally  # the summary's counts and each customer's latest standing
    states: dict[str, CustomerState]  # each customer's final state


def replay(
    lines: Iterable[bytes],
    policy: Policy,
    outputs: OutputFiles | None = None,
    *,
    clock: Callable[[], datetime] = _wall_clock,
    max_bytes: int = DEFAULT_MAX_BYTES,
    select: Select | None = None,
    progress: Progress | None = None,
    batch: int = BATCH,
    scratch: Path | None = None,
) -> Replayed:
    """Decide every event of `lines` (one JSON event per line), each customer's in order.

    Outputs go to `outputs` if given (else they are not even encoded); `select` keeps
    only some customers' lines (one job's, or one customer's); blank lines are skipped.
    A large input is spilled to a temporary folder inside `scratch` (None: the
    system's) while it is put in customer order."""
    pipeline = Pipeline(max_bytes=max_bytes, encode=outputs is not None, encode_latest=False)
    states = ObjectStates()
    tally = Tally(policy.version)
    ordered = customer_batches(lines, batch, select=select, scratch=scratch)
    with settled_batches() as settle, closing(ordered):
        for read, records in ordered:
            decided = pipeline.run(records, states, policy, clock())
            for erased in decided.erased:  # the replay ends without them (unless started anew)
                states.objects.pop(erased, None)
            states.store(decided.states)
            tally.take(decided.outcomes)
            if outputs is not None:
                outputs.take(decided)
            del decided
            settle()
            if progress is not None:
                progress(read, tally.events)
    return Replayed(tally, states.objects)


def replay_into(
    folder: Path,
    lines: Iterable[bytes],
    policy: Policy,
    *,
    clock: Callable[[], datetime] = _wall_clock,
    max_bytes: int = DEFAULT_MAX_BYTES,
    select: Select | None = None,
    progress: Progress | None = None,
) -> tuple[Replayed, list[Path]]:
    """`replay` writing the output files into `folder` (and spilling inside it);
    returns them with the result."""
    with OutputFiles(folder) as files:
        result = replay(lines, policy, files, clock=clock, max_bytes=max_bytes, select=select,
                        progress=progress, scratch=folder)
        return result, files.finish(result.tally.totals(), result.states)

