"""`GET /customers/{id}/history` and `?as_of=` without a worker: answers, routing, errors."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from streams.http.customers import CustomerQuery
from streams.http.history import HistoryQuery
from streams.http.ownership import PartitionOwners
from streams.http.peers import ROUTED_HEADER
from streams.http.replies import Reply, Request
from tests.openapi_contract import check_response
from tests.unit.builders import DEFAULT_POLICY
from tests.unit.history.records import CID, change
from tierstream.history import append
from tierstream.partitioning import default_partition
from tierstream.policy import ActivePolicy

ME, PEER = "http://w1:6066", "http://w2:6066"
PARTITIONS = 4
HOME = default_partition(CID.encode(), PARTITIONS)
HISTORY_PATH, CUSTOMER_PATH = "/customers/{customer_id}/history", "/customers/{customer_id}"
FIRST_AT, CHANGE_AT = "2026-01-01T09:00:00+08:00", "2026-03-31T10:00:00+08:00"
STORED = {CID.encode(): append(None, [change("e1", FIRST_AT, "C", previous=None),
                                      change("e2", CHANGE_AT, "B")], timedelta(days=1000))}


def owners(home_owner: str) -> PartitionOwners:
    parts: dict[str, list[int]] = {ME: [p for p in range(PARTITIONS) if p != HOME], PEER: []}
    parts[home_owner].append(HOME)
    return PartitionOwners(lambda: {url: {"t": ps} for url, ps in parts.items()},
                           lambda: [ME, PEER], ME, PARTITIONS)


class Peer:
    def __init__(self) -> None:
        self.asked: list[str] = []

    async def __call__(self, url: str) -> tuple[int, bytes]:
        self.asked.append(url)
        return 200, b'{"from": "peer"}'


def get(path: str, query: dict[str, str] | None = None, routed: bool = False,
        cid: str = CID) -> Request:
    url = path.format(customer_id=cid)
    rel = url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
    return Request(url, rel, {"customer_id": cid}, query or {},
                   {ROUTED_HEADER: PEER} if routed else {})


async def history(query: dict[str, str] | None = None, owner: str = ME, cid: str = CID,
                  restoring: bool = False, peer: Peer | None = None) -> Reply:
    handler = HistoryQuery(STORED.get, owners(owner), peer or Peer(), lambda: restoring)
    return await handler(get(HISTORY_PATH, query, cid=cid))


async def as_of(when: str, owner: str = ME, cid: str = CID, peer: Peer | None = None,
                history: bool = True) -> Reply:
    nothing: dict[bytes, bytes] = {}
    handler = CustomerQuery(nothing.get, ActivePolicy(DEFAULT_POLICY), owners(owner),
                            peer or Peer(), lambda: False,
                            history=STORED.get if history else None)
    return await handler(get(CUSTOMER_PATH, {"as_of": when}, cid=cid))


def body(reply: Reply, path: str) -> Any:
    parsed = json.loads(reply.body)
    check_response(path, reply.status, parsed)
    return parsed


async def test_the_owner_answers_with_every_change_in_time_order() -> None:
    page = body(await history(), HISTORY_PATH)
    assert [(c["previous"], c["current"]["tier"]) for c in page["changes"]] == [
        (None, "C"), ({"tier": "C", "grade": "A"}, "B")]
    assert page["changes"][1]["reasons"] == [
        {"code": "why_B", "message": "tier B", "income": "16000"}]
    assert (page["total"], page["next_offset"], page["served_by"]) == (2, None, ME)


async def test_a_range_and_a_page_of_it() -> None:
    page = body(await history({"from": "2026-02-01T00:00:00Z", "limit": "1"}), HISTORY_PATH)
    assert [c["event_id"] for c in page["changes"]] == ["e2"]
    page = body(await history({"limit": "1"}), HISTORY_PATH)
    assert ([c["event_id"] for c in page["changes"]], page["next_offset"]) == (["e1"], 1)
    page = body(await history({"limit": "1", "offset": "1"}), HISTORY_PATH)
    assert ([c["event_id"] for c in page["changes"]], page["next_offset"]) == (["e2"], None)


async def test_an_unencoded_plus_of_an_offset_is_read_as_one() -> None:
    page = body(await history({"to": "2026-03-31T10:00:00 08:00"}), HISTORY_PATH)
    assert [c["event_id"] for c in page["changes"]] == ["e1"]  # `to` is exclusive


@pytest.mark.parametrize("query", [{"from": "yesterday"}, {"to": "2026-03-31"},
                                   {"limit": "0"}, {"limit": "x"}, {"offset": "-1"},
                                   {"from": "2026-03-01T00:00:00Z",
                                    "to": "2026-02-01T00:00:00Z"}])
async def test_bad_parameters_are_a_400(query: dict[str, str]) -> None:
    assert body(await history(query), HISTORY_PATH)["error"] == "bad_request"


async def test_unknown_restoring_bad_id_and_forwarded() -> None:
    assert (await history(cid="NOBODY")).status == 404
    assert (await history(cid="NOBODY", restoring=True)).status == 503
    assert (await history(cid="bad id!")).status == 400
    peer = Peer()
    reply = await history({"limit": "5"}, owner=PEER, peer=peer)
    assert json.loads(reply.body) == {"from": "peer"}
    assert peer.asked == [f"{PEER}/customers/{CID}/history?limit=5"]


async def test_as_of_answers_the_standing_in_force_then() -> None:
    view = body(await as_of(CHANGE_AT), CUSTOMER_PATH)
    assert (view["tier"], view["grade"], view["cause_event_id"]) == ("B", "A", "cause-e2")
    assert view["reasons"][0]["code"] == "why_B"
    assert view["occurred_at"] == "2026-03-31T10:00:00+08:00"
    before = body(await as_of("2026-03-31T09:59:59+08:00"), CUSTOMER_PATH)
    assert before["tier"] == "C"


async def test_as_of_before_the_first_tier_or_of_nobody_is_a_404() -> None:
    reply = await as_of("2025-12-31T00:00:00Z")
    assert body(reply, CUSTOMER_PATH)["error"] == "not_found"
    assert "had no tier" in json.loads(reply.body)["detail"]
    assert (await as_of(CHANGE_AT, cid="NOBODY")).status == 404


async def test_as_of_is_forwarded_to_the_owner_and_checked() -> None:
    peer = Peer()
    await as_of(CHANGE_AT, owner=PEER, peer=peer)
    assert peer.asked == [f"{PEER}/customers/{CID}?as_of={CHANGE_AT}"]
    assert body(await as_of("31 March"), CUSTOMER_PATH)["error"] == "bad_request"
    assert (await as_of(CHANGE_AT, history=False)).status == 400
