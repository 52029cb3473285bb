"""History and as-of answers of the query API, on two workers and after a restart.

Two workers share the partitions of the real broker (one consumer group, one token
file). Each customer gets a first tier (C) and, on 31 March, an upgrade to B; the
history and the standing at any time are asked through either worker, which
forwards to the owner. Then both stop and a worker with an empty data folder
starts: it restores the history table from its changelog and answers the same.
`tierstream history --url` is asked as an operator would.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest

from tests.integration.harness import (
    REPO,
    WorkerProcess,
    base_url,
    event,
    free_port,
    get_json,
    produce,
    with_token_file,
    worker_pair,
)
from tests.openapi_contract import check_response
from tierstream.settings import Settings

pytestmark = pytest.mark.integration

CUSTOMERS = [f"H-{n:03d}" for n in range(12)]
TOKEN = "history-test-token-7a2e"
FIRST_AT, UPGRADE_AT = "2026-01-01T09:00:00+08:00", "2026-03-31T10:00:00+08:00"
HISTORY, CUSTOMER = "/customers/{customer_id}/history", "/customers/{customer_id}"


def _events(cid: str) -> list[tuple[bytes, bytes]]:
    """A first tier C (bachelor, low income), then tier B from a raise on 31 March."""
    return [
        event(f"{cid}-p", cid, "profile.updated", FIRST_AT, education="bachelor"),
        event(f"{cid}-s1", cid, "salary.changed", "2026-01-02T09:00:00+08:00",
              monthly_income=5_000),
        event(f"{cid}-s2", cid, "salary.changed", UPGRADE_AT, monthly_income=16_000),
    ]


@pytest.fixture
def token_settings(settings: Settings, tmp_path: Path) -> Settings:
    return with_token_file(settings, tmp_path, TOKEN)


@pytest.fixture
def pair(token_settings: Settings, tmp_path: Path) -> Iterator[list[WorkerProcess]]:
    workers = worker_pair(token_settings, tmp_path)
    yield workers
    for w in workers:
        w.stop()


async def _until(check: Callable[[], Awaitable[bool]], workers: list[WorkerProcess],
                 what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        for w in workers:
            assert w.proc.poll() is None, f"worker exited:\n{w.log_tail()}"
        if time.monotonic() > deadline:
            logs = "\n".join(w.log_tail(30) for w in workers)
            raise AssertionError(f"timed out waiting for {what}\n{logs}")
        await asyncio.sleep(0.5)


async def _histories(http: aiohttp.ClientSession, base: str,
                     workers: list[WorkerProcess]) -> dict[str, Any]:
    """Every customer's history through `base`, once each holds both changes (a 503
    while a partition moves or is restored is the API's "retry")."""
    found: dict[str, Any] = {}

    async def check() -> bool:
        for cid in CUSTOMERS:
            status, body = await get_json(http, f"{base}/customers/{cid}/history")
            if status == 200 and body["total"] == 2:
                found[cid] = body
        return len(found) == len(CUSTOMERS)

    await _until(check, workers, f"every history via {base}; got {sorted(found)}")
    return found


async def _as_of(http: aiohttp.ClientSession, base: str, cid: str, when: str) -> tuple[int, Any]:
    status, body = await get_json(http, f"{base}/customers/{cid}?as_of={quote(when)}")
    check_response(CUSTOMER, status, body)
    return status, body


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIERSTREAM_")}
    env["TIERSTREAM_API_TOKEN"] = TOKEN
    return subprocess.run([sys.executable, "-m", "tierstream", "history", *args],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=60,
                          check=False)


async def test_history_and_as_of_across_two_workers_and_after_a_restart(
    token_settings: Settings, pair: list[WorkerProcess], tmp_path: Path
) -> None:
    first, second = pair
    await produce(token_settings, [r for cid in CUSTOMERS for r in _events(cid)])
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10),
                                     headers={"Authorization": f"Bearer {TOKEN}"}) as http:
        # Both workers in the group (each owns partitions) and every event applied.
        via_first: dict[str, Any] = {}
        via_second: dict[str, Any] = {}

        async def settled() -> bool:
            nonlocal via_first, via_second
            via_first = await _histories(http, base_url(first), pair)
            via_second = await _histories(http, base_url(second), pair)
            owners = {page["served_by"] for page in via_first.values()}
            return via_first == via_second and owners == {base_url(first), base_url(second)}

        await _until(settled, pair, "both workers to own customers and answer alike")
        for cid in CUSTOMERS:
            page = via_first[cid]
            check_response(HISTORY, 200, page)
            changes = page["changes"]
            assert [(c["previous"], c["current"]) for c in changes] == [
                (None, {"tier": "C", "grade": "A"}),
                ({"tier": "C", "grade": "A"}, {"tier": "B", "grade": "A"})]
            assert [c["cause_event_id"] for c in changes] == [f"{cid}-p", f"{cid}-s2"]
            assert changes[1]["occurred_at"] == UPGRADE_AT
            assert changes[1]["reasons"], "reasons with their values, as published"
            assert (page["next_offset"], page["kept_from"]) == (None, None)

        cid = CUSTOMERS[0]
        for w in pair:
            base = base_url(w)
            status, at_upgrade = await _as_of(http, base, cid, UPGRADE_AT)
            assert (status, at_upgrade["tier"], at_upgrade["cause_event_id"]) == (
                200, "B", f"{cid}-s2")
            assert at_upgrade["reasons"] == via_first[cid]["changes"][1]["reasons"]
            status, before = await _as_of(http, base, cid, "2026-03-31T09:59:59+08:00")
            assert (status, before["tier"]) == (200, "C")
            status, none_yet = await _as_of(http, base, cid, "2025-12-31T23:59:59+08:00")
            assert (status, none_yet["error"]) == (404, "not_found")
            status, page = await get_json(http, f"{base}/customers/{cid}/history?"
                                      f"from={quote('2026-02-01T00:00:00Z')}&limit=1")
            assert (status, [c["cause_event_id"] for c in page["changes"]]) == (
                200, [f"{cid}-s2"])
        async with aiohttp.ClientSession() as anonymous:
            status, body = await get_json(anonymous, f"{base_url(first)}/customers/{cid}/history")
            assert (status, body["error"]) == (401, "unauthorized")

        cli = _cli(token_settings, cid, "--url", base_url(second), "--as-of", UPGRADE_AT, "--json")
        assert cli.returncode == 0, cli.stderr
        assert json.loads(cli.stdout)["tier"] == "B"
        cli = _cli(token_settings, cid, "--url", base_url(first))
        assert cli.returncode == 0, cli.stderr
        assert "C/A -> B/A" in cli.stdout

        # Both stop; a worker with an empty data folder restores the history table
        # from its changelog alone.
        second.stop()
        first.stop()
        fresh = token_settings.model_copy(update={"web_port": free_port(),
                                                  "data_dir": tmp_path / "fresh-data"})
        restarted = WorkerProcess(fresh, tmp_path / "restarted.log")
        try:
            after = await _histories(http, base_url(restarted), [restarted])
            assert {c: b["changes"] for c, b in after.items()} == {
                c: b["changes"] for c, b in via_first.items()}
            status, body = await _as_of(http, base_url(restarted), cid, UPGRADE_AT)
            assert (status, body["tier"]) == (200, "B")
        finally:
            restarted.stop()
