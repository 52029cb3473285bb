"""A real Prometheus scrapes a real worker: what it stores matches what was sent.

The test starts `prometheus` (Debian package) on a free loopback port with a 1 s
scrape interval and the repository's alert rules, sends a known event stream, and
asks Prometheus's HTTP API (not the worker) for the counters, the tier gauges and the
consumer lag, and runs every dashboard panel's query there. Then the worker is
replaced by a fresh process with an empty state directory: its tier gauges must come
back from the changelog, with no event sent.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

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
            "committed": await query(
                http, prometheus, "sum(tierstream_consumer_committed_offset)"),
            "end_offsets": await query(  # what lag is measured against: all that was sent
                http, prometheus, "sum(tierstream_faust_topic_partition_end_offset"
                f'{{topic="{settings.input_topic}"}})'),
        }
        ok = (seen["consumed"] == {"": SENT} and seen["tiers"] == TIERS
              and [list(seen[k].values()) for k in ("duplicates", "not_json", "c_to_b")]
              == [[1], [1], [1]]
              and seen["lag_partitions"] == {"": 4} and seen["lag"] == {"": 0}
              and seen["end_offsets"] == {"": SENT} and seen["committed"] == {"": SENT})
        return ok, seen

    await eventually(counted, "counters, tier gauges and lag in Prometheus", worker=worker)

    # faust's own sensor is on the same page, under its prefix; the rules all load.
    received = await query(http, prometheus, "tierstream_faust_messages_received_total")
    assert sum(received.values()) >= SENT
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
