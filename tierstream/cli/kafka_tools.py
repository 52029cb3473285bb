"""`tierstream topics|produce|tail|reconcile`: the operator's tools on the Kafka topics."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from schemas.vocabulary import TIERS
from tierstream.cli.base import (
    non_negative_float,
    non_negative_int,
    progress_printer,
    ratio,
    run_async,
)
from tierstream.demo.personas import PERSONAS
from tierstream.settings import Settings


def _topics_create(args: argparse.Namespace, settings: Settings) -> int:
    from streams.kafka.topics import create_topics

    created = run_async(create_topics(settings), settings)
    print("created: " + (", ".join(created) if created else "nothing (all topics exist)"))
    return 0


def _produce(args: argparse.Namespace, settings: Settings) -> int:
    from streams.kafka.produce import produce

    sent = run_async(produce(settings, customers=args.customers, seed=args.seed, rate=args.rate,
                        limit=args.limit, invalid_ratio=args.invalid_ratio,
                        id_prefix=args.id_prefix, duration=args.duration,
                        personas=args.persona, progress=progress_printer("produced")),
                     settings)
    print(f"sent {sent} records to {settings.input_topic}", file=sys.stderr)
    return 0


def _tail(args: argparse.Namespace, settings: Settings) -> int:
    from streams.kafka.tail import TailFilter, tail

    filt = TailFilter(customer=args.customer, customer_prefix=args.customer_prefix,
                      tier=args.tier, alert_type=args.alert_type)
    run_async(tail(settings, filt, args.from_beginning, limit=args.limit), settings)
    return 0


def _reconcile(args: argparse.Namespace, settings: Settings) -> int:
    from streams.kafka.reconcile import reconcile

    result = run_async(reconcile(settings, args.metrics), settings)
    assert result is not None
    print(result.summary())
    return 0 if result.balanced else 1


def register(sub: Any) -> None:
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
    tail.add_argument("--tier", choices=TIERS, help="only this (new) tier")
    tail.add_argument("--alert-type", help="only alerts of this type")
    tail.add_argument("--from-beginning", action="store_true", help="replay the topics first")
    tail.add_argument("--limit", type=int, default=None, help="stop after N lines")
    tail.set_defaults(func=_tail)

    rec = sub.add_parser("reconcile", help="check in = applied + duplicates + dlq (+ forwarded) "
                         "from the input topic and the workers' /metrics")
    rec.add_argument("--metrics", nargs="+", required=True, metavar="URL",
                     help="/metrics URL of every worker of the group")
    rec.set_defaults(func=_reconcile)
