"""`tierstream generate --out events.jsonl`: the synthetic stream as a file of events.

The same customers, personas and deliberately invalid records as `produce` sends to
Kafka, one JSON event per line, so `replay`, `whatif`, `explain` and `backfill` have
something to read without a broker. A file has no record keys, so the one invalid
kind that needs one (a key that disagrees with the body) is left out.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from tierstream.cli.base import non_negative_int, ratio
from tierstream.cli.progress import CountProgress
from tierstream.demo.generator import FILE_INVALID_KINDS, SyntheticStream
from tierstream.demo.personas import PERSONAS

if TYPE_CHECKING:
    from tierstream.settings import Settings


@contextlib.contextmanager
def _output(out: str) -> Iterator[IO[bytes]]:
    if out == "-":
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
    else:
        with Path(out).open("wb") as file:
            yield file


def _generate(args: argparse.Namespace, settings: Settings | None) -> int:
    with CountProgress(args.customers, "plan", unit="customers") as planned:
        stream = SyntheticStream(args.customers, seed=args.seed,
                                 invalid_ratio=args.invalid_ratio, id_prefix=args.id_prefix,
                                 personas=args.persona, invalid_kinds=FILE_INVALID_KINDS,
                                 progress=planned)
    written = valid = 0
    with CountProgress(stream.events, "write", unit="events") as progress, \
            _output(args.out) as out:
        for record in stream:
            out.write(record.value + b"\n")
            written += 1
            if record.valid:
                valid += 1
                if valid % 1000 == 0:
                    progress(valid)
        progress(valid)
    where = "stdout" if args.out == "-" else args.out
    print(f"wrote {written} records ({written - valid} deliberately invalid) of "
          f"{args.customers} customers to {where}", file=sys.stderr)
    return 0


def add_stream_arguments(parser: argparse.ArgumentParser) -> None:
    """What the synthetic stream is made of: shared by `generate` and `produce`."""
    parser.add_argument("--customers", type=non_negative_int, default=200,
                        help="number of customers (default 200)")
    parser.add_argument("--seed", type=int, default=7,
                        help="random seed: the same seed gives the same events (default 7)")
    parser.add_argument("--persona", action="append", choices=[p.name for p in PERSONAS],
                        help="event mix: only customers of this persona (repeatable; "
                        "default: all personas in their usual proportions)")
    parser.add_argument("--invalid-ratio", type=ratio, default=0.0,
                        help="share of deliberately invalid records (shows the dead letters)")
    parser.add_argument("--id-prefix", default="", help="put before every customer id")


def register(sub: Any) -> None:
    gen = sub.add_parser("generate", help="write the built-in synthetic customer stream to a "
                         "JSONL file (for replay, whatif, explain and backfill)")
    add_stream_arguments(gen)
    gen.add_argument("--out", required=True, metavar="FILE",
                     help="file to write, one JSON event per line ('-' for stdout)")
    gen.set_defaults(func=_generate, offline=True)
