"""A real Prometheus scrapes a real worker: what it stores matches what was sent.

The test starts `prometheus` (Debian package) on a free loopback port with a 1 s
scrape interval and the repository's alert rules, sends a known event stream, and
asks Prometheus's HTTP API (not the worker) for the counters, the tier gauges and the
consumer lag, and runs every dashboard panel's query there. Then the worker is
replaced by a fresh process with an empty state directory: its tier gauges must come
back from the changelog, with no event sent.

Every metric name the docs mention (README.md, docs/, monitoring/: rules, their
tests, dashboard queries) must be on a live worker's /metrics page, with the labels
written next to it; `tierstream_query_*` names belong to the query process and are
checked against its metrics factory instead.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families

from streams.query.metrics import QueryMetrics
from streams.telemetry.metrics import Metrics
from tests.integration.harness import REPO, WorkerProcess, event, free_port, produce
from tierstream.settings import Settings

pytestmark = pytest.mark.integration

DASHBOARD = REPO / "monitoring" / "grafana" / "dashboards" / "tierstream.json"
PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"


def stream() -> list[tuple[bytes | None, bytes]]:
    """9 customers: 3 end in B (one via C), 4 in C, 2 in D; one duplicate, one bad record."""
    records: list[tuple[bytes | None, bytes]] = []
    for n in range(3):
        records.append(event(f"m{n}", f"C-MON-B{n}", "profile.updated",
                             "2026-03-01T09:00:00Z", education="master"))
    for n in range(4):
        records.append(event(f"s{n}", f"C-MON-C{n}", "salary.changed",
                             "2026-03-01T09:00:00Z", monthly_income=5000))
    for n in range(2):
        records.append(event(f"o{n}", f"C-MON-D{n}", "loan.overdue", "2026-05-01T09:00:00Z",
                             loan_id="L1", installment=1, due_date="2026-01-01",
                             days_past_due=120, amount_overdue="100"))
    records.append(event("up", "C-MON-C0", "salary.changed", "2026-04-01T09:00:00Z",
                         monthly_income=16000))  # C -> B
    records.append(records[-1])  # the same event_id again: a duplicate
    records.append((b"C-MON-X", b"{not json"))
    return records


SENT = len(stream())
TIERS = {"A": 0, "B": 4, "C": 3, "D": 2}


class Prometheus:
    def __init__(self, tmp: Path, target: str) -> None:
        self.port = free_port()
        config = tmp / "prometheus.yml"
        config.write_text(
            "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
            f"rule_files: ['{REPO / 'monitoring' / 'rules'}/*.yml']\n"
            "scrape_configs:\n"
            "  - job_name: tierstream\n"
            f"    static_configs: [{{targets: ['{target}']}}]\n"
        )
        self.log = (tmp / "prometheus.log").open("wb")
        self.proc = subprocess.Popen(
            [PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={tmp / 'tsdb'}",
             f"--web.listen-address=127.0.0.1:{self.port}"],
            stdout=self.log, stderr=subprocess.STDOUT,
        )
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
        yield session


@pytest.fixture
def prometheus(tmp_path: Path, settings: Settings) -> Any:
    server = Prometheus(tmp_path, f"127.0.0.1:{settings.web_port}")
    yield server
    server.stop()


async def query(http: aiohttp.ClientSession, prom: Prometheus, expr: str) -> dict[str, float]:
    """An instant query's result as {'label=value,...': value}."""
    async with http.get(f"{prom.url}/api/v1/query", params={"query": expr}) as resp:
        body = await resp.json()
    assert body["status"] == "success", body
    return {",".join(f"{k}={v}" for k, v in sorted(r["metric"].items())): float(r["value"][1])
            for r in body["data"]["result"]}


async def eventually(
    check: Callable[[], Any], what: str, timeout: float = 60.0, worker: WorkerProcess | None = None
) -> None:
    """Poll `check` (async, returns (ok, seen)) until ok; fail with the last thing seen."""
    deadline = time.monotonic() + timeout
    seen: Any = None
    while time.monotonic() < deadline:
        try:
            ok, seen = await check()
        except (aiohttp.ClientError, OSError) as exc:
            ok, seen = False, repr(exc)
        if ok:
            return
        if worker is not None and worker.proc.poll() is not None:
            raise AssertionError(f"worker exited:\n{worker.log_tail()}")
        await asyncio.sleep(0.5)
    tail = worker.log_tail(30) if worker else ""
    raise AssertionError(f"{what}: last seen {seen}\n{tail}")


def grafana_to_promql(expr: str) -> str:
    return expr.replace("$__rate_interval", "1m").replace("$job", ".+")


def by_tier(result: dict[str, float]) -> dict[str, float]:
    return {k.removeprefix("tier="): v for k, v in result.items()}


async def test_prometheus_sees_the_counters_tier_gauges_and_lag_of_what_was_sent(
    settings: Settings, worker: WorkerProcess, prometheus: Prometheus,
    http: aiohttp.ClientSession, tmp_path: Path,
) -> None:
    worker_url = f"http://127.0.0.1:{settings.web_port}"

    async def ready() -> tuple[bool, Any]:
        async with http.get(f"{worker_url}/readyz") as resp:
            return resp.status == 200, await resp.json()

    await eventually(ready, "worker /readyz", worker=worker)
    async with http.get(f"{worker_url}/healthz") as resp:
        assert resp.status == 200
    async with http.get(f"{worker_url}/readyz") as resp:
        assert (await resp.json())["input_partitions"] == [0, 1, 2, 3]

    await produce(settings, stream())

    async def counted() -> tuple[bool, Any]:
        seen = {
            "consumed": await query(http, prometheus, "sum(tierstream_events_consumed_total)"),
            "duplicates": await query(http, prometheus, "tierstream_events_duplicate_total"),
            "not_json": await query(
                http, prometheus, 'tierstream_events_rejected_total{reason="not_json"}'),
            "c_to_b": await query(
                http, prometheus, 'tierstream_tier_changes_total{from_tier="C",to_tier="B"}'),
            "tiers": by_tier(await query(
                http, prometheus, "sum by (tier) (tierstream_customers)")),
            "lag_partitions": await query(http, prometheus, "count(tierstream_consumer_lag)"),
            "lag": await query(http, prometheus, "sum(tierstream_consumer_lag)"),
            "committed": await query(  # with lag 0: everything sent was committed
                http, prometheus, "sum(tierstream_consumer_committed_offset)"),
        }
        ok = (seen["consumed"] == {"": SENT} and seen["tiers"] == TIERS
              and [list(seen[k].values()) for k in ("duplicates", "not_json", "c_to_b")]
              == [[1], [1], [1]]
              and seen["lag_partitions"] == {"": 4} and seen["lag"] == {"": 0}
              and seen["committed"] == {"": SENT})
        return ok, seen

    await eventually(counted, "counters, tier gauges and lag in Prometheus", worker=worker)

    # faust's hooks land in our names, in seconds: the joining rebalance is over, its
    # commits were timed, and Prometheus's own scrapes are counted by route.
    client = {
        "rebalances": "tierstream_rebalances_total",
        "rebalancing": "tierstream_rebalance_in_progress + tierstream_table_recovery_in_progress",
        "rebalance_seconds": "tierstream_rebalance_duration_seconds_count",
        "commits": "tierstream_commit_latency_seconds_count",
        "scrapes": 'tierstream_http_requests_total{route="/metrics", status="200"}',
    }
    expected = {"rebalances": True, "rebalancing": False, "rebalance_seconds": True,
                "commits": True, "scrapes": True}

    async def hooks() -> tuple[bool, Any]:
        seen = {k: sum((await query(http, prometheus, e)).values()) for k, e in client.items()}
        return {k: v > 0 for k, v in seen.items()} == expected, seen

    await eventually(hooks, "faust's hooks in our metrics", worker=worker)
    async with http.get(f"{prometheus.url}/api/v1/rules") as resp:
        groups = (await resp.json())["data"]["groups"]
    assert {r["health"] for g in groups for r in g["rules"]} == {"ok"}

    # Every dashboard query runs on the real Prometheus, and each panel shows data.
    quiet = {"Firing monitoring alerts"}  # nothing should fire here
    panels = json.loads(DASHBOARD.read_text())["panels"]
    for panel in (p for p in panels if p["type"] != "row"):
        results = [await query(http, prometheus, grafana_to_promql(t["expr"]))
                   for t in panel["targets"]]
        assert panel["title"] in quiet or any(results), f"panel {panel['title']!r} is empty"

    # A new process with an empty state directory: the gauges come back from the changelog.
    worker.stop()
    fresh = settings.model_copy(update={"data_dir": tmp_path / "worker-data-2"})
    second = WorkerProcess(fresh, tmp_path / "worker2.log")
    try:
        async def rebuilt() -> tuple[bool, Any]:
            consumed = await query(http, prometheus, "sum(tierstream_events_consumed_total)")
            tiers = by_tier(await query(http, prometheus, "sum by (tier) (tierstream_customers)"))
            return consumed == {"": 0} and tiers == TIERS, (consumed, tiers)

        await eventually(rebuilt, "tier gauges of the restarted worker", worker=second)
    finally:
        second.stop()


# --- Every metric name the docs mention is served ------------------------------------

DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md")),
        *sorted(f for f in (REPO / "monitoring").rglob("*")
                if f.suffix in {".md", ".yml", ".yaml", ".json"})]
NAME = re.compile(r"\btierstream_[a-z0-9_]*")
TARGET_LABELS = {"job", "instance"}  # added by Prometheus to every scraped series
QUERY_PREFIX = "tierstream_query_"  # served by `tierstream serve`, not by the worker


@dataclass(frozen=True)
class Mention:
    """A metric name in a doc (`prefix`: `tierstream_x_*` or a bare `tierstream_x_`)."""

    where: str
    name: str
    labels: frozenset[str]
    prefix: bool


def mentions(path: Path) -> list[Mention]:
    """Names a reader would query; file names (`tierstream_x.yml`) are not names."""
    found = []
    for n, line in enumerate(path.read_text().splitlines(), 1):
        where = f"{path.relative_to(REPO)}:{n}"
        for match in NAME.finditer(line):
            name, rest = match.group(), line[match.end():]
            if re.match(r"\.[a-z]", rest):
                continue
            alternatives = re.match(r"\(([a-z0-9_|]+)\)", rest)  # grep -E 'x_(a|b)'
            if alternatives:
                found += [Mention(where, name + alt, frozenset(), False)
                          for alt in alternatives.group(1).split("|")]
                continue
            labels = re.match(r"\{([^}]*)\}", rest)
            names = frozenset(
                m.group(1) for part in (labels.group(1).split(",") if labels else [])
                if (m := re.match(r"\s*([a-zA-Z_]\w*)", part)))
            found.append(Mention(where, name, names, name.endswith("_") or rest[:1] == "*"))
    return found


def served(families: Iterable[Metric], labelnames: dict[str, set[str]]) -> dict[str, set[str]]:
    """Every queryable series name of `families` -> the label names it may carry."""
    suffixes = {"counter": ["_total", "_created"], "info": ["_info"],
                "histogram": ["", "_bucket", "_sum", "_count", "_created"],
                "summary": ["", "_sum", "_count", "_created"]}
    names: dict[str, set[str]] = {}
    for family in families:
        labels = labelnames.get(family.name, set()) | TARGET_LABELS
        labels |= {k for sample in family.samples for k in sample.labels}
        for suffix in suffixes.get(family.type, [""]):
            names[family.name + suffix] = labels | ({"le"} if suffix == "_bucket" else set())
    return names


def factory_labelnames(metrics: object) -> dict[str, set[str]]:
    """Label names per family, from a metrics dataclass (families without series too)."""
    out = {}
    for field in fields(metrics):  # type: ignore[arg-type]
        metric = getattr(metrics, field.name)
        out[metric._name] = set(metric._labelnames)
    return out


def query_process_names() -> dict[str, set[str]]:
    """The query process's names, from its factory on a registry (it is not started)."""
    registry = CollectorRegistry()
    return served(registry.collect(), factory_labelnames(QueryMetrics.create(registry)))


def unknown(mention: Mention, names: dict[str, set[str]]) -> str | None:
    """Why `mention` names nothing served, or None when it does."""
    if mention.prefix:
        return None if any(n.startswith(mention.name) for n in names) else "no such prefix"
    if mention.name not in names:
        return "not served"
    extra = mention.labels - names[mention.name]
    return f"no label {sorted(extra)}" if extra else None


async def test_every_metric_name_in_the_docs_and_monitoring_is_served_by_a_live_worker(
    settings: Settings, worker: WorkerProcess, http: aiohttp.ClientSession,
) -> None:
    worker_url = f"http://127.0.0.1:{settings.web_port}"

    async def page() -> tuple[bool, Any]:
        async with http.get(f"{worker_url}/metrics") as resp:
            return resp.status == 200, await resp.text()

    await eventually(page, "worker /metrics", worker=worker)
    _, text = await page()
    registry = CollectorRegistry()
    live = served(text_string_to_metric_families(text),
                  factory_labelnames(Metrics.create(registry)))
    query = query_process_names()
    wrong = []
    for mention in (m for path in DOCS for m in mentions(path)):
        served_by = query if mention.name.startswith(QUERY_PREFIX) else live
        if (why := unknown(mention, served_by)) is not None:
            labels = "{" + ",".join(sorted(mention.labels)) + "}" if mention.labels else ""
            wrong.append(f"{mention.where}: {mention.name}{labels}: {why}")
    assert not wrong, "docs name metrics a worker does not serve:\n" + "\n".join(wrong)
