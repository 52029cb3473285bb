"""Assembling the query process: store, changelog follower, policy feed, web server.

The customer and summary answers are those of the workers (streams/http/customers.py
and summary.py), fed from the replica's store: a replica owns every partition, so
neither ever forwards. Routes are split like the worker's: `public` ones (probes,
scrapes) and `private` ones (customer data) that require a bearer token when
`TIERSTREAM_API_TOKEN_FILE` is set, with the same check (streams/http/auth.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web
from prometheus_client import CollectorRegistry

from streams.http.auth import TokenFile, require_token
from streams.http.customers import CustomerQuery
from streams.http.history import HistoryQuery
from streams.http.ownership import PartitionOwners
from streams.http.peers import PeerUnavailable
from streams.http.replies import Handler
from streams.http.summary import SummaryQuery
from streams.http.tls import server_context
from streams.kafka.policy_feed import PolicyFeed
from streams.kafka.topics import HISTORY_TABLE
from streams.query import standings
from streams.query.cache import AnswerCache
from streams.query.follower import ChangelogFollower
from streams.query.metrics import QueryMetrics
from streams.query.pages import ReplicaPages
from streams.query.shedding import LoopLag, RateLimit, guarded
from streams.query.store import ReplicaStore
from streams.query.web import application
from streams.telemetry.metrics import Metrics
from tierstream.policy import ActivePolicy, Policy
from tierstream.settings import Settings

log = logging.getLogger(__name__)

CUSTOMER_ROUTE = "/customers/{customer_id}"
SUMMARY_ROUTE = "/tiers/summary"
HISTORY_ROUTE = "/customers/{customer_id}/history"


async def no_peers(url: str) -> tuple[int, bytes]:
    """A replica has no peer to ask: it holds every partition."""
    raise PeerUnavailable("a query replica forwards nothing")


def replica_url(settings: Settings) -> str:
    scheme = "https" if settings.web_certfile else "http"
    return f"{scheme}://{settings.web_host}:{settings.query_port}"


@dataclass(frozen=True)
class QueryProcess:
    settings: Settings
    registry: CollectorRegistry
    store: ReplicaStore
    follower: ChangelogFollower
    history: ChangelogFollower
    loop_lag: LoopLag
    answers: AnswerCache
    policy_feed: PolicyFeed
    public: Mapping[str, Handler]
    private: Mapping[str, Handler]

    def web_app(self) -> web.Application:
        tokens = (TokenFile(Path(self.settings.api_token_file))
                  if self.settings.api_token_file else None)
        private = (self.private if tokens is None
                   else {path: require_token(h, tokens) for path, h in self.private.items()})
        if tokens is None:
            log.warning("query API is UNAUTHENTICATED: set TIERSTREAM_API_TOKEN_FILE so that "
                        "/customers and /tiers/summary require a bearer token")
        return application({**self.public, **private})


def build(settings: Settings, policy: Policy,
          registry: CollectorRegistry | None = None) -> QueryProcess:
    registry = registry if registry is not None else CollectorRegistry()
    metrics = QueryMetrics.create(registry)
    # Private: the tier/grade gauges SummaryQuery counts from and the policy feed's
    # counters; on /metrics they would add to the workers' (see standings.py).
    private_registry = CollectorRegistry()
    inner = Metrics.create(private_registry)
    active = ActivePolicy(policy)
    store = ReplicaStore()
    answers = AnswerCache()
    active.on_switch(lambda _: answers.clear())

    def on_write(key: bytes, old: bytes | None, new: bytes | None) -> None:
        answers.drop(key.decode(errors="replace"))
        standings.move(inner, old, new)

    follower = ChangelogFollower(settings, store, metrics, on_write)
    # The decision history (/history, ?as_of=) from its own changelog; answers with a
    # query string bypass the answer cache, so its writes drop nothing.
    history = ChangelogFollower(settings, ReplicaStore(), None, lambda *_: None,
                                table=HISTORY_TABLE)

    def caught_up() -> bool:
        return follower.caught_up and history.caught_up
    n, me = settings.partitions, replica_url(settings)
    owners = PartitionOwners(lambda: {me: {follower.topic: range(n)}}, lambda: [me], me, n)
    loop_lag = LoopLag()
    pages = ReplicaPages(registry, follower, others=(history,))

    limit = RateLimit(settings.query_max_requests_per_second)

    def guard(route: str, handler: Handler) -> Handler:
        return guarded(handler, route, lambda: loop_lag.lag,
                       settings.query_max_loop_lag_seconds, caught_up, metrics, limit)

    customer = CustomerQuery(store.get, active, owners, no_peers,
                             restoring=lambda: not caught_up(), history=history.store.get)
    summary = SummaryQuery(private_registry, store.items, owners, no_peers)
    return QueryProcess(
        settings=settings, registry=registry, store=store, follower=follower,
        history=history, loop_lag=loop_lag, answers=answers,
        policy_feed=PolicyFeed(settings, active, inner),
        public={"/metrics": pages.metrics, "/healthz": pages.healthz, "/readyz": pages.readyz},
        private={CUSTOMER_ROUTE: guard(CUSTOMER_ROUTE, answers.cached(customer)),
                 HISTORY_ROUTE: guard(HISTORY_ROUTE, HistoryQuery(
                     history.store.get, owners, no_peers, lambda: not caught_up())),
                 SUMMARY_ROUTE: guard(SUMMARY_ROUTE, summary)},
    )


async def serve(process: QueryProcess, stop: asyncio.Event) -> None:
    """Follow the changelog and answer HTTP until `stop` is set."""
    s = process.settings
    runner = web.AppRunner(process.web_app(), access_log=None)
    await runner.setup()
    tasks: list[asyncio.Task[None]] = []
    try:
        site = web.TCPSite(runner, s.web_bind or s.web_host, s.query_port,
                           ssl_context=server_context(s))
        await site.start()  # first: a port in use fails the start before Kafka is asked
        tasks = [asyncio.create_task(c) for c in (
            process.follower.run(), process.history.run(), process.loop_lag.run(),
            process.policy_feed.follow())]
        log.info("tierstream query process on %s: changelog %s (%d partitions)",
                 replica_url(s), process.follower.topic, s.partitions)
        await stop.wait()
    finally:
        await runner.cleanup()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
