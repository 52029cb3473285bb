"""`tierstream` command line: one entry point, `--help` on every command.

Expected failures (bad policy file, broker unreachable) print one clear message and
exit non-zero without a traceback. Kafka-facing modules are imported inside the
commands, so `policy check` and `schemas export` work without touching Kafka.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from tierstream.cli_support import (
    kafka_client_logs_quiet,
    non_negative_float,
    non_negative_int,
    progress_printer,
    ratio,
    settings_error,
)
from tierstream.commands import offline as offline_commands
from tierstream.commands import policy as policy_commands
from tierstream.demo.personas import PERSONAS
from tierstream.policy import PolicyError, load_policy
from tierstream.settings import Settings, load_settings

T = TypeVar("T")


class CliError(Exception):
    """An expected failure: printed as one line, exit status 2."""


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    from aiokafka.errors import KafkaConnectionError

    from streams.topics import create_topics
    from streams.worker import run_worker

    load_policy(settings.policy_file)  # fail before faust starts, with the field named
    run_async(create_topics(settings), settings)  # and on an unreachable broker, in one line
    try:
        run_worker(settings)
    except KafkaConnectionError as exc:  # the broker went away between the two
        raise CliError(f"cannot reach Kafka at {settings.bootstrap_servers}: {exc}") from None
    return 0


def _topics_create(args: argparse.Namespace, settings: Settings) -> int:
    from streams.topics import create_topics

    created = run_async(create_topics(settings), settings)
    print("created: " + (", ".join(created) if created else "nothing (all topics exist)"))
    return 0


def _produce(args: argparse.Namespace, settings: Settings) -> int:
    from streams.produce import produce

    sent = run_async(produce(settings, customers=args.customers, seed=args.seed, rate=args.rate,
                        limit=args.limit, invalid_ratio=args.invalid_ratio,
                        id_prefix=args.id_prefix, duration=args.duration,
                        personas=args.persona, progress=progress_printer("produced")),
                     settings)
    print(f"sent {sent} records to {settings.input_topic}", file=sys.stderr)
    return 0


def _tail(args: argparse.Namespace, settings: Settings) -> int:
    from streams.tail import TailFilter, tail

    filt = TailFilter(customer=args.customer, customer_prefix=args.customer_prefix,
                      tier=args.tier, alert_type=args.alert_type)
    run_async(tail(settings, filt, args.from_beginning, limit=args.limit), settings)
    return 0


def _reconcile(args: argparse.Namespace, settings: Settings) -> int:
    from streams.reconcile import reconcile

    result = run_async(reconcile(settings, args.metrics), settings)
    assert result is not None
    print(result.summary())
    return 0 if result.balanced else 1


def _schemas_export(args: argparse.Namespace, settings: Settings | None) -> int:
    from schemas.export import JSON_DIR, export

    for path in export(Path(args.dir) if args.dir else JSON_DIR):
        print(path)
    return 0


def run_async(coro: Coroutine[Any, Any, T], settings: Settings) -> T | None:
    from aiokafka.errors import KafkaConnectionError

    try:
        with kafka_client_logs_quiet():
            return asyncio.run(coro)
    except KafkaConnectionError as exc:
        raise CliError(f"cannot reach Kafka at {settings.bootstrap_servers}: {exc}") from None
    except KeyboardInterrupt:
        return None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tierstream",
        description="Real-time bank customer tiering on Kafka. Settings come from "
        "TIERSTREAM_* environment variables (see README).",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("worker", help="run a tiering worker").set_defaults(func=_worker)

    topics = sub.add_parser("topics", help="manage the service's topics")
    topics_sub = topics.add_subparsers(dest="topics_command", required=True)
    topics_sub.add_parser(
        "create", help="create the topics with the configured partitions and compaction"
    ).set_defaults(func=_topics_create)

    produce = sub.add_parser("produce", help="send the built-in synthetic customer stream")
    produce.add_argument("--customers", type=non_negative_int, default=200,
                         help="number of customers")
    produce.add_argument("--seed", type=int, default=7, help="random seed")
    produce.add_argument("--rate", type=non_negative_float, default=0.0,
                         help="records per second (0 = as fast as possible)")
    produce.add_argument("--limit", type=non_negative_int, default=None,
                         help="stop after N records")
    produce.add_argument("--duration", type=non_negative_float, default=None,
                         help="stop after this many seconds")
    produce.add_argument("--persona", action="append", choices=[p.name for p in PERSONAS],
                         help="event mix: only customers of this persona (repeatable; "
                         "default: all personas in their usual proportions)")
    produce.add_argument("--invalid-ratio", type=ratio, default=0.0,
                         help="share of deliberately invalid records (shows the DLQ)")
    produce.add_argument("--id-prefix", default="", help="put before every customer id")
    produce.set_defaults(func=_produce)

    tail = sub.add_parser("tail", help="show tier changes and alerts as they happen")
    tail.add_argument("--customer", help="only this customer id")
    tail.add_argument("--customer-prefix", help="only customer ids starting with this")
    tail.add_argument("--tier", choices=["A", "B", "C", "D"], help="only this (new) tier")
    tail.add_argument("--alert-type", help="only alerts of this type")
    tail.add_argument("--from-beginning", action="store_true", help="replay the topics first")
    tail.add_argument("--limit", type=int, default=None, help="stop after N lines")
    tail.set_defaults(func=_tail)

    rec = sub.add_parser("reconcile", help="check in = applied + duplicates + dlq (+ forwarded) "
                         "from the input topic and the workers' /metrics")
    rec.add_argument("--metrics", nargs="+", required=True, metavar="URL",
                     help="/metrics URL of every worker of the group")
    rec.set_defaults(func=_reconcile)

    schemas = sub.add_parser("schemas", help="JSON Schema files of the wire contracts")
    schemas_sub = schemas.add_subparsers(dest="schemas_command", required=True)
    export = schemas_sub.add_parser("export", help="write the JSON Schema files")
    export.add_argument("--dir", help="output folder (default: schemas/json)")
    export.set_defaults(func=_schemas_export, offline=True)

    policy_commands.register(sub)
    offline_commands.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = None if getattr(args, "offline", False) else load_settings()
        status: int = args.func(args, settings)
        return status
    except (PolicyError, CliError) as exc:
        print(f"tierstream: {exc}", file=sys.stderr)
        return 2
    except ValidationError as exc:  # from load_settings: a TIERSTREAM_* value is wrong
        print(f"tierstream: {settings_error(exc)}", file=sys.stderr)
        return 2
    except OSError as exc:  # a file or folder the command cannot read or write
        where = f": {exc.filename}" if exc.filename else ""
        print(f"tierstream: {exc.strerror or exc}{where}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
