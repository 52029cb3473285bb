"""`python -m bench.core`: how fast the offline replay decides, against the JSON floor.

`make bench-core` runs it. Not a test: it takes minutes and its numbers depend on
the machine. One cached input file (bench/core_input.py); in one run: the JSON
floor, `tierstream replay --jobs 1` and `--jobs 2` as a user runs them (alternating,
`--reps` times each; medians and spread), their peak memory, and the per-event cost
of decode, apply and encode on a sample. `--events 1000000` is the memory check:
the replay's memory must follow the customers, not the events.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from bench.core_inprocess import cost_split, json_floor, sample
from bench.core_input import bench_input
from bench.core_runs import Run, replay_run
from bench.report import machine
from bench.stats import median


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="bench.core", description=__doc__.splitlines()[0])
    p.add_argument("--events", type=int, default=200_000, help="input events")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--reps", type=int, default=3, help="runs of each replay variant")
    p.add_argument("--sample", type=int, default=20_000,
                   help="about how many events the per-event cost split runs on")
    return p


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    box = machine()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else box["cores"]
    t0 = time.perf_counter()
    data = bench_input(args.events, args.seed)
    say(f"input: {data.events} ({data.events.stat().st_size / 1e6:.0f} MB), "
        f"ready in {time.perf_counter() - t0:.0f}s")

    floor = [json_floor(data) for _ in range(args.reps)]
    say(f"JSON floor: {', '.join(f'{s:.2f}s' for s in floor)}")
    runs: dict[int, list[Run]] = {1: [], 2: []}
    for rep in range(args.reps):
        for jobs in runs:  # alternating, so a slow spell of the machine hits both
            run = replay_run(data.events, jobs)
            runs[jobs].append(run)
            say(f"rep {rep + 1}: replay --jobs {jobs}: {run.seconds:.1f}s, "
                f"peak RSS {run.peak_rss_bytes / 1e6:.0f} MB")
    split = cost_split(sample(data, args.sample))

    n = data.count
    floor_rate = n / median(floor)
    rates = {jobs: n / median(r.seconds for r in rs) for jobs, rs in runs.items()}
    print(f"machine: {cores} CPUs (nproc), {box['cpu'] or 'unknown CPU'}, "
          f"Python {box['python']}, {box['system']}")
    print(f"input: {n:,} events, {data.events.stat().st_size / 1e6:,.0f} MB, seed {args.seed}; "
          f"medians of {args.reps} runs (spread: min-max)")
    print()
    print(f"{'':<22}{'events/s':>12}{'seconds':>10}{'spread':>16}{'peak RSS MB':>14}"
          f"{'all procs MB':>14}")
    print(f"{'JSON floor':<22}{floor_rate:>12,.0f}{median(floor):>10.2f}"
          f"{_spread(floor):>16}{'':>14}{'':>14}")
    for jobs, rs in runs.items():
        seconds = [r.seconds for r in rs]
        trees = [r.tree_rss_bytes for r in rs if r.tree_rss_bytes is not None]
        print(f"{f'replay --jobs {jobs}':<22}{rates[jobs]:>12,.0f}{median(seconds):>10.2f}"
              f"{_spread(seconds):>16}{max(r.peak_rss_bytes for r in rs) / 1e6:>14,.0f}"
              f"{(max(trees) / 1e6 if trees else float('nan')):>14,.0f}")
    print("peak RSS: the largest process of a run; all procs: the run's processes together")
    print()
    print(f"replay --jobs 1 / floor: {floor_rate / rates[1]:.1f}x the floor's time per event")
    print(f"replay --jobs 2 / --jobs 1: {rates[2] / rates[1]:.2f}x the events/s")
    print()
    print(f"per-event cost, in-process, on {split.events:,} events of a customer sample:")
    for name, us in (("decode", split.decode_us), ("apply", split.apply_us),
                     ("encode", split.encode_us),
                     ("pipeline + files, rest", split.overhead_us),
                     ("pipeline + files, total", split.pipeline_us)):
        print(f"  {name:<24}{us:>8.1f} us")
    print(f"  {'replay --jobs 1, total':<24}{1e6 / rates[1]:>8.1f} us (CLI: + reading, "
          f"selecting, start-up)")
    return 0


def _spread(values: list[float]) -> str:
    return f"{min(values):.2f}-{max(values):.2f}"


if __name__ == "__main__":
    sys.exit(main())
