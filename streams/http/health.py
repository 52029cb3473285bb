"""The worker's operational pages: `/metrics`, `/healthz`, `/readyz`.

`/healthz` answers 200 while the event loop runs (an orchestrator restarts a worker
that stops answering). `/readyz` answers 200 once the worker's partitions are
assigned and its table is recovered, 503 before and during a rebalance (see
readiness.py). `/metrics` serves one registry: ours and faust's sensor. None of
them carries customer data.
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from streams.http.readiness import Readiness
from streams.http.replies import Reply, Request, json_reply


class HealthPages:
    def __init__(
        self,
        registry: CollectorRegistry,
        readiness: Readiness,
        rebalancing: Callable[[], bool],
        input_partitions: Callable[[], list[int]],
    ) -> None:
        self.registry = registry
        self.readiness = readiness
        self.rebalancing = rebalancing
        self.input_partitions = input_partitions

    async def metrics(self, request: Request) -> Reply:
        return Reply(200, generate_latest(self.registry), content_type=CONTENT_TYPE_LATEST)

    async def healthz(self, request: Request) -> Reply:
        return json_reply({"status": "alive"})

    async def readyz(self, request: Request) -> Reply:
        rebalancing = self.rebalancing()
        ready = self.readiness.ready(rebalancing=rebalancing)
        body = {
            "ready": ready,
            "table_recovered": self.readiness.recovered,
            "rebalancing": rebalancing,
            "input_partitions": self.input_partitions(),
        }
        return json_reply(body, status=200 if ready else 503)
