"""A challenger policy on a real worker: its topics hold what an offline replay under
the challenger publishes, the champion's topics what a run without it publishes (only
`decided_at` differs); the customer API shows both standings; `promote` makes the
challenger the champion and stops the shadow."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml

from streams.kafka.policy_feed import publish_challenger
from streams.kafka.topics import create_topics
from tests.integration.harness import (
    REPO,
    WorkerProcess,
    metric_total,
    produce,
    read_until,
    settings_env,
    unique_settings,
    wait_for_async,
)
from tierstream.demo.generator import generate
from tierstream.offline.replay import replay_into
from tierstream.policy import DEFAULT_POLICY_FILE, load_policy, read_policy
from tierstream.settings import Settings

pytestmark = pytest.mark.integration


def strict_policy() -> bytes:
    raw = yaml.safe_load(DEFAULT_POLICY_FILE.read_text(encoding="utf-8"))
    raw["name"] = "strict"
    raw["tier"]["b_criteria"]["high_income"]["min_income"] = 17000
    raw["tier"]["a"]["min_income"] = 30000
    return yaml.safe_dump(raw).encode()


def jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def comparable(value: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in value.items()
                       if not k.startswith("_") and k != "decided_at"}, sort_keys=True)


def replayed(folder: Path, values: list[bytes], policy_raw: bytes | None) -> dict[str, Any]:
    policy = read_policy(policy_raw, "strict.yaml") if policy_raw else load_policy()
    replay_into(folder, values, policy)
    return {
        "changes": sorted(comparable(c) for c in jsonl(folder / "customer-tier-changes.jsonl")),
        "alerts": sorted(comparable(a) for a in jsonl(folder / "customer-alerts.jsonl")),
        "applied": json.loads((folder / "summary.json").read_text(encoding="utf-8"))["applied"],
        "tiers": {v["customer_id"]: (v["tier"], v["grade"])
                  for v in jsonl(folder / "customer-tiers.jsonl")},
    }


def challenger_settings(tmp: Path, **overrides: Any) -> Settings:
    """Unique topics, the challenger's too (named after the test's input topic)."""
    s = unique_settings(tmp, **overrides)
    prefix = s.input_topic.removesuffix("-customer-events")
    return s.model_copy(update={
        "challenger_tier_changes_topic": f"{prefix}-customer-tier-changes-challenger",
        "challenger_alerts_topic": f"{prefix}-customer-alerts-challenger"})


def cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tierstream", "policy", *args], cwd=REPO,
                          env=settings_env(settings), capture_output=True, text=True,
                          timeout=60, check=False)


async def test_a_challenger_shadows_the_champion_on_live_traffic(tmp_path: Path) -> None:
    s = challenger_settings(tmp_path, reevaluation_interval_seconds=3600)
    await create_topics(s)
    records = [r for r in generate(40, seed=11) if r.key is not None]
    values = [r.value for r in records]
    champion = replayed(tmp_path / "champion", values, None)
    shadow = replayed(tmp_path / "challenger", values, strict_policy())
    assert champion["changes"] != shadow["changes"]  # the policies do disagree
    assert shadow["alerts"]

    worker = WorkerProcess(s, tmp_path / "worker.log")
    try:
        published = cli(s, "publish", str(_write(tmp_path, strict_policy())), "--challenger")
        assert published.returncode == 0, published.stderr
        # decided from the first event on: wait until the worker runs the challenger
        await wait_for_async(lambda: metric_total(s, "tierstream_challenger_info"),
                             lambda n: n == 1)
        await produce(s, [(r.key, r.value) for r in records])
        await wait_for_async(lambda: metric_total(s, "tierstream_challenger_decisions_total"),
                             lambda n: n >= champion["applied"])
        topics = [s.tier_changes_topic, s.alerts_topic,
                  s.challenger_tier_changes_topic, s.challenger_alerts_topic]
        seen = await read_until(s, topics, lambda seen: all(
            len(seen[t]) >= len(want) for t, want in zip(
                topics, (champion["changes"], champion["alerts"], shadow["changes"],
                         shadow["alerts"]), strict=True)), worker=worker)
        assert sorted(comparable(v) for v in seen[s.tier_changes_topic]) == champion["changes"]
        assert sorted(comparable(v) for v in seen[s.alerts_topic]) == champion["alerts"]
        assert (sorted(comparable(v) for v in seen[s.challenger_tier_changes_topic])
                == shadow["changes"])
        assert (sorted(comparable(v) for v in seen[s.challenger_alerts_topic])
                == shadow["alerts"])
        assert await metric_total(s, "tierstream_challenger_disagreements_total") > 0

        # The customer API shows the challenger's standing beside the champion's.
        differ = next(c for c, t in shadow["tiers"].items() if champion["tiers"][c] != t)
        url = f"http://127.0.0.1:{s.web_port}/customers/{differ}"
        async with aiohttp.ClientSession() as http, http.get(url) as resp:
            view = await resp.json()
        assert (view["tier"], view["grade"]) == tuple(champion["tiers"][differ])
        assert (view["challenger"]["tier"], view["challenger"]["grade"]) == tuple(
            shadow["tiers"][differ])
        assert view["challenger"]["policy_version"].startswith("strict@")

        # promote: the challenger becomes the champion (re-evaluating) and stops shadowing
        promoted = cli(s, "promote")
        assert promoted.returncode == 0, promoted.stderr
        await wait_for_async(lambda: metric_total(s, "tierstream_challenger_info"),
                             lambda n: n == 0)
        async with aiohttp.ClientSession() as http, http.get(url) as resp:
            view = await resp.json()
        assert view["policy_version"].startswith("strict@")
        assert view["challenger"] is None
        again = cli(s, "promote")
        assert (again.returncode, again.stderr.count("\n")) == (2, 1)
        assert "no challenger policy" in again.stderr
    finally:
        worker.stop()


async def test_publish_challenger_clear_stops_the_shadow(tmp_path: Path) -> None:
    s = challenger_settings(tmp_path)
    await create_topics(s)
    policy = await publish_challenger(s, strict_policy(), "strict.yaml")
    assert policy is not None
    cleared = cli(s, "publish", "--challenger", "--clear")
    assert cleared.returncode == 0, cleared.stderr
    refused = cli(s, "promote")
    assert refused.returncode == 2
    assert "no challenger policy" in refused.stderr
    bad = cli(s, "publish", "--clear")
    assert (bad.returncode, bad.stderr.count("\n")) == (2, 1)


def _write(folder: Path, raw: bytes) -> Path:
    path = folder / "strict.yaml"
    path.write_bytes(raw)
    return path
