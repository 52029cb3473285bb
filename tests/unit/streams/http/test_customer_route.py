"""`GET /customers/{id}` without a worker: routing, forwarding and its failures."""

from __future__ import annotations

import json

from schemas.api import CustomerView
from streams.http.customers import CustomerQuery
from streams.http.ownership import PartitionOwners
from streams.http.peers import ROUTED_HEADER, PeerUnavailable
from streams.http.replies import Request
from tests.unit.builders import CID, DEFAULT_POLICY, at, ping, run, stable_relationship
from tierstream.partitioning import default_partition
from tierstream.policy import ActivePolicy

ME, PEER = "http://w1:6066", "http://w2:6066"
PARTITIONS = 4
HOME = default_partition(CID.encode(), PARTITIONS)


def owners(home_owner: str | None) -> PartitionOwners:
    parts = {ME: [p for p in range(PARTITIONS) if p != HOME], PEER: []}
    if home_owner is not None:
        parts[home_owner].append(HOME)
    return PartitionOwners(lambda: {url: {"t": ps} for url, ps in parts.items()},
                           lambda: [ME, PEER], ME, PARTITIONS)


class Peer:
    def __init__(self, fail: bool = False) -> None:
        self.asked: list[str] = []
        self.fail = fail

    async def __call__(self, url: str) -> tuple[int, bytes]:
        self.asked.append(url)
        if self.fail:
            raise PeerUnavailable("TimeoutError")
        return 200, b'{"from": "peer"}'


def query(home_owner: str | None, stored: dict[bytes, bytes], peer: Peer,
          restoring: bool = False) -> CustomerQuery:
    return CustomerQuery(stored.get, ActivePolicy(DEFAULT_POLICY), owners(home_owner), peer,
                         restoring=lambda: restoring)


def request(cid: str = CID, routed: bool = False) -> Request:
    headers = {ROUTED_HEADER: PEER} if routed else {}
    return Request(f"/customers/{cid}", f"/customers/{cid}", {"customer_id": cid}, {}, headers)


async def test_the_owner_answers_with_the_explanation() -> None:
    state = run([*stable_relationship(CID), ping(CID, at(10))])[-1].state
    reply = await query(ME, {CID.encode(): state.to_json()}, Peer())(request())
    assert reply.status == 200
    view = CustomerView.model_validate_json(reply.body)
    assert (view.customer_id, view.tier, view.served_by) == (CID, "B", ME)


async def test_a_customer_owned_elsewhere_is_forwarded_once() -> None:
    peer = Peer()
    reply = await query(PEER, {}, peer)(request())
    assert (reply.status, json.loads(reply.body)) == (200, {"from": "peer"})
    assert peer.asked == [f"{PEER}/customers/{CID}"]
    bounced = await query(PEER, {}, Peer())(request(routed=True))
    assert bounced.status == 503
    assert bounced.headers["Retry-After"] == "1"


async def test_unknown_bad_unowned_and_unreachable() -> None:
    assert (await query(ME, {}, Peer())(request())).status == 404
    assert (await query(ME, {}, Peer(), restoring=True)(request())).status == 503
    assert (await query(ME, {}, Peer())(request("bad id!"))).status == 400
    assert (await query(None, {}, Peer())(request())).status == 503
    reply = await query(PEER, {}, Peer(fail=True))(request())
    assert reply.status == 503
    assert json.loads(reply.body)["error"] == "unavailable"
