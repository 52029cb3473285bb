"""`tierstream backfill EVENTS`: bootstrap a deployment from a file of history.

Settings as for the worker (TIERSTREAM_*). The history is decided offline by the
replay, then each customer's final state, due time and latest standing are written
where workers restore them; its tier changes and alerts only with --emit-history.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tierstream.cli.base import CliError, run_async
from tierstream.cli.progress import ReplayProgress
from tierstream.offline.replay import replay_into
from tierstream.policy import load_policy

if TYPE_CHECKING:
    from tierstream.settings import Settings


def _backfill(args: argparse.Namespace, settings: Settings) -> int:
    from streams.kafka.backfill import write_backfill
    from tierstream.offline.bootstrap import final_customers, history

    path = Path(args.events)
    if not path.is_file():
        raise CliError(f"no such events file: {path}")
    policy = load_policy(settings.policy_file)
    with tempfile.TemporaryDirectory(prefix="tierstream-backfill-") as tmp:
        folder = Path(tmp)
        with ReplayProgress(path.stat().st_size) as progress, path.open("rb") as lines:
            result, _ = replay_into(folder, lines, policy, progress=progress)
        past = history(folder) if args.emit_history else ()
        counts = run_async(write_backfill(settings, final_customers(result.states, folder,
                                                                    policy), past), settings)
    if counts is None:
        return 1  # interrupted
    print(f"backfilled {counts.customers} customers ({counts.due} due, {counts.latest} "
          f"latest tiers, {counts.history} history records) under policy {policy.version} "
          f"for app {settings.app_id}", file=sys.stderr)
    return 0


def register(sub: Any) -> None:
    bf = sub.add_parser("backfill", help="decide a file of history offline and write the "
                        "final state of every customer where workers restore it")
    bf.add_argument("events", help="JSONL file, one input event per line, oldest first")
    bf.add_argument("--emit-history", action="store_true",
                    help="also publish the history's tier changes and alerts")
    bf.set_defaults(func=_backfill)
