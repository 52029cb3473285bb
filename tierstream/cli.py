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

from tierstream.policy import PolicyError, load_policy
from tierstream.settings import Settings, load_settings

T = TypeVar("T")


class CliError(Exception):
    """An expected failure: printed as one line, exit status 2."""


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    from streams.worker import run_worker

    load_policy(settings.policy_file)  # fail before faust starts, with the field named
    run_worker(settings)
    return 0


def _topics_create(args: argparse.Namespace, settings: Settings) -> int:
    from streams.topics import create_topics

    created = _run(create_topics(settings), settings)
    print("created: " + (", ".join(created) if created else "nothing (all topics exist)"))
    return 0


def _produce(args: argparse.Namespace, settings: Settings) -> int:
    from streams.produce import produce

    sent = _run(produce(settings, customers=args.customers, seed=args.seed, rate=args.rate,
                        limit=args.limit, invalid_ratio=args.invalid_ratio,
                        id_prefix=args.id_prefix), settings)
    print(f"sent {sent} records to {settings.input_topic}", file=sys.stderr)
    return 0


def _tail(args: argparse.Namespace, settings: Settings) -> int:
    from streams.tail import TailFilter, tail

    filt = TailFilter(customer=args.customer, customer_prefix=args.customer_prefix,
                      tier=args.tier, alert_type=args.alert_type)
    _run(tail(settings, filt, args.from_beginning, limit=args.limit), settings)
    return 0


def _schemas_export(args: argparse.Namespace, settings: Settings | None) -> int:
    from schemas.export import JSON_DIR, export

    for path in export(Path(args.dir) if args.dir else JSON_DIR):
        print(path)
    return 0


def _policy_check(args: argparse.Namespace, settings: Settings | None) -> int:
    policy = load_policy(args.file)
    print(f"ok: {args.file} is policy {policy.version}")
    return 0


def _run(coro: Coroutine[Any, Any, T], settings: Settings) -> T | None:
    from aiokafka.errors import KafkaConnectionError

    try:
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
    produce.add_argument("--customers", type=int, default=200, help="number of customers")
    produce.add_argument("--seed", type=int, default=7, help="random seed")
    produce.add_argument("--rate", type=float, default=0.0,
                         help="records per second (0 = as fast as possible)")
    produce.add_argument("--limit", type=int, default=None, help="stop after N records")
    produce.add_argument("--invalid-ratio", type=float, default=0.0,
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

    schemas = sub.add_parser("schemas", help="JSON Schema files of the wire contracts")
    schemas_sub = schemas.add_subparsers(dest="schemas_command", required=True)
    export = schemas_sub.add_parser("export", help="write the JSON Schema files")
    export.add_argument("--dir", help="output folder (default: schemas/json)")
    export.set_defaults(func=_schemas_export, offline=True)

    policy = sub.add_parser("policy", help="policy files")
    policy_sub = policy.add_subparsers(dest="policy_command", required=True)
    check = policy_sub.add_parser("check", help="validate a policy file and print its version")
    check.add_argument("file", help="path to a policy YAML file")
    check.set_defaults(func=_policy_check, offline=True)
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


if __name__ == "__main__":
    sys.exit(main())
