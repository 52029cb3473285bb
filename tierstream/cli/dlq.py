"""`tierstream dlq redrive --reason R [--since TIME]`: send fixed dead letters back.

After the cause of a rejection is fixed (a currency added to the policy, a producer
corrected), the dead letters of that reason go to the input topic again, key and
value unchanged, and the workers decide them as new. One line says how many were
sent; a bar on a terminal shows how far the dead-letter topic has been read.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import TYPE_CHECKING, Any

from schemas.vocabulary import DEAD_LETTER_REASONS
from tierstream.cli.base import CliError, run_async
from tierstream.cli.progress import CountProgress
from tierstream.history import parse_time

if TYPE_CHECKING:
    from tierstream.settings import Settings


def _since(text: str) -> datetime:
    try:
        return parse_time(text, "--since")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _redrive(args: argparse.Namespace, settings: Settings) -> int:
    from streams.kafka.dlq import RedriveFailed, redrive

    with CountProgress(None, "redrive", unit="dead letters") as progress:
        try:
            done = run_async(redrive(settings, args.reason, args.since, progress), settings)
        except RedriveFailed as exc:
            raise CliError(f"dlq redrive: {exc}") from None
    if done is None:
        return 1  # interrupted
    since = f" rejected since {args.since.isoformat()}" if args.since else ""
    print(f"redrove {done.sent} dead letters ({args.reason}{since}) of {done.read} read "
          f"from {settings.dlq_topic} to {settings.input_topic}")
    return 0


def register(sub: Any) -> None:
    dlq = sub.add_parser("dlq", help="work with the dead-letter topic")
    dlq_sub = dlq.add_subparsers(dest="dlq_command", required=True)
    redrive = dlq_sub.add_parser(
        "redrive", help="send the dead letters of one reason back to the input topic "
        "(after fixing the cause); prints how many were sent")
    redrive.add_argument("--reason", required=True, choices=DEAD_LETTER_REASONS,
                         metavar="REASON", help="only dead letters of this reason: "
                         + ", ".join(DEAD_LETTER_REASONS))
    redrive.add_argument("--since", type=_since, default=None, metavar="TIME",
                         help="only those rejected at or after TIME (ISO 8601 with offset, "
                         "e.g. 2026-03-31T09:00:00+08:00)")
    redrive.set_defaults(func=_redrive)
