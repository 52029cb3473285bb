"""Benchmark results: medians over repetitions, the JSON file and the printed table."""

from __future__ import annotations

import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.stats import median

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def machine() -> dict[str, Any]:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {"cores": os.cpu_count(), "cpu": model, "python": platform.python_version(),
            "system": platform.platform()}


def summarize(reps: list[dict[str, Any]]) -> dict[str, Any]:
    """Median of every numeric figure over the repetitions (None when not measured)."""
    keys = sorted({k for r in reps for k in r})
    out: dict[str, Any] = {}
    for k in keys:
        values = [r[k] for r in reps if isinstance(r.get(k), int | float)]
        out[k] = median(values) if values else None
    if out.get("worker_events_per_s") and out.get("ceiling_events_per_s"):
        out["ratio"] = out["worker_events_per_s"] / out["ceiling_events_per_s"]
    if out.get("worker_events_per_s") and out.get("faust_floor_events_per_s"):
        out["ratio_faust"] = out["worker_events_per_s"] / out["faust_floor_events_per_s"]
    return out


def write(result: dict[str, Any]) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS_DIR / f"bench-{stamp}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS_DIR / "latest.json").write_text(json.dumps(result, indent=2) + "\n")
    return path


def _fmt(value: Any, spec: str) -> str:
    return "n/a" if value is None else format(value, spec)


def table(result: dict[str, Any]) -> str:
    """A Markdown table: one row per variant, medians, with the spread of the ratio."""
    lines = [
        "| variant | events | customers | raw ceiling ev/s | faust floor ev/s | worker ev/s "
        "| worker/raw | worker/faust "
        "| worker CPU µs/event | p50 ms | p99 ms | max ms | peak RSS MB | state B/customer |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in result["variants"]:
        if row.get("error"):
            lines.append(f"| {row['name']} | {result['events']} | {result['customers']} "
                         f"| failed: {row['error']} |" + " |" * 10)
            continue
        m = row["median"]
        ratios = sorted(r["worker_events_per_s"] / r["ceiling_events_per_s"]
                        for r in row["repetitions"]
                        if r.get("ceiling_events_per_s") and r.get("worker_events_per_s"))
        spread = f" ({ratios[0]:.1%}..{ratios[-1]:.1%})" if len(ratios) > 1 else ""
        rss = m.get("peak_rss_bytes")
        lines.append(
            f"| {row['name']} | {result['events']} | {result['customers']} "
            f"| {_fmt(m.get('ceiling_events_per_s'), ',.0f')} "
            f"| {_fmt(m.get('faust_floor_events_per_s'), ',.0f')} "
            f"| {_fmt(m.get('worker_events_per_s'), ',.0f')} "
            f"| {_fmt(m.get('ratio'), '.1%')}{spread} "
            f"| {_fmt(m.get('ratio_faust'), '.0%')} "
            f"| {_fmt(m.get('worker_cpu_us_per_event'), ',.0f')} "
            f"| {_fmt(m.get('latency_p50_ms'), '.0f')} | {_fmt(m.get('latency_p99_ms'), '.0f')} "
            f"| {_fmt(m.get('latency_max_ms'), '.0f')} "
            f"| {_fmt(rss / 1e6 if rss else None, '.0f')} "
            f"| {_fmt(m.get('state_bytes_per_customer'), ',.0f')} |"
        )
    for point in result.get("curve", []):
        lines.append(
            f"| curve {point['name']} | {point['events']} | {point['customers']} | | "
            f"| {point['worker_events_per_s']:,.0f} | | "
            f"| {point['worker_cpu_us_per_event']:,.0f} | | | "
            f"| {point['peak_rss_bytes'] / 1e6:.0f} | |"
        )
    return "\n".join(lines)
