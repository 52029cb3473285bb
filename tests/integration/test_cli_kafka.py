"""The Kafka-facing `tierstream` commands on the real broker: topics create, produce, tail.

Each runs as a subprocess with the test's unique topics in its environment, the way
an operator runs it. (`worker` is run by every other integration test.)
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
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
    assert "records (" in timed.stderr  # progress lines: "produced N records (R/s, Ts)"


def _change(cid: str, before: str | None, after: str) -> bytes:
    return json.dumps({
        "event_id": f"tc-{cid}", "customer_id": cid,
        "previous": {"tier": before, "grade": "A"} if before else None,
        "current": {"tier": after, "grade": "A"},
        "reasons": [{"code": "high_income", "message": "B: income."}],
        "policy_version": "default@test", "cause_event_id": "e1",
        "occurred_at": "2026-01-02T01:00:00Z", "decided_at": "2026-01-02T01:00:01Z",
        "schema_version": 1}).encode()


def _alert(cid: str, type_: str) -> bytes:
    return json.dumps({
        "alert_id": f"al-{cid}-{type_}", "customer_id": cid, "type": type_,
        "severity": "warning", "tier": "B", "grade": "A", "message": f"{type_} for {cid}",
        "details": {}, "policy_version": "default@test", "cause_event_id": "e1",
        "occurred_at": "2026-01-02T01:00:00Z", "decided_at": "2026-01-02T01:00:01Z",
        "schema_version": 1}).encode()


async def test_tail_shows_readable_lines_filtered_by_customer_tier_and_alert_type(
    settings: Settings,
) -> None:
    changes = settings.model_copy(update={"input_topic": settings.tier_changes_topic})
    alerts = settings.model_copy(update={"input_topic": settings.alerts_topic})
    await produce(changes, [(b"T-1", _change("T-1", None, "B")),
                            (b"T-2", _change("T-2", "B", "D"))])
    await produce(alerts, [(b"T-1", _alert("T-1", "income.drop")),
                           (b"T-2", _alert("T-2", "repayment.overdue"))])

    one = tierstream(settings, "tail", "--from-beginning", "--customer", "T-1", "--limit", "2")
    assert one.returncode == 0, one.stderr
    lines = sorted(one.stdout.splitlines())
    assert len(lines) == 2
    assert lines[0].endswith("T-1        ALERT warning  income.drop        income.drop for T-1")
    assert "TIER  new B  grade A  [high_income]" in lines[1]

    down = tierstream(settings, "tail", "--from-beginning", "--tier", "D", "--limit", "1")
    assert down.stdout.splitlines() == [
        "2026-01-02 01:00:00  T-2        TIER  B->D  grade A->A  [high_income]"]

    overdue = tierstream(settings, "tail", "--from-beginning", "--alert-type",
                         "repayment.overdue", "--limit", "1")
    [line] = overdue.stdout.splitlines()
    assert "T-2        ALERT warning  repayment.overdue" in line
