"""`tierstream topics|produce|tail|reconcile`: the operator's tools on the Kafka topics.

None of them creates a topic as a side effect: `produce`, `tail` and `reconcile` say
which topic is missing and point at `tierstream topics create`.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from schemas.vocabulary import TIERS
from tierstream.cli.base import CliError, non_negative_float, non_negative_int, run_async
from tierstream.cli.generate import add_stream_arguments
from tierstream.cli.progress import CountProgress
from tierstream.demo.generator import SyntheticStream

if TYPE_CHECKING:
    from tierstream.settings import Settings


def _topics_create(args: argparse.Namespace, settings: Settings) -> int:
    from streams.kafka.topics import create_topics

    created = run_async(create_topics(settings), settings)
    print("created: " + (", ".join(created) if created else "nothing (all topics exist)"))
    return 0


def _produce(args: argparse.Namespace, settings: Settings) -> int:
    from streams.kafka.produce import produce

    with CountProgress(args.customers, "plan", unit="customers") as planned:
        stream = SyntheticStream(args.customers, seed=args.seed,
                                 invalid_ratio=args.invalid_ratio, id_prefix=args.id_prefix,
                                 personas=args.persona, progress=planned)
    # the bar's end: the limit, else the whole stream when its size is known exactly
    total = args.limit if args.limit is not None else (
        stream.events if args.invalid_ratio == 0 and args.duration is None else None)
    with CountProgress(total, "produce") as progress:
        sent = run_async(produce(settings, stream, rate=args.rate, limit=args.limit,
                                 duration=args.duration, progress=progress), settings)
    if sent is None:
        return 1  # interrupted
    print(f"sent {sent} records to {settings.input_topic}", file=sys.stderr)
    return 0


def _tail(args: argparse.Namespace, settings: Settings) -> int:
    from streams.kafka.tail import TailFilter, tail

    if args.alerts and not args.tier:
        raise CliError("tail: --alerts only goes with --tier (without it, alerts are shown)")
    filt = TailFilter(customer=args.customer, customer_prefix=args.customer_prefix,
                      tier=args.tier, alert_type=args.alert_type, alerts=args.alerts)
    run_async(tail(settings, filt, args.from_beginning, limit=args.limit,
                   notice=lambda text: print(f"tail: {text}", file=sys.stderr, flush=True)),
              settings)
    return 0


def _reconcile(args: argparse.Namespace, settings: Settings) -> int:
    from streams.kafka.reconcile import MetricsUnreadable, reconcile

    try:
        result = run_async(reconcile(settings, args.metrics), settings)
    except MetricsUnreadable as exc:
        raise CliError(str(exc)) from None
    if result is None:
        return 1  # interrupted
    print(result.summary())
    return 0 if result.balanced else 1


def register(sub: Any) -> None:
    topics = sub.add_parser("topics", help="manage the service's topics")
    topics_sub = topics.add_subparsers(dest="topics_command", required=True)
    topics_sub.add_parser(
        "create", help="create the topics with the configured partitions and compaction"
    ).set_defaults(func=_topics_create)

    produce = sub.add_parser("produce", help="send the built-in synthetic customer stream "
                             "to the input topic (which must exist: topics create)")
    add_stream_arguments(produce)
    produce.add_argument("--rate", type=non_negative_float, default=0.0,
                         help="records per second (0 = as fast as possible)")
    produce.add_argument("--limit", type=non_negative_int, default=None,
                         help="stop after N records")
    produce.add_argument("--duration", type=non_negative_float, default=None,
                         help="stop after this many seconds")
    produce.set_defaults(func=_produce)

    tail = sub.add_parser("tail", help="show tier changes and alerts as they happen")
    tail.add_argument("--customer", help="only this customer id")
    tail.add_argument("--customer-prefix", help="only customer ids starting with this")
    tail.add_argument("--tier", choices=TIERS,
                      help="only tier changes to this tier (no alerts, unless --alerts)")
    tail.add_argument("--alerts", action="store_true",
                      help="with --tier: also alerts of customers at that tier")
    tail.add_argument("--alert-type", help="only alerts of this type (no tier changes)")
    tail.add_argument("--from-beginning", action="store_true",
                      help="first what is on the topics already, in time order")
    tail.add_argument("--limit", type=non_negative_int, default=None,
                      help="stop after N lines")
    tail.set_defaults(func=_tail)

    rec = sub.add_parser("reconcile", help="check in = applied + duplicates + dlq (+ forwarded) "
                         "from the input topic and the workers' /metrics")
    rec.add_argument("--metrics", nargs="+", required=True, metavar="URL",
                     help="every worker of the group: http://HOST:PORT (its /metrics page)")
    rec.set_defaults(func=_reconcile)

