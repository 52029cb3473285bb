"""faust's sensor hooks, recorded into our metrics in Prometheus units.

faust's `PrometheusMonitor` names its metrics against Prometheus conventions
(`..._runtime_ms`, `..._total_events_total`, `..._offset_commited`, latencies in
milliseconds without a unit, an in-progress gauge called `total_rebalances`), and
most of them repeat ours (events consumed, lag, committed offsets). This monitor keeps
only what faust alone sees, in seconds and `_total` counters: commit and send
latency, send errors, rebalances and table recovery, HTTP requests. It subclasses
faust's `Monitor`, so faust's own in-memory statistics keep working.
"""

from __future__ import annotations

from typing import Any

from faust import web
from faust.sensors.monitor import Monitor
from faust.types import AppT
from faust.types.transports import ConsumerT, ProducerT
from faust.types.tuples import RecordMetadata

from streams.telemetry.metrics import Metrics

UNKNOWN_ROUTE = "other"


class PrometheusSensor(Monitor):
    """Install as `app.monitor`; every hook calls faust's first, then records."""

    def __init__(self, metrics: Metrics, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.metrics = metrics

    def on_commit_completed(self, consumer: ConsumerT, state: Any) -> None:
        super().on_commit_completed(consumer, state)
        self.metrics.commit_latency.observe(self.secs_since(state))

    def on_send_completed(
        self, producer: ProducerT, state: Any, metadata: RecordMetadata
    ) -> None:
        super().on_send_completed(producer, state, metadata)
        self.metrics.send_latency.observe(self.secs_since(state))

    def on_send_error(self, producer: ProducerT, exc: BaseException, state: Any) -> None:
        super().on_send_error(producer, exc, state)
        self.metrics.send_errors.inc()

    def on_rebalance_start(self, app: AppT) -> dict[Any, Any]:
        state = super().on_rebalance_start(app)
        self.metrics.rebalances.inc()
        self.metrics.rebalance_in_progress.set(1)
        return state

    def on_rebalance_return(self, app: AppT, state: dict[Any, Any]) -> None:
        # The new assignment is known: from here to the end, faust recovers the tables.
        super().on_rebalance_return(app, state)
        self.metrics.table_recovery_in_progress.set(1)

    def on_rebalance_end(self, app: AppT, state: dict[Any, Any]) -> None:
        super().on_rebalance_end(app, state)  # sets time_end, latency_end
        self.metrics.rebalance_in_progress.set(0)
        self.metrics.rebalance_duration.observe(state["latency_end"])
        if "time_return" in state:
            self.metrics.table_recovery_in_progress.set(0)
            self.metrics.table_recovery_duration.observe(
                state["time_end"] - state["time_return"])

    def on_web_request_end(
        self, app: AppT, request: web.Request, response: web.Response | None,
        state: dict[Any, Any], *, view: web.View | None = None,
    ) -> None:
        super().on_web_request_end(app, request, response, state, view=view)
        route = route_of(request)
        self.metrics.http_requests.labels(route, str(int(state["status_code"]))).inc()
        self.metrics.http_request_duration.labels(route).observe(state["latency_end"])


def route_of(request: Any) -> str:
    """The route pattern (`/customers/{customer_id}`), never the path: ids stay out."""
    try:
        return str(request.match_info.route.resource.canonical)
    except AttributeError:
        return UNKNOWN_ROUTE
