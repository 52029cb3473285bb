"""`python -m bench.query_load` (`make bench-query`): decisions with and without query load.

Two runs on fresh topics, each: one `tierstream worker` is given a history (the first
`--history` events of the synthetic stream, so customers exist), then fed the next
events at a fixed rate (`--rate`, 100 ev/s) for `--seconds`. The second run also
starts `tierstream serve` and, for the same seconds, `--clients` concurrent clients
(a separate process, so they never delay the feed) asking it for known customers.

Reported per run: decision latency p50/p99 (input record timestamp to the first
latest-tier output whose `as_of` covers it, as bench/scenarios.py measures it), the
input not yet committed when the feed ends (backlog) and how long it took to clear;
under load also API answers/s, their p99, the 429/503 counts, and freshness: from a
latest-tier record's broker timestamp to the query process first answering with that
`as_of` (a prober polls every 10 ms for a sample of the outputs), and the query
process's own histogram (changelog record written to applied).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp
from aiokafka import AIOKafkaConsumer, TopicPartition
from prometheus_client.parser import text_string_to_metric_families

from bench.stats import event_time, match_latencies, percentile

if TYPE_CHECKING:  # the client process imports only what it runs
    from bench.workers import BenchWorker
    from tierstream.demo.generator import Record
    from tierstream.settings import Settings

REPO = Path(__file__).resolve().parents[1]

POLL_SECONDS = 0.01  # the freshness prober's resolution
PROBE_GIVE_UP_SECONDS = 10.0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="bench.query_load", description=__doc__.splitlines()[0])
    p.add_argument("--bootstrap", default="127.0.0.1:9092")
    p.add_argument("--rate", type=float, default=100.0, help="input events per second")
    p.add_argument("--seconds", type=float, default=40.0, help="length of the fed phase")
    p.add_argument("--clients", type=int, default=20, help="concurrent API clients")
    p.add_argument("--customers", type=int, default=10_000)
    p.add_argument("--history", type=int, default=20_000,
                   help="events decided before the measured phase")
    p.add_argument("--partitions", type=int, default=8)
    p.add_argument("--store", choices=["rocksdb", "memory"], default="rocksdb")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--reps", type=int, default=1, help="repetitions of the pair of runs")
    p.add_argument("--probe-every", type=int, default=5,
                   help="probe the freshness of every Nth latest-tier output")
    p.add_argument("--client-nice", type=int, default=19,
                   help="CPU niceness of the client process: the clients stand in for users "
                   "on other machines, so they take CPU from the measured processes last")
    p.add_argument("--serve-nice", type=int, default=3,
                   help="CPU niceness of `tierstream serve`: 3 weighs half of 0 for the "
                   "scheduler, as docker-compose.yml gives replicas half the workers' CPU "
                   "share (cpu_shares 512)")
    p.add_argument("--client-backoff", type=float, default=0.1,
                   help="most seconds a client waits after a 429/503 (it is told 1 s; a load "
                   "balancer would try another replica at once)")
    p.add_argument("--serve-max-rps", type=float, default=1000.0,
                   help="TIERSTREAM_QUERY_MAX_REQUESTS_PER_SECOND of the query process, as on "
                   "a host shared with workers (0: no limit; above it: 429)")
    p.add_argument("--keep-topics", action="store_true")
    # internal: the client process
    p.add_argument("--client-process", nargs=2, metavar=("URL", "IDS_FILE"),
                   help=argparse.SUPPRESS)
    p.add_argument("--probe-process", nargs=2, metavar=("URL", "TOPIC"), help=argparse.SUPPRESS)
    return p


# ---- the API clients (their own process) -------------------------------------------------

async def client_load(url: str, ids: Sequence[str], clients: int, seconds: float,
                      backoff: float = 1.0) -> dict[str, Any]:
    """`clients` loops, each asking for a random known customer as soon as answered."""
    statuses: Counter[int] = Counter()
    answered_ms: list[float] = []
    stop_at = time.monotonic() + seconds
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector) as http:
        async def one(n: int) -> None:
            pick = random.Random(n).choice
            while time.monotonic() < stop_at:
                t0 = time.perf_counter()
                retry = 0.0
                try:
                    async with http.get(f"{url}/customers/{pick(ids)}") as resp:
                        await resp.read()
                        status = resp.status
                        retry = float(resp.headers.get("Retry-After", 0) or 0)
                except aiohttp.ClientError:
                    status = 0
                statuses[status] += 1
                if status in (200, 404):
                    answered_ms.append((time.perf_counter() - t0) * 1000)
                elif status in (429, 503):  # backs off as told, at most `backoff`
                    await asyncio.sleep(min(retry, backoff))

        started = time.monotonic()
        await asyncio.gather(*(one(n) for n in range(clients)))
        elapsed = time.monotonic() - started
    return {
        "seconds": elapsed, "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "answered_per_s": len(answered_ms) / elapsed,
        "p50_ms": percentile(answered_ms, 50) if answered_ms else None,
        "p99_ms": percentile(answered_ms, 99) if answered_ms else None,
        "shed": statuses[429] + statuses[503],
    }


def start_clients(url: str, ids: Sequence[str], clients: int, seconds: float,
                  tmp: Path, nice: int, backoff: float) -> subprocess.Popen[bytes]:
    ids_file = tmp / "ids.json"
    ids_file.write_text(json.dumps(list(ids)))
    cmd = [sys.executable, "-m", "bench.query_load", "--client-process", url, str(ids_file),
           "--clients", str(clients), "--seconds", str(seconds), "--client-backoff",
           str(backoff)]
    return subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE,
                            preexec_fn=lambda: os.nice(nice))


# ---- freshness ---------------------------------------------------------------------------

async def probe_freshness(bootstrap: str, topic: str, partitions: int, url: str,
                          every: int, seconds: float) -> dict[str, Any]:
    """For `seconds`, for every `every`th new latest-tier record, poll the query API until
    it answers with that record's `as_of`: ms from the record's broker timestamp.
    Prints `ready` once it reads from the end of the topic (its parent waits for it)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None,
                                enable_auto_commit=False)
    await consumer.start()
    parts = [TopicPartition(topic, p) for p in range(partitions)]
    consumer.assign(parts)
    await consumer.seek_to_end(*parts)
    for tp in parts:
        await consumer.position(tp)
    print("ready", flush=True)
    fresh: list[float] = []
    missed = 0
    probes: set[asyncio.Task[None]] = set()
    seen = 0
    stop_at = time.monotonic() + seconds
    async with aiohttp.ClientSession() as http:
        async def probe(key: str, ts_ms: int, as_of: float) -> None:
            nonlocal missed
            deadline = time.monotonic() + PROBE_GIVE_UP_SECONDS
            while time.monotonic() < deadline:
                async with http.get(f"{url}/customers/{key}") as resp:
                    body = await resp.json(content_type=None)
                    if resp.status == 200 and event_time(body["as_of"]) >= as_of:
                        fresh.append(time.time() * 1000 - ts_ms)
                        return
                await asyncio.sleep(POLL_SECONDS)
            missed += 1

        try:
            while time.monotonic() < stop_at:
                batch = await consumer.getmany(timeout_ms=100)
                for msgs in batch.values():
                    for m in msgs:
                        seen += 1
                        if seen % every or m.key is None or m.value is None:
                            continue
                        as_of = event_time(json.loads(m.value)["as_of"])
                        task = asyncio.create_task(probe(m.key.decode(), m.timestamp, as_of))
                        probes.add(task)
                        task.add_done_callback(probes.discard)
            await asyncio.gather(*probes, return_exceptions=True)
        finally:
            await consumer.stop()
    return {"samples": len(fresh), "missed": missed,
            "p50_ms": percentile(fresh, 50) if fresh else None,
            "p99_ms": percentile(fresh, 99) if fresh else None}


def start_prober(args: argparse.Namespace, url: str, topic: str) -> subprocess.Popen[bytes]:
    """The freshness prober in its own process (it never delays the feed); returns once
    it reads from the end of the latest-tier topic."""
    cmd = [sys.executable, "-m", "bench.query_load", "--probe-process", url, topic,
           "--bootstrap", args.bootstrap, "--partitions", str(args.partitions),
           "--probe-every", str(args.probe_every), "--seconds", str(args.seconds + 2)]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE)
    assert proc.stdout is not None
    if proc.stdout.readline().strip() != b"ready":
        raise RuntimeError("the freshness prober did not start")
    return proc


def histogram_p99(metrics_text: str, name: str) -> float | None:
    """Upper bound of the bucket holding the 99th percentile of a Prometheus histogram."""
    by_le: dict[float, float] = {}
    for family in text_string_to_metric_families(metrics_text):
        for s in family.samples:
            if s.name == f"{name}_bucket":  # summed over the other labels
                le = float(s.labels["le"])
                by_le[le] = by_le.get(le, 0.0) + s.value
    buckets = sorted(by_le.items())
    if not buckets or buckets[-1][1] == 0:
        return None
    total = buckets[-1][1]
    return next(le for le, count in buckets if count >= 0.99 * total)


# ---- one run ----------------------------------------------------------------------------

def children_cpu() -> float:
    """CPU seconds of this process's children that have ended (the client process)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def undecided(sent: Sequence[tuple[bytes, int, float]],
              outputs: Sequence[tuple[bytes, int, float]], at_ms: int) -> int:
    """Inputs not yet decided at `at_ms` (by the outputs' broker timestamps)."""
    return len(sent) - len(match_latencies(sent, [o for o in outputs if o[1] <= at_ms]))


async def get_json(url: str) -> tuple[int, Any]:
    try:
        async with aiohttp.ClientSession() as http, http.get(url) as resp:
            return resp.status, await resp.json(content_type=None)
    except aiohttp.ClientError:
        return 0, None


async def wait_ready(url: str, replica: BenchWorker, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while (await get_json(f"{url}/readyz"))[0] != 200:
        if not replica.alive() or time.monotonic() > deadline:
            raise RuntimeError(f"query process not ready:\n{replica.log_tail()}")
        await asyncio.sleep(0.5)


async def one_run(args: argparse.Namespace, s: Settings, history: list[Record],
                  fed: list[Record], tmp: Path, load: bool) -> dict[str, Any]:
    from bench import kafka_io
    from bench.scenarios import Variant, isolation
    from bench.workers import BenchWorker

    v = Variant(args.store, "at_least_once", 1, args.partitions)
    b, n = s.bootstrap_servers, args.partitions
    await kafka_io.create(b, [s.input_topic, *s.output_topics()], n)
    logs = tmp / "logs"
    worker = BenchWorker(s, logs / f"{s.app_id}-worker.log")
    replica = (BenchWorker(s, logs / f"{s.app_id}-serve.log", command=("tierstream", "serve"))
               if load else None)
    url = f"http://127.0.0.1:{s.query_port}"
    row: dict[str, Any] = {"load": load}
    try:
        await kafka_io.fill(b, s.input_topic, history)
        await kafka_io.wait_committed(b, s.app_id, s.input_topic, n, 300, worker.alive)
        clients = prober = None
        cpu0 = children0 = 0.0
        if replica is not None:
            os.setpriority(os.PRIO_PROCESS, replica.proc.pid, args.serve_nice)
            await wait_ready(url, replica)
            cpu0 = replica.cpu_seconds()
            ids = sorted({r.key.decode() for r in history if r.key is not None})
            prober = await asyncio.to_thread(start_prober, args, url, s.latest_topic)
            children0 = children_cpu()
            clients = start_clients(url, ids, args.clients, args.seconds, tmp,
                                    args.client_nice, args.client_backoff)
        sent = await kafka_io.paced(b, s.input_topic, fed, args.rate)
        await kafka_io.wait_committed(b, s.app_id, s.input_topic, n, 120, worker.alive)
        if clients is not None and prober is not None and replica is not None:
            out, _ = await asyncio.to_thread(clients.communicate)
            row["api"] = json.loads(out)
            row["clients_cpu_s"] = children_cpu() - children0
            out, _ = await asyncio.to_thread(prober.communicate)
            fresh = json.loads(out.splitlines()[-1])
            row.update(freshness_samples=fresh["samples"], freshness_missed=fresh["missed"],
                       freshness_p50_ms=fresh["p50_ms"], freshness_p99_ms=fresh["p99_ms"])
            async with aiohttp.ClientSession() as http, http.get(f"{url}/metrics") as resp:
                text = await resp.text()
            p99 = histogram_p99(text, "tierstream_query_freshness_seconds")
            row["replica_freshness_p99_le_ms"] = p99 * 1000 if p99 is not None else None
            p99 = histogram_p99(text, "tierstream_query_request_seconds")
            row["replica_request_p99_le_ms"] = p99 * 1000 if p99 is not None else None
            row["replica_cpu_s"] = replica.cpu_seconds() - cpu0
            row["replica_shed"] = {
                s.labels["reason"]: s.value for f in text_string_to_metric_families(text)
                for s in f.samples if s.name == "tierstream_query_shed_total"}
    except (TimeoutError, RuntimeError) as exc:
        raise RuntimeError(f"{exc}\n{worker.log_tail()}") from None
    finally:
        worker.stop()
        if replica is not None:
            replica.stop()
    rows = await kafka_io.read_all(b, s.latest_topic, n, isolation(v))
    outputs = [(k, ts, event_time(json.loads(value)["as_of"])) for k, ts, value in rows]
    lat = [float(x) for x in match_latencies(sent, outputs)]
    if not lat:
        raise RuntimeError("no latency samples")
    last_ms = max(ts for _, ts, _ in sent)
    row["undecided_at_end"] = undecided(sent, outputs, last_ms)
    row["undecided_1s_after_end"] = undecided(sent, outputs, last_ms + 1000)
    row.update(events=len(lat), decision_p50_ms=percentile(lat, 50),
               decision_p99_ms=percentile(lat, 99), decision_max_ms=max(lat),
               decided_within_25ms=sum(x <= 25 for x in lat) / len(lat))
    return row


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    from bench import kafka_io, report
    from bench.run import stream
    from bench.scenarios import Variant, free_port, worker_settings

    prefix = f"benchq{uuid.uuid4().hex[:8]}"
    tmp = Path(tempfile.mkdtemp(prefix="tierstream-bench-query-"))
    (tmp / "logs").mkdir()
    records = stream(args.customers, args.history + int(args.rate * args.seconds), args.seed)
    history, fed = records[: args.history], records[args.history:]
    v = Variant(args.store, "at_least_once", 1, args.partitions)
    result: dict[str, Any] = {
        "command": "python -m bench.query_load " + " ".join(sys.argv[1:]),
        "machine": report.machine(), "rate": args.rate, "seconds": args.seconds,
        "clients": args.clients, "client_nice": args.client_nice,
        "serve_nice": args.serve_nice, "serve_max_rps": args.serve_max_rps,
        "client_backoff": args.client_backoff,
        "history": len(history),
        "fed": len(fed),
        "logs": str(tmp / "logs"), "runs": [],
    }
    try:
        for rep in range(args.reps):
            for load in (False, True):
                name = f"{'load' if load else 'alone'}{rep}"
                s = worker_settings(args.bootstrap, prefix, name, f"{prefix}-{name}-in", v,
                                    tmp / name).model_copy(update={
                    "query_port": free_port(),
                    "query_max_requests_per_second": args.serve_max_rps})
                row = await one_run(args, s, history, fed, tmp, load)
                say(f"rep {rep + 1} {'with' if load else 'without'} query load: "
                    + json.dumps(row))
                result["runs"].append(row)
        return result
    finally:
        if not args.keep_topics:
            await kafka_io.delete_prefixed(args.bootstrap, prefix)


def _fmt(value: Any, spec: str) -> str:
    return "n/a" if value is None else format(value, spec)


def table(result: dict[str, Any]) -> str:
    lines = [
        "| query load | decision p50 ms | p99 ms | max ms | <=25 ms | undecided at end (+1 s) "
        "| API answers/s | API p99 ms (server <=) | 429+503 | freshness p50 ms | p99 ms "
        "| replica freshness p99 <= ms |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in result["runs"]:
        api = r.get("api", {})
        load = f"{result['clients']} clients" if r["load"] else "none"
        lines.append(
            f"| {load} | {r['decision_p50_ms']:.0f} | {r['decision_p99_ms']:.0f} "
            f"| {r['decision_max_ms']:.0f} | {r['decided_within_25ms']:.1%} "
            f"| {r['undecided_at_end']} ({r['undecided_1s_after_end']}) "
            f"| {_fmt(api.get('answered_per_s'), ',.0f')} | {_fmt(api.get('p99_ms'), '.0f')} "
            f"({_fmt(r.get('replica_request_p99_le_ms'), '.1f')}) "
            f"| {_fmt(api.get('shed'), 'd')} | {_fmt(r.get('freshness_p50_ms'), '.0f')} "
            f"| {_fmt(r.get('freshness_p99_ms'), '.0f')} "
            f"| {_fmt(r.get('replica_freshness_p99_le_ms'), '.0f')} |")
    return "\n".join(lines)


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.probe_process:
        url, topic = args.probe_process
        print(json.dumps(asyncio.run(probe_freshness(
            args.bootstrap, topic, args.partitions, url, args.probe_every, args.seconds))))
        return 0
    if args.client_process:
        url, ids_file = args.client_process
        ids = json.loads(Path(ids_file).read_text())
        print(json.dumps(asyncio.run(client_load(url, ids, args.clients, args.seconds,
                                                 args.client_backoff))))
        return 0
    from bench import report

    result = asyncio.run(bench(args))
    report.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = report.RESULTS_DIR / f"query-load-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(table(result))
    say(f"results: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
