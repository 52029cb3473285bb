"""Helpers for tests against the real broker: unique settings, a worker process, readers.

Each test gets its own topic names and consumer group, so tests never see each
other's records. The worker runs as a real `tierstream worker` process, the way an
operator runs it.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.structs import RecordMetadata
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from tierstream.settings import Settings

T = TypeVar("T")
REPO = Path(__file__).resolve().parents[2]
BOOTSTRAP = os.environ.get("TIERSTREAM_TEST_BOOTSTRAP", "127.0.0.1:9092")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def unique_settings(tmp: Path, **overrides: Any) -> Settings:
    run = uuid.uuid4().hex[:10]
    fields: dict[str, Any] = {
        "bootstrap_servers": BOOTSTRAP,
        "app_id": f"tierstream-test-{run}",
        "input_topic": f"t{run}-customer-events",
        "tier_changes_topic": f"t{run}-customer-tier-changes",
        "alerts_topic": f"t{run}-customer-alerts",
        "latest_topic": f"t{run}-customer-tiers",
        "dlq_topic": f"t{run}-customer-events-dlq",
        "erasures_topic": f"t{run}-customer-erasures",
        "partitions": 4,
        "data_dir": tmp / "worker-data",
        "web_port": free_port(),
        "store": "rocksdb://",
        "policy_topic": f"t{run}-tier-policies",
    }
    fields.update(overrides)
    return Settings(**fields)


def settings_env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIERSTREAM_")}
    for name, value in settings.model_dump().items():
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        env[f"TIERSTREAM_{name.upper()}"] = str(value)
    return env


class WorkerProcess:
    """`tierstream worker` in a subprocess, its output kept in a log file."""

    def __init__(self, settings: Settings, log_path: Path) -> None:
        self.settings = settings
        self.log_path = log_path
        self._log = log_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tierstream", "worker"],
            cwd=REPO, env=settings_env(settings), stdout=self._log, stderr=subprocess.STDOUT,
        )

    def log_tail(self, lines: int = 60) -> str:
        text = self.log_path.read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = 30.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return self.proc.returncode


async def produce(
    settings: Settings, records: Sequence[tuple[bytes | None, bytes]]
) -> list[RecordMetadata]:
    """Send records in order with the default partitioner; returns their metadata."""
    producer = AIOKafkaProducer(bootstrap_servers=settings.bootstrap_servers, acks="all")
    await producer.start()
    try:
        metas = []
        for key, value in records:
            metas.append(await producer.send_and_wait(settings.input_topic, value, key=key))
        return metas
    finally:
        await producer.stop()


Predicate = Callable[[dict[str, list[dict[str, Any]]]], bool]


async def read_until(
    settings: Settings, topics: list[str], done: Predicate, timeout: float = 90.0,
    worker: WorkerProcess | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Read JSON values (with key, partition, offset) from `topics` until `done(seen)`."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.bootstrap_servers, group_id=None,
        auto_offset_reset="earliest", enable_auto_commit=False,
    )
    await consumer.start()
    seen: dict[str, list[dict[str, Any]]] = {t: [] for t in topics}
    deadline = time.monotonic() + timeout
    try:
        parts = [TopicPartition(t, p) for t in topics
                 for p in range(settings.partitions)]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        while not done(seen):
            if time.monotonic() > deadline:
                counts = {t: len(v) for t, v in seen.items()}
                tail = worker.log_tail() if worker else ""
                raise AssertionError(f"timed out waiting; got {counts}\n{tail}")
            if worker is not None and worker.proc.poll() is not None:
                raise AssertionError(f"worker exited early:\n{worker.log_tail()}")
            batch = await consumer.getmany(timeout_ms=500)
            for tp, msgs in batch.items():
                for m in msgs:
                    value = json.loads(m.value)
                    value["_key"] = m.key.decode() if m.key is not None else None
                    value["_partition"], value["_offset"] = m.partition, m.offset
                    seen[tp.topic].append(value)
        return seen
    finally:
        await consumer.stop()


async def wait_for(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.1)


async def wait_for_async(
    probe: Callable[[], Awaitable[T]], ok: Callable[[T], bool], timeout: float = 60.0
) -> T:
    """Poll an async `probe` until `ok(value)`; returns the value."""
    deadline = time.monotonic() + timeout
    while True:
        value = await probe()
        if ok(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met in time (last value {value!r})")
        await asyncio.sleep(0.2)


async def metric_total(settings: Settings, name: str) -> float:
    """A worker's counter summed over its labels, from its /metrics (0 before it serves)."""
    url = f"http://127.0.0.1:{settings.web_port}/metrics"
    try:
        async with aiohttp.ClientSession() as session, session.get(url) as resp:
            text = await resp.text()
    except aiohttp.ClientError:
        return 0.0
    return sum(sample.value for family in text_string_to_metric_families(text)
               for sample in family.samples if sample.name == name)


def event(eid: str, cid: str, type_: str, at: str, **data: Any) -> tuple[bytes, bytes]:
    body = {"event_id": eid, "customer_id": cid, "type": type_, "occurred_at": at,
            "schema_version": 1, "data": data}
    return cid.encode(), json.dumps(body).encode()


def with_token_file(settings: Settings, tmp: Path, token: str) -> Settings:
    """`settings` whose query API accepts only `token`."""
    tokens = tmp / "api-tokens"
    tokens.write_text(f"{token}\n")
    return settings.model_copy(update={"api_token_file": str(tokens)})


def worker_pair(settings: Settings, tmp: Path) -> list[WorkerProcess]:
    """Two workers of one group, each with its own web port and data folder."""
    second = settings.model_copy(update={"web_port": free_port(),
                                         "data_dir": tmp / "worker2-data"})
    return [WorkerProcess(settings, tmp / "worker1.log"),
            WorkerProcess(second, tmp / "worker2.log")]


def base_url(w: WorkerProcess) -> str:
    return f"http://{w.settings.web_host}:{w.settings.web_port}"


async def get_json(http: aiohttp.ClientSession, url: str) -> tuple[int, Any]:
    """Status and JSON body; (0, None) while nothing answers."""
    try:
        async with http.get(url) as resp:
            return resp.status, await resp.json(content_type=None)
    except aiohttp.ClientError:
        return 0, None
