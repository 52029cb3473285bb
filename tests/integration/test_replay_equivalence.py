"""Offline replay and the streaming worker publish the same decisions for the same events:
same ids, same reasons, same policy version (only the wall-clock `decided_at` differs)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from streams.kafka.topics import create_topics
from tests.integration.harness import (
    WorkerProcess,
    metric_total,
    produce,
    read_until,
    unique_settings,
    wait_for_async,
)
from tierstream.demo.generator import generate
from tierstream.offline.replay import replay_into
from tierstream.policy import load_policy

pytestmark = pytest.mark.integration


def jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def comparable(value: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in value.items()
                       if not k.startswith("_") and k != "decided_at"}, sort_keys=True)


async def test_replay_equals_streaming(tmp_path: Path) -> None:
    # No periodic pass during the test: the replay has no clock besides the events.
    settings = unique_settings(tmp_path, reevaluation_interval_seconds=3600)
    await create_topics(settings)
    # Invalid records included, except key/body mismatches: a file of values has no keys.
    records = [r for r in generate(40, seed=11, invalid_ratio=0.03)
               if r.key is None or r.key.decode() in r.value.decode(errors="replace")]
    out = tmp_path / "replay"
    replay_into(out, [r.value for r in records], load_policy())
    want_changes = sorted(comparable(c) for c in jsonl(out / "customer-tier-changes.jsonl"))
    want_alerts = sorted(comparable(a) for a in jsonl(out / "customer-alerts.jsonl"))
    applied = json.loads((out / "summary.json").read_text(encoding="utf-8"))["applied"]
    assert len(want_changes) > 40
    assert want_alerts

    worker = WorkerProcess(settings, tmp_path / "worker.log")
    try:
        await produce(settings, [(r.key, r.value) for r in records])
        s = settings
        # Counted once its outputs are acknowledged: every latest-tier record is there.
        await wait_for_async(lambda: metric_total(s, "tierstream_events_applied_total"),
                             lambda n: n >= applied)
        seen = await read_until(
            s, [s.tier_changes_topic, s.alerts_topic, s.latest_topic],
            lambda seen: len(seen[s.tier_changes_topic]) >= len(want_changes)
            and len(seen[s.alerts_topic]) >= len(want_alerts), worker=worker)
    finally:
        worker.stop()
    assert sorted(comparable(c) for c in seen[s.tier_changes_topic]) == want_changes
    assert sorted(comparable(a) for a in seen[s.alerts_topic]) == want_alerts
    final = {v["customer_id"]: comparable(v) for v in seen[s.latest_topic]}
    assert final == {v["customer_id"]: comparable(v) for v in jsonl(out / "customer-tiers.jsonl")}
