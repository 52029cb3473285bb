"""The three measurements: ceiling drain, worker drain, worker latency at a fixed rate.

Each one gets fresh topics, consumer group and state (names from `RunNames`), reads
the same pre-filled input, and is timed by the records it wrote: the first and last
output timestamps, so process start-up and group joins are not counted.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import socket
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bench import kafka_io
from bench.ceiling import ClientSettings, run_ceiling
from bench.stats import event_time, match_latencies, percentile, rate
from bench.workers import BenchWorker
from streams.kafka.policy_feed import publish_challenger
from streams.kafka.topics import create_topics, topic_specs
from tierstream.demo.generator import Record, generate
from tierstream.policy import DEFAULT_POLICY_FILE
from tierstream.settings import Settings


@dataclass(frozen=True)
class Variant:
    store: str  # "memory" or "rocksdb"
    guarantee: str  # "at_least_once" or "exactly_once"
    workers: int
    partitions: int


WARMUP = "warmup-"  # customer id prefix of the latency run's warm-up events
WARMUP_SECONDS = 5.0  # of the latency run's rate, before its clock starts
WARMUP_CUSTOMERS = 1000  # about 17 events each: enough for 5 s at a few thousand/s


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def worker_settings(bootstrap: str, prefix: str, name: str, input_topic: str, v: Variant,
                    data_dir: Path) -> Settings:
    """Settings of one measured app: every topic and the app id start with `prefix`."""
    base = f"{prefix}-{name}"
    fields: dict[str, Any] = {
        "bootstrap_servers": bootstrap, "app_id": base, "input_topic": input_topic,
        "tier_changes_topic": f"{base}-changes", "alerts_topic": f"{base}-alerts",
        "latest_topic": f"{base}-tiers", "dlq_topic": f"{base}-dlq",
        "partitions": v.partitions, "store": f"{v.store}://",
        "processing_guarantee": v.guarantee, "data_dir": data_dir, "web_port": free_port(),
    }
    if "policy_topic" in Settings.model_fields:  # a run must not follow another's policies
        fields["policy_topic"] = f"{base}-policies"
    return Settings(**fields)


async def with_challenger(settings: Settings, v: Variant) -> Settings:
    """`settings` with challenger topics of their own, and a challenger policy published
    before the worker starts: it reads the policy topic from the beginning, so it decides
    under both policies from (about) its first batch (docs/policies.md)."""
    base = settings.app_id
    s = settings.model_copy(update={
        "challenger_tier_changes_topic": f"{base}-changes-challenger",
        "challenger_alerts_topic": f"{base}-alerts-challenger"})
    await kafka_io.create(s.bootstrap_servers, [s.challenger_tier_changes_topic,
                                                s.challenger_alerts_topic], v.partitions)
    await create_topics(s, [t for t in topic_specs(s) if t.name == s.policy_topic])
    raw = yaml.safe_load(DEFAULT_POLICY_FILE.read_text(encoding="utf-8"))
    raw["name"] = "bench-challenger"  # a stricter B and A: the two policies disagree
    raw["tier"]["b_criteria"]["high_income"]["min_income"] = 17000
    raw["tier"]["a"]["min_income"] = 30000
    await publish_challenger(s, yaml.safe_dump(raw).encode(), "bench-challenger")
    return s


def isolation(v: Variant) -> str:
    return "read_committed" if v.guarantee == "exactly_once" else "read_uncommitted"


async def ceiling(bootstrap: str, prefix: str, name: str, source: str, total: int,
                  client: ClientSettings, v: Variant) -> float:
    sink = f"{prefix}-{name}-out"
    await kafka_io.create(bootstrap, [sink], v.partitions)
    await run_ceiling(bootstrap, source, sink, f"{prefix}-{name}", total, client,
                      v.guarantee == "exactly_once")
    span = await kafka_io.span(bootstrap, sink, v.partitions, isolation(v))
    return rate(span.count, span.first_ms, span.last_ms)


@dataclass(frozen=True)
class Drain:
    events_per_s: float
    cpu_us_per_event: float  # worker CPU time (all workers) per event: robust to noise
    peak_rss_bytes: int
    state_bytes_per_customer: float | None
    customers: int | None


async def drain(settings: Settings, total: int, v: Variant, logs: Path, timeout: float,
                measure_state: bool, profile_to: Path | None = None,
                command: tuple[str, ...] = ("tierstream", "worker"),
                sink: str | None = None) -> Drain:
    """Start `v.workers` processes of `command` on `settings` and time them from their
    first output to their last, once the group has committed the whole input.

    `sink` is the topic whose record timestamps time the drain (default: the latest-tier
    topic, which gets at least one record per batch of applied events).
    """
    sink = sink or settings.latest_topic
    await kafka_io.create(settings.bootstrap_servers,
                          [settings.input_topic, *settings.output_topics()], v.partitions)
    workers = [
        BenchWorker(
            settings.model_copy(update={"web_port": free_port(),
                                        "data_dir": settings.data_dir / f"w{i}"}),
            logs / f"{settings.app_id}-w{i}.log",
            profile_to if i == 0 else None,
            command,
        )
        for i in range(v.workers)
    ]
    def alive() -> bool:
        return all(w.alive() for w in workers)

    try:
        # CPU from the first output on: start-up (imports, group join) is not counted.
        await kafka_io.wait_count(settings.bootstrap_servers, sink, v.partitions, 1, timeout,
                                  alive)
        cpu0 = sum(w.cpu_seconds() for w in workers)
        await kafka_io.wait_committed(settings.bootstrap_servers, settings.app_id,
                                      settings.input_topic, v.partitions, timeout, alive)
        cpu = sum(w.cpu_seconds() for w in workers) - cpu0
        rss = max(w.peak_rss_bytes() for w in workers)
    except (TimeoutError, RuntimeError) as exc:
        raise RuntimeError(f"{exc}\n{workers[0].log_tail()}") from None
    finally:
        for w in workers:
            w.stop()
    span = await kafka_io.span(settings.bootstrap_servers, sink, v.partitions, isolation(v))
    per_customer, customers = (await state_size(settings, v)) if measure_state else (None, None)
    return Drain(rate(total, span.first_ms, span.last_ms), cpu * 1e6 / max(total - 1, 1),
                 rss, per_customer, customers)


async def state_size(settings: Settings, v: Variant) -> tuple[float, int]:
    """Mean bytes of the latest state value per customer, from the table's changelog."""
    topic = f"{settings.app_id}-customer-state-changelog"
    latest: dict[bytes, int] = {}
    for key, _, value in await kafka_io.read_all(settings.bootstrap_servers, topic,
                                                 v.partitions, isolation(v)):
        latest[key] = len(value)
    return (statistics.fmean(latest.values()) if latest else 0.0), len(latest)


@dataclass(frozen=True)
class Latency:
    rate: float
    events: int
    p50_ms: float
    p99_ms: float
    max_ms: float


async def latency(settings: Settings, records: Sequence[Record], per_s: float, seconds: float,
                  v: Variant, logs: Path) -> Latency:
    """Feed one worker at `per_s` for `seconds`; input to output timestamp per event.

    Warm-up customers of their own (every partition, every output topic) go first, until
    the worker has committed them: it is up and its producer knows every partition.
    Then the feed runs without a pause: WARMUP_SECONDS more of them at `per_s`, which
    start-up transients (of the worker, the broker, the feeding producer) fall into,
    and then the measured events at the same rate."""
    bootstrap = settings.bootstrap_servers
    batch = list(records[: max(1, int(per_s * seconds))])
    warm = list(itertools.islice(generate(WARMUP_CUSTOMERS, id_prefix=WARMUP),
                                 300 + int(per_s * WARMUP_SECONDS)))
    await kafka_io.create(bootstrap, [settings.input_topic, *settings.output_topics()],
                          v.partitions)
    worker = BenchWorker(settings, logs / f"{settings.app_id}.log")
    try:
        async with kafka_io.Pacer(bootstrap) as pacer:  # one producer for every phase
            await pacer.send(settings.input_topic, warm[:300], per_s)
            await kafka_io.wait_committed(bootstrap, settings.app_id, settings.input_topic,
                                          v.partitions, 180, worker.alive)
            fed = await pacer.send(settings.input_topic, [*warm[300:], *batch], per_s)
        sent = [s for s in fed if not s[0].startswith(WARMUP.encode())]
        await kafka_io.wait_committed(bootstrap, settings.app_id, settings.input_topic,
                                      v.partitions, seconds + 120, worker.alive)
    except (TimeoutError, RuntimeError) as exc:
        raise RuntimeError(f"{exc}\n{worker.log_tail()}") from None
    finally:
        worker.stop()
    rows = await kafka_io.read_all(bootstrap, settings.latest_topic, v.partitions,
                                   isolation(v))
    outputs = [(k, ts, event_time(json.loads(value)["as_of"])) for k, ts, value in rows
               if not k.startswith(WARMUP.encode())]
    lat = [float(x) for x in match_latencies(sent, outputs)]
    if not lat:
        raise RuntimeError("no latency samples")
    return Latency(per_s, len(lat), percentile(lat, 50), percentile(lat, 99), max(lat))


async def settle() -> None:
    """Let the broker finish background work between measurements."""
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.sleep(2.0)


def now_s() -> float:
    return time.monotonic()
