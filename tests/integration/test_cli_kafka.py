"""The Kafka-facing `tierstream` commands on the real broker: topics create, produce,
tail, reconcile; none of them creates a topic behind the user's back.

Each runs as a subprocess with the test's unique topics in its environment, the way
an operator runs it. (`worker` is run by every other integration test.)
"""

from __future__ import annotations

import json
import selectors
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from tests.integration.harness import REPO, produce, read_until, settings_env, unique_settings
from tierstream.settings import Settings

pytestmark = pytest.mark.integration


def tierstream(
    settings: Settings, *args: str, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tierstream", *args], cwd=REPO,
                          env=settings_env(settings), capture_output=True, text=True,
                          timeout=timeout, check=False)


async def test_topics_create_makes_the_configured_topics_once(tmp_path: Path) -> None:
    settings = unique_settings(tmp_path, partitions=3)
    first = tierstream(settings, "topics", "create")
    assert first.returncode == 0, first.stderr
    for topic in (settings.input_topic, settings.latest_topic, settings.dlq_topic):
        assert topic in first.stdout
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.bootstrap_servers)
    await admin.start()
    try:
        described = await admin.describe_topics([settings.input_topic, settings.latest_topic])
        assert [len(t["partitions"]) for t in described] == [3, 3]
        configs = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, settings.latest_topic)])
        entries = {e[0]: e[1] for e in configs[0].resources[0][4]}
        assert entries["cleanup.policy"] == "compact"
    finally:
        await admin.close()
    again = tierstream(settings, "topics", "create")
    assert again.returncode == 0, again.stderr
    assert "nothing (all topics exist)" in again.stdout


async def test_produce_sends_keyed_records_and_stops_on_limit_or_duration(
    settings: Settings,
) -> None:
    done = tierstream(settings, "produce", "--customers", "4", "--limit", "30",
                      "--id-prefix", "P-", "--persona", "struggler")
    assert done.returncode == 0, done.stderr
    assert f"sent 30 records to {settings.input_topic}" in done.stderr
    seen = await read_until(settings, [settings.input_topic],
                            lambda s: len(s[settings.input_topic]) >= 30)
    records = seen[settings.input_topic]
    assert len(records) == 30
    assert all(r["_key"] == r["customer_id"] and r["_key"].startswith("P-C") for r in records)

    started = time.monotonic()
    timed = tierstream(settings, "produce", "--customers", "50", "--rate", "20",
                       "--duration", "2.5")
    elapsed = time.monotonic() - started
    assert timed.returncode == 0, timed.stderr
    sent = int(timed.stderr.split("sent ")[1].split()[0])
    assert 20 <= sent <= 55, timed.stderr  # about 20/s for 2.5 s
    assert elapsed < 20


def _change(cid: str, before: str | None, after: str) -> bytes:
    return json.dumps({
        "event_id": f"tc-{cid}", "customer_id": cid,
        "previous": {"tier": before, "grade": "A"} if before else None,
        "current": {"tier": after, "grade": "A"},
        "reasons": [{"code": "high_income", "message": "B: income."}],
        "policy_version": "default@test", "cause_event_id": "e1",
        "occurred_at": "2026-01-02T01:00:00Z", "decided_at": "2026-01-02T01:00:01Z",
        "schema_version": 1}).encode()


def _alert(cid: str, type_: str, tier: str) -> bytes:
    return json.dumps({
        "alert_id": f"al-{cid}-{type_}", "customer_id": cid, "type": type_,
        "severity": "warning", "tier": tier, "grade": "A", "message": f"{type_} for {cid}",
        "details": {}, "policy_version": "default@test", "cause_event_id": "e1",
        "occurred_at": "2026-01-02T01:00:00Z", "decided_at": "2026-01-02T01:00:01Z",
        "schema_version": 1}).encode()


async def _send_at(settings: Settings, records: list[tuple[str, int, bytes]]) -> None:
    """(topic, record timestamp in ms, value), each to partition 0, in list order."""
    producer = AIOKafkaProducer(bootstrap_servers=settings.bootstrap_servers, acks="all")
    await producer.start()
    try:
        for topic, at_ms, value in records:
            await producer.send_and_wait(topic, value, partition=0, timestamp_ms=at_ms)
    finally:
        await producer.stop()


async def _history(settings: Settings) -> None:
    """Written topic by topic, alerts first, so only a time-ordered merge interleaves them.
    Record timestamps are recent: the broker deletes records older than its retention
    (7 days) whenever its retention check runs, fixed past ones included."""
    t0 = int(time.time() * 1000) - 60_000
    changes, alerts = settings.tier_changes_topic, settings.alerts_topic
    await _send_at(settings, [
        (alerts, t0 + 2000, _alert("T-1", "income.drop", "B")),
        (alerts, t0 + 2800, _alert("T-2", "repayment.overdue", "D")),
        (changes, t0 + 1000, _change("T-1", None, "B")),
        (changes, t0 + 2500, b"\x00not json"),
        (changes, t0 + 3000, _change("T-2", "B", "D")),
    ])


async def test_tail_merges_history_in_time_order_and_reports_undecodable_records(
    settings: Settings,
) -> None:
    await _history(settings)
    every = tierstream(settings, "tail", "--from-beginning", "--limit", "4")
    assert every.returncode == 0, every.stderr
    assert every.stdout.splitlines() == [
        "2026-01-02 01:00:00  T-1        TIER  new B  grade A  [high_income]",
        "2026-01-02 01:00:00  T-1        ALERT warning  income.drop        income.drop for T-1",
        "2026-01-02 01:00:00  T-2        ALERT warning  repayment.overdue  "
        "repayment.overdue for T-2",
        "2026-01-02 01:00:00  T-2        TIER  B->D  grade A->A  [high_income]",
    ]
    assert (f"tail: undecodable record at {settings.tier_changes_topic}/0/1: 9 bytes"
            in every.stderr.splitlines())
    assert "Traceback" not in every.stderr


async def test_tail_filters_tier_changes_by_tier_and_alerts_by_type(settings: Settings) -> None:
    await _history(settings)
    down = tierstream(settings, "tail", "--from-beginning", "--tier", "D", "--limit", "1")
    assert down.stdout.splitlines() == [  # the earlier alert at tier D is not shown
        "2026-01-02 01:00:00  T-2        TIER  B->D  grade A->A  [high_income]"]

    with_alerts = tierstream(settings, "tail", "--from-beginning", "--tier", "D", "--alerts",
                             "--limit", "2")
    assert [line.split()[3] for line in with_alerts.stdout.splitlines()] == ["ALERT", "TIER"]

    one = tierstream(settings, "tail", "--from-beginning", "--customer", "T-1", "--limit", "2")
    assert [line.split()[3] for line in one.stdout.splitlines()] == ["TIER", "ALERT"]

    overdue = tierstream(settings, "tail", "--from-beginning", "--alert-type",
                         "repayment.overdue", "--limit", "1")
    [line] = overdue.stdout.splitlines()
    assert "T-2        ALERT warning  repayment.overdue" in line


def _stderr_line(proc: subprocess.Popen[str], deadline: float) -> str:
    assert proc.stderr is not None
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stderr, selectors.EVENT_READ)
        assert sel.select(timeout=max(deadline - time.monotonic(), 0)), "no output in time"
    return proc.stderr.readline()


async def test_tail_says_it_is_waiting_then_shows_what_arrives(settings: Settings) -> None:
    proc = subprocess.Popen(  # noqa: ASYNC220  # a process the test talks to while it runs
        [sys.executable, "-m", "tierstream", "tail", "--limit", "1"], cwd=REPO,
        env=settings_env(settings), text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        notice = _stderr_line(proc, time.monotonic() + 60)
        assert notice.startswith("tail: waiting for new records on ")
        await _send_at(settings, [(settings.tier_changes_topic, int(time.time() * 1000),
                                   _change("T-9", None, "A"))])
        out, _ = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0
    assert "T-9        TIER  new A" in out


async def _topic_names(settings: Settings) -> set[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.bootstrap_servers)
    await admin.start()
    try:
        return set(await admin.list_topics())
    finally:
        await admin.close()


@pytest.mark.parametrize("command", [["produce", "--limit", "1"], ["tail", "--limit", "1"],
                                     ["policy", "publish", str(REPO / "policies/default.yaml")]],
                         ids=lambda c: c[0])
async def test_tools_refuse_missing_topics_instead_of_creating_them(
    command: list[str], tmp_path: Path
) -> None:
    settings = unique_settings(tmp_path)  # no topic created
    done = tierstream(settings, *command)
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert line.startswith("tierstream: topic")
    assert "does not exist" in line or "do not exist" in line
    assert "tierstream topics create" in line
    assert not {t for t in await _topic_names(settings) if settings.app_id[-10:] in t}


class _FakeWorker(BaseHTTPRequestHandler):
    """Answers /metrics like a worker that applied 3 records; anything else is a web page."""

    def do_GET(self) -> None:
        if self.path == "/metrics":
            body = b"# TYPE tierstream_events_applied_total counter\n" \
                   b"tierstream_events_applied_total 3.0\n"
        else:
            body = b"<html>tierstream</html>"
        self.send_response(200)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def fake_worker() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeWorker)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


async def test_reconcile_takes_a_worker_address_and_explains_a_wrong_one(
    settings: Settings, fake_worker: str
) -> None:
    await produce(settings, [(b"C1", b"{}")] * 3)
    done = tierstream(settings, "reconcile", "--metrics", fake_worker)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "in=3 applied=3 duplicate=0 dlq=0 forwarded=0: balanced"

    wrong = tierstream(settings, "reconcile", "--metrics", f"{fake_worker}/health")
    assert wrong.returncode == 2
    [line] = wrong.stderr.splitlines()
    assert line == f"tierstream: {fake_worker}/health is not a Prometheus metrics page"
