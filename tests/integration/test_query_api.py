"""The query API on two workers sharing the partitions of the real broker.

Both workers run `tierstream worker` with the same settings (one consumer group)
except their web port and data folder. Any customer can be asked through either
worker; after one worker stops, the other owns every partition and answers for
every customer from the state it restored from the changelog. The API needs a
token (one token file for both), so every forwarded request carries one too.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.integration.harness import (
    WorkerProcess,
    base_url,
    event,
    get_json,
    produce,
    with_token_file,
    worker_pair,
)
from tests.openapi_contract import check_response
from tierstream.settings import Settings

pytestmark = pytest.mark.integration

CUSTOMERS = [f"Q-{n:03d}" for n in range(24)]
TOKEN = "query-api-test-token-51c7"
CUSTOMER_PATH = "/customers/{customer_id}"


def _history(cid: str, n: int) -> list[tuple[bytes, bytes]]:
    """High income (tier B) for even customers, low income (tier C) for odd ones."""
    income = 16_000 if n % 2 == 0 else 5_000
    return [
        event(f"{cid}-p", cid, "profile.updated", "2026-01-01T09:00:00+08:00",
              education="bachelor"),
        event(f"{cid}-s", cid, "salary.changed", "2026-01-02T09:00:00+08:00",
              monthly_income=income),
    ]


def _expected_tier(n: int) -> str:
    return "B" if n % 2 == 0 else "C"


@pytest.fixture
def pair(settings: Settings, tmp_path: Path) -> Iterator[list[WorkerProcess]]:
    workers = worker_pair(with_token_file(settings, tmp_path, TOKEN), tmp_path)
    yield workers
    for w in workers:
        w.stop()


async def _answers(http: aiohttp.ClientSession, base: str) -> dict[str, tuple[int, Any]]:
    return {cid: await get_json(http, f"{base}/customers/{cid}") for cid in CUSTOMERS}


async def _until(
    check: Callable[[], Awaitable[bool]], workers: list[WorkerProcess], timeout: float, what: str
) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        for w in workers:
            assert w.proc.poll() is None, f"worker exited:\n{w.log_tail()}"
        if time.monotonic() > deadline:
            logs = "\n".join(w.log_tail(30) for w in workers)
            raise AssertionError(f"timed out waiting for {what}\n{logs}")
        await asyncio.sleep(0.5)


async def _all_found(
    http: aiohttp.ClientSession, base: str, workers: list[WorkerProcess], timeout: float = 45
) -> dict[str, Any]:
    """Ask for every customer through `base` until each one has answered 200.

    503 (partition moving, state being restored) is the API's documented "retry".
    """
    found: dict[str, Any] = {}

    async def check() -> bool:
        for cid, (status, body) in (await _answers(http, base)).items():
            if status == 200:
                found[cid] = body
        return len(found) == len(CUSTOMERS)

    await _until(check, workers, timeout, f"every customer via {base}; got {sorted(found)}")
    return found


async def _summary_settles(
    http: aiohttp.ClientSession, base: str, workers: list[WorkerProcess], timeout: float = 45
) -> dict[str, Any]:
    """Poll the summary until it counts every customer on every partition, over `workers`."""
    last: dict[str, Any] = {}

    async def check() -> bool:
        nonlocal last
        status, last = await get_json(http, f"{base}/tiers/summary")
        return (status == 200 and last["complete"] and last["customers"] == len(CUSTOMERS)
                and len(last["workers"]) == len(workers)
                and all(w["partitions"] for w in last["workers"]))

    await _until(check, workers, timeout, f"a settled summary via {base}; last {last}")
    check_response("/tiers/summary", 200, last)
    return last


async def test_two_workers_answer_for_every_customer_and_fail_over(
    settings: Settings, pair: list[WorkerProcess]
) -> None:
    first, second = pair
    records = [r for n, cid in enumerate(CUSTOMERS) for r in _history(cid, n)]
    await produce(settings, records)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10),
                                     headers={"Authorization": f"Bearer {TOKEN}"}) as http:
        # Both workers in the group and every event applied: the summary says so.
        summary = await _summary_settles(http, base_url(second), pair)
        assert summary["tiers"] == {"A": 0, "B": 12, "C": 12, "D": 0}
        assert summary["grades"] == {"AAA": 0, "AA": 0, "A": 24, "B": 0, "C": 0}

        # Every customer through either worker: the same answer, from the owner.
        via_first = await _all_found(http, base_url(first), pair)
        via_second = await _all_found(http, base_url(second), pair)
        served_by = set()
        for n, cid in enumerate(CUSTOMERS):
            body = via_first[cid]
            check_response(CUSTOMER_PATH, 200, body)
            assert (body["customer_id"], body["tier"], body["grade"]) == (
                cid, _expected_tier(n), "A")
            assert body["reasons"][0]["code"] == "grade_a_default"
            assert body["as_of"] == "2026-01-02T01:00:00Z"
            assert via_second[cid] == body, "the owner answers, whoever is asked"
            served_by.add(body["served_by"])
        assert served_by == {base_url(first), base_url(second)}, "both workers own partitions"
        assert {w["url"] for w in summary["workers"]} == served_by

        for w in pair:
            status, body = await get_json(http, f"{base_url(w)}/customers/NOBODY-1")
            assert status == 404
            assert body["error"] == "not_found"
            check_response(CUSTOMER_PATH, 404, body)
            status, body = await get_json(http, f"{base_url(w)}/customers/-bad%20id")
            assert status == 400
            assert body["error"] == "bad_request"
            check_response(CUSTOMER_PATH, 400, body)

        # The second worker leaves: the first takes its partitions and restores their state.
        second.stop()
        after = await _all_found(http, base_url(first), [first])
        assert {body["served_by"] for body in after.values()} == {base_url(first)}
        assert {cid: b["tier"] for cid, b in after.items()} == {
            cid: b["tier"] for cid, b in via_first.items()}
        summary = await _summary_settles(http, base_url(first), [first])
        assert [w["url"] for w in summary["workers"]] == [base_url(first)]
