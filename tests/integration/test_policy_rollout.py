"""A new policy reaches running workers through the policy topic, without a restart;
a policy that fails validation is refused and the old one stays active."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest
import yaml

from streams.kafka.policy_feed import POLICY_KEY, publish_policy
from streams.kafka.topics import create_topics
from tests.integration.harness import (
    WorkerProcess,
    event,
    produce,
    read_until,
    unique_settings,
    wait_for_async,
)
from tierstream.policy import DEFAULT_POLICY_FILE, PolicyError, load_policy
from tierstream.settings import Settings

pytestmark = pytest.mark.integration


def strict_policy() -> bytes:
    raw = yaml.safe_load(DEFAULT_POLICY_FILE.read_text(encoding="utf-8"))
    raw["name"] = "strict"
    raw["tier"]["b_criteria"]["high_income"]["min_income"] = 17000
    return yaml.safe_dump(raw).encode()


async def rejected_count(settings: Settings) -> float:
    url = f"http://127.0.0.1:{settings.web_port}/metrics"
    async with aiohttp.ClientSession() as session, session.get(url) as resp:
        text = await resp.text()
    for line in text.splitlines():
        if line.startswith("tierstream_policy_updates_total") and 'rejected' in line:
            return float(line.rsplit(" ", 1)[1])
    return 0.0


@pytest.fixture
async def fast_settings(tmp_path: Path) -> Settings:
    """A short re-evaluation interval: the switch's sweep runs on the next timer tick."""
    s = unique_settings(tmp_path, reevaluation_interval_seconds=0.5)
    await create_topics(s)
    return s


async def test_live_policy_switch_reevaluates_customers(
    fast_settings: Settings, tmp_path: Path
) -> None:
    s = fast_settings
    worker = WorkerProcess(s, tmp_path / "worker.log")
    try:
        await _switch_then_refuse(s, worker)
    finally:
        worker.stop()


async def _switch_then_refuse(s: Settings, worker: WorkerProcess) -> None:
    await produce(s, [event("p-1", "C-POL-1", "salary.changed", "2026-03-01T09:00:00Z",
                            monthly_income=16000)])
    await read_until(s, [s.tier_changes_topic], lambda seen: len(seen[s.tier_changes_topic]) == 1,
                     worker=worker)

    strict = await publish_policy(s, strict_policy(), "strict.yaml")
    assert strict.version.startswith("strict@")
    seen = await read_until(s, [s.tier_changes_topic],
                            lambda seen: len(seen[s.tier_changes_topic]) == 2, worker=worker)
    first, switched = seen[s.tier_changes_topic]
    assert first["policy_version"] == load_policy().version
    assert (first["current"]["tier"], switched["current"]["tier"]) == ("B", "C")
    assert switched["policy_version"] == strict.version
    assert switched["cause_event_id"].endswith(f"#{strict.version}")

    # A broken policy is refused before it is published...
    with pytest.raises(PolicyError, match=r"tier\.b_criteria\.high_income\.min_income"):
        await publish_policy(s, strict_policy().replace(b"17000", b"lots"), "bad.yaml")
    # ...and, if someone writes one to the topic anyway, every worker refuses it.
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=s.bootstrap_servers)
    await producer.start()
    try:
        await producer.send_and_wait(s.policy_topic, b"name: [unclosed", key=POLICY_KEY)
    finally:
        await producer.stop()
    await wait_for_async(lambda: rejected_count(s), lambda n: n >= 1)

    await produce(s, [event("p-2", "C-POL-2", "salary.changed", "2026-03-02T09:00:00Z",
                            monthly_income=16500)])
    seen = await read_until(s, [s.latest_topic], lambda seen: any(
        v["customer_id"] == "C-POL-2" for v in seen[s.latest_topic]), worker=worker)
    latest = [v for v in seen[s.latest_topic] if v["customer_id"] == "C-POL-2"][-1]
    assert (latest["tier"], latest["policy_version"]) == ("C", strict.version)
