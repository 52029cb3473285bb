"""The replica's operational pages: `/metrics`, `/healthz`, `/readyz`.

`/readyz` answers 200 only once the replica has read the changelog up to the end
offsets it saw at start, 503 (Retry-After) before: a load balancer sends it no query
until its answers are at least as fresh as the moment it started. The body says how
far behind it is now, in records and in seconds of the last decision applied.
"""

from __future__ import annotations

from collections.abc import Sequence

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from streams.http.replies import Reply, Request, json_reply
from streams.query.follower import ChangelogFollower


class ReplicaPages:
    def __init__(self, registry: CollectorRegistry, follower: ChangelogFollower,
                 others: Sequence[ChangelogFollower] = ()) -> None:
        """`follower` is the state's, which the body describes; `others` (the history's)
        must have caught up too before the replica is ready."""
        self.registry = registry
        self.follower = follower
        self.others = others

    async def metrics(self, request: Request) -> Reply:
        return Reply(200, generate_latest(self.registry), content_type=CONTENT_TYPE_LATEST)

    async def healthz(self, request: Request) -> Reply:
        return json_reply({"status": "alive"})

    async def readyz(self, request: Request) -> Reply:
        f = self.follower
        ready = f.caught_up and all(o.caught_up for o in self.others)
        body = {
            "ready": ready,
            "caught_up": ready,
            "changelog": f.topic,
            "lag_records": f.progress.lag,
            "customers": len(f.store),
            "last_freshness_seconds": f.last_delay,
        }
        reply = json_reply(body, status=200 if ready else 503)
        if not ready:
            return Reply(reply.status, reply.body, headers={"Retry-After": "1"})
        return reply
