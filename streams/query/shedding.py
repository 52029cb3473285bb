"""Shedding queries when the process is saturated, instead of queueing them.

One event loop serves every request and applies the changelog. When requests arrive
faster than it answers them, its callbacks run late; a ticker measures by how much
(`LoopLag`). While that exceeds the limit, queries get an immediate 503 with
Retry-After, counted in `tierstream_query_shed{reason="overloaded"}`: a client or
load balancer retries elsewhere, answered requests stay fast and the changelog keeps
being applied. A replica not caught up yet answers 503 too (`catching_up`), and one
over its configured rate (`TIERSTREAM_QUERY_MAX_REQUESTS_PER_SECOND`) answers 429
(`rate_limited`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from streams.http.replies import Handler, Reply, Request, error_reply
from streams.query.metrics import QueryMetrics

TICK_SECONDS = 0.02


class LoopLag:
    """How late the event loop ran a timer lately (seconds)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.lag = 0.0

    async def run(self) -> None:
        while True:
            before = self.clock()
            await asyncio.sleep(TICK_SECONDS)
            self.lag = max(self.clock() - before - TICK_SECONDS, 0.0)


class RateLimit:
    """At most `per_second` queries a second over all routes (a token bucket holding a
    tenth of a second's worth); 0: no limit. On a host shared with workers it caps the
    CPU a replica (and its clients) can take from the decisions."""

    def __init__(self, per_second: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_second = per_second
        self.clock = clock
        self.burst = max(per_second / 10, 1.0)
        self.tokens = self.burst
        self.last = clock()

    def allow(self) -> bool:
        if self.per_second <= 0:
            return True
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.last) * self.per_second)
        self.last = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


def guarded(handler: Handler, route: str, lag: Callable[[], float], max_lag: float,
            caught_up: Callable[[], bool], metrics: QueryMetrics, limit: RateLimit,
            clock: Callable[[], float] = time.perf_counter) -> Handler:
    """`handler`, refused while the replica catches up, over its rate limit (429) or
    with its loop behind (503), and counted and timed by route."""
    seconds = metrics.request_seconds.labels(route)

    async def answer(request: Request) -> Reply:
        start = clock()
        if not caught_up():
            metrics.shed.labels("catching_up").inc()
            reply = error_reply(503, "unavailable", "replica is catching up with the "
                                "state changelog; retry")
        elif not limit.allow():
            metrics.shed.labels("rate_limited").inc()
            reply = error_reply(429, "unavailable", "query rate limit of this replica "
                                "reached; retry", headers={"Retry-After": "1"})
        elif lag() > max_lag:
            metrics.shed.labels("overloaded").inc()
            reply = error_reply(503, "unavailable", "query process saturated; retry")
        else:
            reply = await handler(request)
        metrics.requests.labels(route, str(reply.status)).inc()
        seconds.observe(clock() - start)
        return reply

    return answer
