"""Offline replay: the streaming worker's decisions over a file of events, without Kafka.

The worker's own pipeline (tierstream/pipeline/) over the file's lines in order, in
batches; outputs go to their files as they are decided, and only each customer's
state stays in memory (as objects: no decoding per event). It answers "what would
the service have published for these events under this policy?" and feeds `whatif`
and `explain`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tierstream.core.state import CustomerState
from tierstream.offline.collector import settled_batches
from tierstream.offline.files import OutputFiles
from tierstream.offline.tally import Tally
from tierstream.pipeline import ObjectStates, Pipeline, RawRecord
from tierstream.policy import Policy

DEFAULT_MAX_BYTES = 65536
BATCH = 1000  # lines per pipeline run: long enough to amortize, short for steady progress
FILE_TOPIC = "file"  # the `topic` of a record read from a file

Progress = Callable[[int, int], None]
"""`progress(bytes read, events decided)`, called after every batch."""


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
    select: Callable[[bytes], bool] | None = None,
    progress: Progress | None = None,
    batch: int = BATCH,
) -> Replayed:
    """Decide every event of `lines` (one JSON event per line) in order.

    Outputs go to `outputs` if given (else they are not even encoded); `select` keeps
    only some lines (one job's customers, or one customer); blank lines are skipped."""
    pipeline = Pipeline(max_bytes=max_bytes, encode=outputs is not None, encode_latest=False)
    states = ObjectStates()
    tally = Tally(policy.version)
    with settled_batches() as settle:
        for read, records in _batches(lines, select, batch):
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
    select: Callable[[bytes], bool] | None = None,
    progress: Progress | None = None,
) -> tuple[Replayed, list[Path]]:
    """`replay` writing the output files into `folder`; returns them with the result."""
    with OutputFiles(folder) as files:
        result = replay(lines, policy, files, clock=clock, max_bytes=max_bytes, select=select,
                        progress=progress)
        return result, files.finish(result.tally.totals(), result.states)


def _batches(
    lines: Iterable[bytes], select: Callable[[bytes], bool] | None, size: int
) -> Iterator[tuple[int, list[RawRecord]]]:
    """Records of the selected non-blank lines (offset: the line number), in batches,
    each with the bytes read so far (the progress through a file)."""
    read = 0
    records: list[RawRecord] = []
    for number, raw in enumerate(lines, start=1):
        read += len(raw)
        line = raw.strip()
        if not line or (select is not None and not select(line)):
            continue
        records.append(RawRecord(FILE_TOPIC, None, number, None, None, line))
        if len(records) == size:
            yield read, records
            records = []
    yield read, records
