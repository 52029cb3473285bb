"""Wires monitoring into a faust app: sensor, readiness signals, gauge rebuilds, lag timer.

faust's own Prometheus sensor (messages, commits, rebalances, send latency) registers
in the worker's registry under the `tierstream_faust_` prefix, so one `/metrics` page
serves both and no name clashes with ours (`tierstream_` without `faust_`). faust's
`setup_prometheus_sensors` is not used because it would add a second `/metrics` page.
"""

from __future__ import annotations

import logging
from typing import Any

import faust
from faust.sensors.prometheus import FaustMetrics, PrometheusMonitor
from prometheus_client import CollectorRegistry

from streams.http.readiness import Readiness
from streams.telemetry.lag import LAG_INTERVAL_SECONDS, PartitionGauges, update_lag
from streams.telemetry.metrics import Metrics
from streams.telemetry.tier_gauges import rebuild
from tierstream.settings import Settings

log = logging.getLogger(__name__)

FAUST_METRICS_PREFIX = "tierstream_faust"


def install_observability(
    app: faust.App, settings: Settings, table: Any, metrics: Metrics,
    registry: CollectorRegistry,
) -> Readiness:
    """Call once from the app factory, after the table exists; returns the readiness."""
    app.monitor = PrometheusMonitor(metrics=FaustMetrics.create(registry, FAUST_METRICS_PREFIX))
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
