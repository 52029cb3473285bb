"""After the cause is fixed, `tierstream dlq redrive` sends dead letters back and the
worker applies them: a salary in a currency the policy did not know becomes a tier
change once a policy with that currency is published."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from aiokafka import AIOKafkaConsumer, TopicPartition

from schemas.outputs import REDRIVEN_FROM_HEADER
from streams.kafka.dlq import dead_letters
from tests.integration.harness import (
    REPO,
    WorkerProcess,
    event,
    metric_total,
    produce,
    read_until,
    settings_env,
    wait_for_async,
)
from tierstream.policy import DEFAULT_POLICY_FILE
from tierstream.settings import Settings

pytestmark = pytest.mark.integration

CID = "C-REDRIVE-1"


def tierstream(settings: Settings, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tierstream", *args], cwd=REPO,
                          env={**settings_env(settings), **env}, capture_output=True,
                          text=True, timeout=120)


def policy_with_sgd(folder: Path) -> Path:
    raw = yaml.safe_load(DEFAULT_POLICY_FILE.read_text(encoding="utf-8"))
    raw["name"] = "with-sgd"
    raw["currencies"]["SGD"] = "5.30"
    path = folder / "with-sgd.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


async def count_letters(settings: Settings) -> int:
    return len([letter async for letter in dead_letters(settings)])


async def redriven_headers(settings: Settings) -> list[dict[str, bytes]]:
    """The headers of every input record that carries the redrive header."""
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.bootstrap_servers, group_id=None)
    await consumer.start()
    try:
        parts = [TopicPartition(settings.input_topic, p) for p in range(settings.partitions)]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        ends = await consumer.end_offsets(parts)
        found = []
        while [tp for tp in parts if await consumer.position(tp) < ends[tp]]:
            for messages in (await consumer.getmany(timeout_ms=500)).values():
                found += [dict(m.headers) for m in messages
                          if REDRIVEN_FROM_HEADER in dict(m.headers)]
        return found
    finally:
        await consumer.stop()


async def test_a_dead_letter_is_applied_after_the_fix_and_a_redrive(
    settings: Settings, worker: WorkerProcess, tmp_path: Path
) -> None:
    s = settings
    await produce(s, [
        event("sgd-1", CID, "salary.changed", "2026-03-01T09:00:00Z",
              monthly_income="16000", currency="SGD"),
        (CID.encode(), b"{not json"),  # another reason: stays where it is
    ])
    await wait_for_async(lambda: count_letters(s), lambda n: n == 2, timeout=90)

    later = tierstream(s, "dlq", "redrive", "--reason", "unsupported_currency",
                       "--since", "2999-01-01T00:00:00Z")
    assert (later.returncode, later.stdout.count("\n")) == (0, 1), later.stderr
    assert later.stdout.startswith("redrove 0 dead letters")

    published = tierstream(s, "policy", "publish", str(policy_with_sgd(tmp_path)))
    assert published.returncode == 0, published.stderr
    await wait_for_async(lambda: metric_total(s, "tierstream_policy_updates_total"),
                         lambda n: n >= 1)

    done = tierstream(s, "dlq", "redrive", "--reason", "unsupported_currency")
    assert done.returncode == 0, done.stderr
    assert done.stdout == (f"redrove 1 dead letters (unsupported_currency) of 2 read from "
                           f"{s.dlq_topic} to {s.input_topic}\n")

    seen = await read_until(s, [s.tier_changes_topic], lambda seen: any(
        v["customer_id"] == CID for v in seen[s.tier_changes_topic]), worker=worker)
    [change] = [v for v in seen[s.tier_changes_topic] if v["customer_id"] == CID]
    assert change["current"]["tier"] == "B"  # 16000 SGD is a high income
    assert change["policy_version"].startswith("with-sgd@")
    [headers] = await redriven_headers(s)
    assert headers[REDRIVEN_FROM_HEADER].decode().startswith(f"{s.dlq_topic}/")
    assert await count_letters(s) == 2  # applied, not dead-lettered again


async def test_redrive_never_creates_a_topic_and_fails_in_one_line(settings: Settings) -> None:
    missing = f"{settings.dlq_topic}-missing"
    done = tierstream(settings, "dlq", "redrive", "--reason", "not_json",
                      TIERSTREAM_DLQ_TOPIC=missing)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1, done.stderr
    assert f"topic {missing} does not exist" in done.stderr
    assert done.stdout == ""
