"""faust's sensor hooks land in our metrics, in seconds, with a fake clock."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from prometheus_client import CollectorRegistry

from streams.telemetry.faust_sensor import PrometheusSensor
from streams.telemetry.metrics import Metrics


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def sensor() -> tuple[PrometheusSensor, CollectorRegistry, Clock]:
    registry, clock = CollectorRegistry(), Clock()
    return PrometheusSensor(Metrics.create(registry), time=clock), registry, clock


def value(registry: CollectorRegistry, name: str, **labels: str) -> float:
    found = registry.get_sample_value(name, labels)
    assert found is not None, f"{name}{labels} not exported"
    return found


def test_a_rebalance_is_counted_and_timed_in_seconds_with_its_table_recovery() -> None:
    s, registry, clock = sensor()
    app: Any = SimpleNamespace(rebalancing_count=1)
    state = s.on_rebalance_start(app)
    assert value(registry, "tierstream_rebalance_in_progress") == 1
    clock.now += 2.0  # joining the group
    s.on_rebalance_return(app, state)
    assert value(registry, "tierstream_table_recovery_in_progress") == 1
    clock.now += 30.0  # reading the changelog back
    s.on_rebalance_end(app, state)

    assert value(registry, "tierstream_rebalances_total") == 1
    assert value(registry, "tierstream_rebalance_in_progress") == 0
    assert value(registry, "tierstream_table_recovery_in_progress") == 0
    assert value(registry, "tierstream_rebalance_duration_seconds_sum") == 32.0
    assert value(registry, "tierstream_table_recovery_duration_seconds_sum") == 30.0


def test_commit_and_send_latency_are_seconds_and_send_errors_count() -> None:
    s, registry, clock = sensor()
    consumer: Any = object()
    producer: Any = object()
    started = s.on_commit_initiated(consumer)
    clock.now += 0.02
    s.on_commit_completed(consumer, started)
    sent = s.on_send_initiated(producer, "tier-changes", message=None,  # type: ignore[arg-type]
                               keysize=1, valsize=1)
    clock.now += 0.005
    s.on_send_completed(producer, sent, metadata=None)  # type: ignore[arg-type]
    s.on_send_error(producer, RuntimeError("broker gone"), sent)

    assert 0.019 < value(registry, "tierstream_commit_latency_seconds_sum") < 0.021
    assert value(registry, "tierstream_commit_latency_seconds_bucket", le="0.025") == 1
    assert 0.004 < value(registry, "tierstream_send_latency_seconds_sum") < 0.006
    assert value(registry, "tierstream_send_errors_total") == 1


def test_http_requests_are_labelled_by_route_pattern_never_by_customer_id() -> None:
    s, registry, clock = sensor()
    app: Any = object()
    request: Any = SimpleNamespace(match_info=SimpleNamespace(route=SimpleNamespace(
        resource=SimpleNamespace(canonical="/customers/{customer_id}"))))
    state = s.on_web_request_start(app, request)
    clock.now += 0.003
    s.on_web_request_end(app, request, SimpleNamespace(status=404), state)  # type: ignore[arg-type]
    s.on_web_request_end(app, object(), None, s.on_web_request_start(app, request))  # type: ignore[arg-type]

    route = "/customers/{customer_id}"
    assert value(registry, "tierstream_http_requests_total", route=route, status="404") == 1
    assert value(registry, "tierstream_http_requests_total", route="other", status="500") == 1
    assert 0.002 < value(registry, "tierstream_http_request_duration_seconds_sum",
                         route=route) < 0.004
