"""`tierstream serve` beside a worker on the real broker: reads scaled apart from decisions.

The query process follows the worker's state changelog. What a client notices: a new
tier shows through the query process within seconds of the event; an unknown id is
404; a query process started anew answers nothing until it has caught up (never a
404 or an old tier for a customer it has not read yet), and it answers from what it
has while no worker runs at all.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.integration.harness import (
    REPO,
    WorkerProcess,
    event,
    free_port,
    produce,
    settings_env,
    wait_for_async,
)
from tierstream.settings import Settings

pytestmark = pytest.mark.integration

CUSTOMERS = [f"R-{n:03d}" for n in range(12)]
VISIBLE_WITHIN = 15.0  # seconds from sending an event to its tier through the replica


class ServeProcess:
    """`tierstream serve` in a subprocess, its output kept in a log file."""

    def __init__(self, settings: Settings, log_path: Path) -> None:
        self.settings = settings
        self.log_path = log_path
        self._log = log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tierstream", "serve"],
            cwd=REPO, env=settings_env(settings), stdout=self._log, stderr=subprocess.STDOUT,
        )
        self.base = f"http://127.0.0.1:{settings.query_port}"

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return self.proc.returncode


@pytest.fixture
def replica_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"query_port": free_port()})


@pytest.fixture
def replica(replica_settings: Settings, tmp_path: Path) -> Iterator[ServeProcess]:
    r = ServeProcess(replica_settings, tmp_path / "serve.log")
    yield r
    r.stop()


def _history(cid: str, income: int, day: int = 2) -> list[tuple[bytes, bytes]]:
    return [
        event(f"{cid}-p", cid, "profile.updated", "2026-01-01T09:00:00+08:00",
              education="bachelor"),
        event(f"{cid}-s{day}", cid, "salary.changed", f"2026-01-{day:02d}T09:00:00+08:00",
              monthly_income=income),
    ]


async def _get(http: aiohttp.ClientSession, url: str) -> tuple[int, Any]:
    try:
        async with http.get(url) as resp:
            return resp.status, await resp.json(content_type=None)
    except aiohttp.ClientError:
        return 0, None


async def _tier(http: aiohttp.ClientSession, base: str, cid: str) -> str | None:
    status, body = await _get(http, f"{base}/customers/{cid}")
    return body["tier"] if status == 200 else None


async def test_a_new_tier_shows_through_the_query_process_within_seconds(
    worker: WorkerProcess, replica: ServeProcess, replica_settings: Settings,
) -> None:
    async with aiohttp.ClientSession() as http:
        ready = await wait_for_async(lambda: _get(http, f"{replica.base}/readyz"),
                                     lambda r: r[0] == 200, timeout=60)
        assert ready[1]["caught_up"] is True

        await produce(replica_settings, _history("R-001", 16_000))
        sent = time.monotonic()
        await wait_for_async(lambda: _tier(http, replica.base, "R-001"),
                             lambda t: t == "B", timeout=90)  # first event: worker warm-up

        await produce(replica_settings, [event("R-001-s9", "R-001", "salary.changed",
                                               "2026-01-09T09:00:00+08:00",
                                               monthly_income=5_000)])
        sent = time.monotonic()
        await wait_for_async(lambda: _tier(http, replica.base, "R-001"),
                             lambda t: t == "C", timeout=VISIBLE_WITHIN)
        assert time.monotonic() - sent < VISIBLE_WITHIN

        status, body = await _get(http, f"{replica.base}/customers/NOBODY-1")
        assert status == 404
        assert body["error"] == "not_found"
        status, body = await _get(http, f"{replica.base}/readyz")
        assert status == 200
        assert body["lag_records"] == 0
        assert body["last_freshness_seconds"] is not None
        assert body["last_freshness_seconds"] < VISIBLE_WITHIN
        async with http.get(f"{replica.base}/metrics") as resp:
            metrics = await resp.text()
        assert "tierstream_query_changelog_lag_records 0.0" in metrics
    assert worker.proc.poll() is None, worker.log_tail()


async def test_a_restarted_query_process_catches_up_first_and_needs_no_worker(
    worker: WorkerProcess, replica: ServeProcess, replica_settings: Settings, tmp_path: Path,
) -> None:
    records = [r for n, cid in enumerate(CUSTOMERS)
               for r in _history(cid, 16_000 if n % 2 == 0 else 5_000)]
    await produce(replica_settings, records)
    expected = {cid: "B" if n % 2 == 0 else "C" for n, cid in enumerate(CUSTOMERS)}
    async with aiohttp.ClientSession() as http:
        async def tiers() -> dict[str, str | None]:
            return {cid: await _tier(http, replica.base, cid) for cid in CUSTOMERS}

        await wait_for_async(tiers, lambda seen: seen == expected, timeout=90)
        worker.stop()  # no worker from here on: the replica answers from the changelog
        replica.stop()

        again = ServeProcess(replica_settings, tmp_path / "serve-again.log")
        try:
            answers: list[tuple[int, Any]] = []
            deadline = time.monotonic() + 60
            while True:  # every answer is 503 (or no server yet) until it has caught up
                status, body = await _get(http, f"{again.base}/customers/{CUSTOMERS[0]}")
                answers.append((status, body))
                if status not in (0, 503):
                    break
                assert again.proc.poll() is None, again.log_tail()
                assert time.monotonic() < deadline, again.log_tail()
            assert status == 200, answers[-3:]
            assert body["tier"] == expected[CUSTOMERS[0]]
            assert all(s in (0, 503) for s, _ in answers[:-1])
            assert await tiers() == expected
            ready_status, ready = await _get(http, f"{again.base}/readyz")
            assert ready_status == 200
            assert ready["customers"] == len(CUSTOMERS)
        finally:
            again.stop()
