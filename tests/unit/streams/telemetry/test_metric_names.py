"""Every metric a worker or the query process exposes follows Prometheus conventions.

An operator writing a query guesses names from the conventions: counters end in
`_total`, durations are in seconds and sizes in bytes, with the unit as the last
word. faust's own sensor broke them (`..._runtime_ms`, `..._total_events_total`,
`..._offset_commited`); this catches any name that does it again.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from streams.query.metrics import QueryMetrics
from streams.worker.app import create_app
from tests.unit.builders import DEFAULT_POLICY
from tierstream.settings import Settings

SNAKE = re.compile(r"tierstream_[a-z][a-z0-9]*(_[a-z0-9]+)*")
NOT_BASE_UNITS = {"ms", "msec", "millis", "milliseconds", "us", "micros", "microseconds",
                  "ns", "nanoseconds", "minutes", "hours", "days", "kb", "mb", "gb", "kib",
                  "mib", "kilobytes", "megabytes", "percent"}
DURATION_WORDS = {"latency", "duration", "runtime", "age", "elapsed", "time"}
SIZE_WORDS = {"size", "bytes"}
MISSPELLINGS = {"commited", "recieved", "occured", "seperate", "succesful", "lenght",
                "treshold", "assigment"}
RESERVED_ENDINGS = ("_count", "_sum", "_bucket", "_created")


def worker_page() -> str:
    """The worker's /metrics text, from the app factory (nothing started)."""
    registry = CollectorRegistry()
    create_app(Settings(partitions=4, store="memory://"), DEFAULT_POLICY, registry)
    return generate_latest(registry).decode()


def query_page() -> str:
    registry = CollectorRegistry()
    QueryMetrics.create(registry)
    return generate_latest(registry).decode()


def families(text: str) -> list[tuple[str, str]]:
    """(name, type) of each family; a counter's name without the `_total` it is served with."""
    return [(f.name, f.type) for f in text_string_to_metric_families(text)
            if not (f.type == "gauge" and f.name.endswith("_created"))]


def violations(name: str, kind: str) -> list[str]:
    words = name.split("_")
    found = []
    if not SNAKE.fullmatch(name):
        found.append("not tierstream_ snake_case")
    if "total" in words:
        found.append("'total' inside a name (a counter gets `_total` appended, nothing else may)")
    if NOT_BASE_UNITS & set(words):
        found.append(f"not a base unit: {sorted(NOT_BASE_UNITS & set(words))}")
    if DURATION_WORDS & set(words) and words[-1] != "seconds":
        found.append("a duration not ending in _seconds")
    if SIZE_WORDS & set(words) and words[-1] != "bytes":
        found.append("a size not ending in _bytes")
    if kind in {"histogram", "summary"} and words[-1] not in {"seconds", "bytes"}:
        found.append("a histogram without its unit (seconds, bytes) last")
    if MISSPELLINGS & set(words):
        found.append(f"misspelt: {sorted(MISSPELLINGS & set(words))}")
    if name.endswith(RESERVED_ENDINGS):
        found.append("ends like a histogram's series")
    if name.startswith("tierstream_faust_"):
        found.append("faust's own sensor names are not exported")
    return found


@pytest.mark.parametrize("page", [worker_page, query_page], ids=["worker", "query"])
def test_every_exposed_metric_follows_the_prometheus_conventions(
    page: Callable[[], str],
) -> None:
    text = page()
    names = families(text)
    assert len(names) > 5
    wrong = {f"{name} ({kind})": v for name, kind in names if (v := violations(name, kind))}
    assert wrong == {}
    served = {line.split()[2] for line in text.splitlines() if line.startswith("# TYPE")}
    counters = {line.split()[2] for line in text.splitlines()
                if line.startswith("# TYPE") and line.endswith(" counter")}
    assert all(c.endswith("_total") for c in counters), counters
    assert not any(s.endswith("_total_total") for s in served)


def test_the_rules_catch_what_fausts_sensor_got_wrong() -> None:
    assert violations("tierstream_faust_events_runtime_ms", "histogram")
    assert violations("tierstream_total_events", "counter")
    assert violations("tierstream_topic_partition_offset_commited", "gauge")
    assert violations("tierstream_producer_send_latency", "histogram")
    assert violations("tierstream_customer_table_size", "gauge")
    assert violations("tierstream_commit_latency_seconds", "histogram") == []
