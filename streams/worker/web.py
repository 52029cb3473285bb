"""The worker's operational web endpoints: `/metrics`, `/healthz`, `/readyz`.

`/healthz` answers 200 while the event loop runs (an orchestrator restarts a worker
that stops answering). `/readyz` answers 200 once the worker's partitions are
assigned and its table is recovered, 503 before and during a rebalance (see
streams/readiness.py). `/metrics` serves one registry: ours and faust's sensor.
"""

from __future__ import annotations

from typing import Any

import faust
from aiohttp.web import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from streams.readiness import Readiness, input_partitions


def register_web(
    app: faust.App, registry: CollectorRegistry, readiness: Readiness, input_topic: str
) -> None:
    async def metrics_page(web: Any, request: Any) -> Any:
        # aiohttp refuses a content_type with a charset; Prometheus's carries one.
        headers = {"Content-Type": CONTENT_TYPE_LATEST}
        return Response(body=generate_latest(registry), headers=headers)

    async def healthz(web: Any, request: Any) -> Any:
        return web.json({"status": "alive"})

    async def readyz(web: Any, request: Any) -> Any:
        ready = readiness.ready(rebalancing=bool(app.rebalancing))
        body = {
            "ready": ready,
            "table_recovered": readiness.recovered,
            "rebalancing": bool(app.rebalancing),
            "input_partitions": input_partitions(app, input_topic),
        }
        return web.json(body, status=200 if ready else 503)

    app.page("/metrics")(metrics_page)
    app.page("/healthz")(healthz)
    app.page("/readyz")(readyz)
