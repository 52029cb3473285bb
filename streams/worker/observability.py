"""Wires monitoring into a faust app: sensor, readiness signals, gauge rebuilds, lag timer.

faust's hooks (commits, sends, rebalances, HTTP requests) feed our metrics through
`PrometheusSensor`, so one `/metrics` page serves one set of conventional names.
faust's `PrometheusMonitor` is not used: its names break Prometheus conventions and
mostly repeat ours (streams/telemetry/faust_sensor.py says which went where).
"""

from __future__ import annotations

import logging
from typing import Any

import faust
from prometheus_client import CollectorRegistry

from streams.http.readiness import Readiness
from streams.telemetry.faust_sensor import PrometheusSensor
from streams.telemetry.lag import LAG_INTERVAL_SECONDS, PartitionGauges, update_lag
from streams.telemetry.metrics import Metrics
from streams.telemetry.tier_gauges import rebuild
from tierstream.settings import Settings

log = logging.getLogger(__name__)


def install_observability(
    app: faust.App, settings: Settings, table: Any, metrics: Metrics,
    registry: CollectorRegistry | None = None,
) -> Readiness:
    """Call once from the app factory, after the table exists; returns the readiness.

    `registry` is unused (every metric is in `metrics`); kept so callers need no change."""
    app.monitor = PrometheusSensor(metrics)
    readiness = Readiness()

    async def on_rebalance(sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        readiness.on_rebalance()

    # Revocation starts every (eager) rebalance. Not on_partitions_assigned: faust sends
    # it after starting the table recovery, which could end first and be overwritten.
    app.on_partitions_revoked.connect(on_rebalance)

    async def on_table_recovered() -> None:
        # Streams are still paused here: no write can race the count.
        customers = rebuild(metrics, table.values())
        log.info("tier gauges rebuilt from %d stored customers", customers)
        readiness.on_recovered()

    table.on_recover(on_table_recovered)

    lag = PartitionGauges(metrics.consumer_lag, metrics.consumer_committed_offset)

    async def lag_tick() -> None:
        await update_lag(app, settings.input_topic, lag)

    app.timer(LAG_INTERVAL_SECONDS, name="tierstream.consumer_lag")(lag_tick)
    return readiness
