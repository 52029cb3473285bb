"""`tierstream serve`: the read-only query process (streams/query/).

It follows the workers' state changelog into its own copy and answers the query API
(`/customers/{id}`, `/tiers/summary`) beside `/metrics`, `/healthz` and `/readyz`, so
reads scale with replicas and never slow the workers' decisions. It starts answering
queries once it has caught up with the changelog.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from tierstream.cli.base import run_async
from tierstream.policy import Policy, load_policy

if TYPE_CHECKING:
    from tierstream.settings import Settings


async def _run(settings: Settings, policy: Policy) -> None:
    import asyncio
    import signal

    from streams.kafka.topics import changelog_specs, create_topics
    from streams.query.app import build, serve

    # A replica may start before any worker: the changelog then exists with the
    # workers' partitions and compaction, never with the broker's defaults.
    await create_topics(settings, changelog_specs(settings))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await serve(build(settings, policy), stop)


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio
    import logging

    import uvloop

    logging.basicConfig(level=settings.log_level,
                        format="[%(asctime)s] [%(levelname)s] %(name)s: %(message)s")
    policy = load_policy(settings.policy_file)  # the explanation needs the active policy
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    run_async(_run(settings, policy), settings)
    return 0


def register(sub: Any) -> None:
    sub.add_parser(
        "serve", help="run a read-only query process (answers the query API from the "
        "state changelog; run several behind a load balancer)",
    ).set_defaults(func=_serve)
