"""`python -m bench.run`: the benchmark's command line (`make bench` runs it).

Fills one input topic with the synthetic stream, then per variant and repetition
measures the ceiling, the worker drain and the worker's latency at half its drain
rate; prints a Markdown table and writes JSON to bench/results/. Every topic it
creates starts with a per-run prefix and is deleted at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import kafka_io, report, scenarios
from bench.ceiling import ClientSettings
from bench.profile import summarize_profile
from bench.scenarios import Variant
from streams.worker.app import create_app
from tierstream.demo.generator import Record, generate, horizon, rounds
from tierstream.policy import load_policy


def _csv(kind: type, choices: Sequence[str] | None = None) -> Any:
    def parse(text: str) -> list[Any]:
        items = [kind(x.strip()) for x in text.split(",") if x.strip()]
        bad = [x for x in items if choices is not None and x not in choices]
        if bad or not items:
            raise argparse.ArgumentTypeError(f"expected a comma list of {choices or kind}")
        return items
    return parse


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="bench", description=__doc__.splitlines()[0])
    p.add_argument("--bootstrap", default="127.0.0.1:9092", help="Kafka bootstrap servers")
    p.add_argument("--events", type=int, default=100_000, help="input events (N)")
    p.add_argument("--customers", type=int, default=10_000,
                   help="customers in the synthetic stream (about 17 events each); the first "
                   "N events of their merged, time-ordered stream are used")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--reps", type=int, default=3, help="repetitions (the table shows medians)")
    p.add_argument("--store", type=_csv(str, ["memory", "rocksdb"]), default=["rocksdb"])
    p.add_argument("--guarantee", type=_csv(str, ["at_least_once", "exactly_once"]),
                   default=["at_least_once"])
    p.add_argument("--workers", type=_csv(int, None), default=[1])
    p.add_argument("--partitions", type=int, default=8)
    p.add_argument("--latency-seconds", type=float, default=20.0,
                   help="how long the worker is fed at half its drain rate (0: skip)")
    p.add_argument("--curve", type=_csv(int, None), default=[],
                   help="customer counts for a worker-only throughput curve, e.g. 1000,10000")
    p.add_argument("--curve-rounds", type=int, default=0,
                   help="curve points feed every customer's first event, then every "
                   "customer's second, up to this many each (all customers get a state), "
                   "instead of the first --events events of the time-ordered stream")
    p.add_argument("--curve-only", action="store_true",
                   help="run only the curve (no ceiling, floor or latency columns)")
    p.add_argument("--profile", type=Path, default=None,
                   help="only profile one worker drain with py-spy; write the raw profile here")
    p.add_argument("--keep-topics", action="store_true", help="do not delete the run's topics")
    p.add_argument("--challenger", action="store_true",
                   help="also drain with a challenger policy running beside the champion "
                   "(worker_challenger_events_per_s, challenger_ratio)")
    return p


def stream(customers: int, events: int, seed: int) -> list[Record]:
    """The first `events` records of the customers' stream, without building the rest."""
    until = horizon(customers, events, seed)
    return list(itertools.islice(generate(customers, seed, until=until), events))


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    prefix = f"bench{uuid.uuid4().hex[:8]}"
    tmp = Path(tempfile.mkdtemp(prefix="tierstream-bench-"))
    logs = tmp / "logs"
    logs.mkdir()
    records = [] if args.curve_only else stream(args.customers, args.events, args.seed)
    source = f"{prefix}-in"
    await kafka_io.create(args.bootstrap, [source], args.partitions)
    t0 = time.monotonic()
    if records:
        await kafka_io.fill(args.bootstrap, source, records)
        say(f"filled {source}: {len(records)} events, mean value "
            f"{statistics.fmean(len(r.value) for r in records):.0f} B, "
            f"{time.monotonic() - t0:.0f}s")
    result: dict[str, Any] = {
        "command": "python -m bench.run " + " ".join(sys.argv[1:]),
        "machine": report.machine(), "events": len(records), "customers": args.customers,
        "partitions": args.partitions, "variants": [], "curve": [], "logs": str(logs),
    }
    try:
        if args.profile is not None:
            v = Variant(args.store[0], args.guarantee[0], 1, args.partitions)
            s = scenarios.worker_settings(args.bootstrap, prefix, "profile", source, v, tmp / "p")
            d = await scenarios.drain(s, len(records), v, logs, _timeout(len(records)), False,
                                      profile_to=args.profile)
            say(f"profiled drain: {d.events_per_s:,.0f} events/s, {d.cpu_us_per_event:,.0f} CPU "
                f"us/event; raw profile {args.profile}")
            say(summarize_profile(args.profile))
            return result
        for store, guarantee, workers in itertools.product(
                args.store, args.guarantee, [] if args.curve_only else args.workers):
            v = Variant(store, guarantee, workers, args.partitions)
            try:
                result["variants"].append(await variant(args, v, prefix, source, records, tmp))
            except RuntimeError as exc:  # a stalled variant is a finding: keep the others
                say(f"FAILED {v}: {exc}")
                result["variants"].append({"name": f"{store}/{guarantee}/{workers}w",
                                           "error": str(exc).splitlines()[0],
                                           "repetitions": [], "median": {}})
        for customers in args.curve:
            result["curve"].append(await curve_point(args, prefix, customers, tmp))
        return result
    finally:
        if not args.keep_topics:
            await kafka_io.delete_prefixed(args.bootstrap, prefix)


async def variant(args: argparse.Namespace, v: Variant, prefix: str, source: str,
                  records: list[Record], tmp: Path) -> dict[str, Any]:
    name = f"{v.store}/{v.guarantee}/{v.workers}w"
    tag = f"{v.store[:3]}{v.guarantee[:3]}{v.workers}"
    probe = scenarios.worker_settings(args.bootstrap, prefix, "probe", source, v, tmp)
    client = ClientSettings.of_faust(create_app(probe, load_policy(probe.policy_file)).app.conf)
    reps = []
    for rep in range(args.reps):
        row: dict[str, Any] = {}
        row["ceiling_events_per_s"] = await scenarios.ceiling(
            args.bootstrap, prefix, f"{tag}-c{rep}", source, len(records), client, v)
        fs = scenarios.worker_settings(args.bootstrap, prefix, f"{tag}-f{rep}", source, v,
                                       tmp / f"{tag}-f{rep}")
        floor = await scenarios.drain(fs, len(records), v, tmp / "logs", _timeout(len(records)),
                                      False, command=("bench.faust_floor",),
                                      sink=fs.tier_changes_topic)
        row["faust_floor_events_per_s"] = floor.events_per_s
        s = scenarios.worker_settings(args.bootstrap, prefix, f"{tag}-w{rep}", source, v,
                                      tmp / f"{tag}-w{rep}")
        d = await scenarios.drain(s, len(records), v, tmp / "logs", _timeout(len(records)),
                                  measure_state=rep == 0)
        row.update(worker_events_per_s=d.events_per_s, worker_cpu_us_per_event=d.cpu_us_per_event,
                   peak_rss_bytes=d.peak_rss_bytes,
                   state_bytes_per_customer=d.state_bytes_per_customer)
        if args.challenger:
            cs = await scenarios.with_challenger(scenarios.worker_settings(
                args.bootstrap, prefix, f"{tag}-x{rep}", source, v, tmp / f"{tag}-x{rep}"), v)
            shadowed = await scenarios.drain(cs, len(records), v, tmp / "logs",
                                             _timeout(len(records)), measure_state=False)
            row.update(worker_challenger_events_per_s=shadowed.events_per_s,
                       worker_challenger_cpu_us_per_event=shadowed.cpu_us_per_event,
                       challenger_ratio=shadowed.events_per_s / d.events_per_s)
        if args.latency_seconds > 0:
            ls = scenarios.worker_settings(args.bootstrap, prefix, f"{tag}-l{rep}",
                                           f"{prefix}-{tag}-l{rep}-in", v, tmp / f"{tag}-l{rep}")
            lat = await scenarios.latency(ls, records, d.events_per_s / 2, args.latency_seconds,
                                          v, tmp / "logs")
            row.update(latency_rate=lat.rate, latency_p50_ms=lat.p50_ms,
                       latency_p99_ms=lat.p99_ms, latency_max_ms=lat.max_ms)
        say(f"{name} rep {rep + 1}: " + ", ".join(f"{k}={val:,.1f}" for k, val in row.items()
                                                  if isinstance(val, int | float)))
        reps.append(row)
    return {"name": name, "repetitions": reps, "median": report.summarize(reps)}


async def curve_point(args: argparse.Namespace, prefix: str, customers: int,
                      tmp: Path) -> dict[str, Any]:
    """Worker drain of the first N events of `customers` customers (one repetition)."""
    v = Variant(args.store[0], args.guarantee[0], 1, args.partitions)
    records = (list(rounds(customers, args.curve_rounds, args.seed)) if args.curve_rounds
               else stream(customers, args.events, args.seed))
    source = f"{prefix}-curve{customers}-in"
    await kafka_io.create(args.bootstrap, [source], args.partitions)
    await kafka_io.fill(args.bootstrap, source, records)
    s = scenarios.worker_settings(args.bootstrap, prefix, f"curve{customers}", source, v,
                                  tmp / f"curve{customers}")
    d = await scenarios.drain(s, len(records), v, tmp / "logs", _timeout(len(records)), True)
    say(f"curve {customers} customers: {d.events_per_s:,.0f} events/s, "
        f"{d.cpu_us_per_event:,.0f} CPU us/event, {d.customers:,} customers with a state, "
        f"peak RSS {d.peak_rss_bytes / 1e6:,.0f} MB")
    return {"name": f"{v.store}/{customers}", "customers": customers, "events": len(records),
            "worker_events_per_s": d.events_per_s, "worker_cpu_us_per_event": d.cpu_us_per_event,
            "peak_rss_bytes": d.peak_rss_bytes, "customers_with_state": d.customers}


def _timeout(events: int) -> float:
    return 180.0 + events / 100.0


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result = asyncio.run(bench(args))
    if args.profile is None:
        path = report.write(result)
        print(report.table(result))
        say(f"results: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
