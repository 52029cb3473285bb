"""The query process without a broker: changelog records in, query answers out.

Records are handed to the follower as the consumer would hand them; the answers are
read through the same routes a client calls.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from aiokafka import ConsumerRecord
from prometheus_client import CollectorRegistry

from streams.http.replies import Reply, Request
from streams.query.app import CUSTOMER_ROUTE, HISTORY_ROUTE, SUMMARY_ROUTE, QueryProcess, build
from streams.query.progress import Progress
from streams.query.store import ReplicaStore
from tests.unit.builders import DEFAULT_POLICY, final, stable_relationship
from tierstream.settings import Settings

TOPIC = "tierstream-customer-state-changelog"


def _settings(tmp_path: Path, **overrides: object) -> Settings:
    return Settings(partitions=2, data_dir=tmp_path, **overrides)  # type: ignore[arg-type]


def _state(cid: str, income: int) -> bytes:
    return final(stable_relationship(cid, income=income)).state.to_json()


def _record(key: str, value: bytes | None, offset: int = 0,
            timestamp_ms: int = 1_000) -> ConsumerRecord[bytes, bytes]:
    return ConsumerRecord(TOPIC, 0, offset, timestamp_ms, 0, key.encode(), value, None, 0, 0, [])


def _caught_up(process: QueryProcess, ends: dict[int, int] | None = None) -> None:
    ends = ends or {0: 0, 1: 0}
    process.follower.progress.start(ends, dict(ends))
    process.history.progress.start({0: 0, 1: 0}, {0: 0, 1: 0})


async def _get(process: QueryProcess, route: str, path: str, **params: str) -> Reply:
    handler = {**process.public, **process.private}[route]
    return await handler(Request(path=path, rel_url=path, params=params))


async def _customer(process: QueryProcess, cid: str) -> Reply:
    return await _get(process, CUSTOMER_ROUTE, f"/customers/{cid}", customer_id=cid)


@pytest.fixture
def process(tmp_path: Path) -> QueryProcess:
    return build(_settings(tmp_path), DEFAULT_POLICY, CollectorRegistry())


def _metric(process: QueryProcess, name: str, **labels: str) -> float:
    return process.registry.get_sample_value(name, labels) or 0.0


async def test_a_replica_answers_nothing_before_it_has_caught_up(process: QueryProcess) -> None:
    process.history.progress.start({0: 0, 1: 0}, {0: 0, 1: 0})
    process.follower.progress.start({0: 5, 1: 0}, {0: 0, 1: 0})
    process.follower.apply([_record("C1", _state("C1", 16_000))])
    reply = await _customer(process, "C1")
    assert reply.status == 503
    assert reply.headers["Retry-After"]
    ready = await _get(process, "/readyz", "/readyz")
    assert ready.status == 503
    assert json.loads(ready.body)["lag_records"] == 5
    assert _metric(process, "tierstream_query_shed_total", reason="catching_up") == 1

    process.follower.progress.advance(0, 5, 5)
    assert (await _customer(process, "C1")).status == 200
    assert (await _get(process, "/readyz", "/readyz")).status == 200


async def test_a_customer_is_explained_like_a_worker_explains_it(process: QueryProcess) -> None:
    _caught_up(process)
    process.follower.apply([_record("C1", _state("C1", 16_000))])
    reply = await _customer(process, "C1")
    view = json.loads(reply.body)
    assert reply.status == 200
    assert view["customer_id"] == "C1"
    assert view["tier"] in "ABCD"
    assert view["policy_version"] == DEFAULT_POLICY.version
    assert view["served_by"] == "http://127.0.0.1:6067"


async def test_unknown_and_deleted_customers_are_404_and_bad_ids_400(
    process: QueryProcess,
) -> None:
    _caught_up(process)
    process.follower.apply([_record("C1", _state("C1", 16_000)), _record("C1", None, 1)])
    assert (await _customer(process, "C1")).status == 404
    assert (await _customer(process, "nobody")).status == 404
    assert (await _customer(process, "bad id!")).status == 400


async def test_the_summary_counts_each_customer_once_as_states_change(
    process: QueryProcess,
) -> None:
    _caught_up(process)
    high, low = _state("C1", 16_000), _state("C1", 3_000)
    process.follower.apply([_record("C1", high), _record("C2", high, 1),
                            _record("C1", low, 2), _record("C2", None, 3)])
    summary = json.loads((await _get(process, SUMMARY_ROUTE, "/tiers/summary")).body)
    tier_of_low = json.loads(low)["tier"]
    assert summary["customers"] == 1
    assert summary["tiers"][tier_of_low] == 1
    assert summary["complete"] is True


async def test_an_overloaded_replica_sheds_queries_with_retry_after(
    process: QueryProcess,
) -> None:
    _caught_up(process)
    process.loop_lag.lag = 5.0
    reply = await _customer(process, "C1")
    assert reply.status == 503
    assert reply.headers["Retry-After"] == "1"
    assert _metric(process, "tierstream_query_shed_total", reason="overloaded") == 1
    assert (await _get(process, "/healthz", "/healthz")).status == 200  # probes still answer
    assert _metric(process, "tierstream_query_requests_total",
                   route=CUSTOMER_ROUTE, status="503") == 1


async def test_live_records_are_timed_from_their_write_to_their_visibility(
    tmp_path: Path,
) -> None:
    process = build(_settings(tmp_path), DEFAULT_POLICY, CollectorRegistry())
    process.follower.clock = lambda: 10.25
    process.follower.apply([_record("C0", _state("C0", 5_000), timestamp_ms=1_000)])
    _caught_up(process)
    process.follower.apply([_record("C1", _state("C1", 16_000), timestamp_ms=10_000)])
    assert process.follower.last_delay == pytest.approx(0.25)
    assert _metric(process, "tierstream_query_freshness_seconds_count") == 1  # not catch-up
    metrics = (await _get(process, "/metrics", "/metrics")).body.decode()
    assert "tierstream_query_changelog_lag_records" in metrics
    assert "tierstream_customers{" not in metrics  # the workers count customers, not replicas


def test_progress_is_caught_up_once_the_start_targets_are_read() -> None:
    p = Progress()
    assert not p.caught_up
    assert p.lag == 0
    p.start({0: 3, 1: 2}, {0: 0, 1: 0})
    assert p.lag == 5
    assert not p.caught_up
    p.advance(0, 3, 10)  # more records arrived meanwhile: not part of the target
    p.advance(1, 2, 2)
    assert p.caught_up
    assert p.lag == 7
    p.start({0: 99, 1: 99}, {0: 3, 1: 2})  # a reconnect keeps the first target
    assert p.caught_up


def test_the_store_applies_writes_and_tombstones() -> None:
    store = ReplicaStore()
    assert store.apply(b"a", b"1") is None
    assert store.apply(b"a", b"2") == b"1"
    assert store.apply(b"b", None) is None
    assert dict(store.items()) == {b"a": b"2"}
    assert len(store) == 1
    assert store.apply(b"a", None) == b"2"
    assert store.get(b"a") is None


async def test_a_remembered_answer_never_outlives_the_state_or_policy_it_came_from(
    process: QueryProcess,
) -> None:
    _caught_up(process)
    high, low = _state("C1", 16_000), _state("C1", 3_000)
    assert json.loads(high)["tier"] != json.loads(low)["tier"]
    process.follower.apply([_record("C1", high)])
    first = json.loads((await _customer(process, "C1")).body)
    assert json.loads((await _customer(process, "C1")).body) == first
    assert process.answers.hits == 1
    process.follower.apply([_record("C1", low, 1)])
    assert json.loads((await _customer(process, "C1")).body)["tier"] == json.loads(low)["tier"]
    process.answers._answers["C1"] = Reply(200, b"stale")  # a switch forgets every answer
    process.policy_feed.active.switch(DEFAULT_POLICY)
    assert json.loads((await _customer(process, "C1")).body)["tier"] == json.loads(low)["tier"]


async def test_customer_data_needs_the_workers_bearer_token_when_one_is_set(
    tmp_path: Path,
) -> None:
    tokens = tmp_path / "tokens"
    tokens.write_text("s3cret\n")
    process = build(_settings(tmp_path, api_token_file=str(tokens)), DEFAULT_POLICY,
                    CollectorRegistry())
    _caught_up(process)
    process.follower.apply([_record("C1", _state("C1", 16_000))])
    async with TestClient(TestServer(process.web_app())) as client:
        refused = await client.get("/customers/C1")
        assert refused.status == 401
        assert (await client.get("/tiers/summary")).status == 401
        auth = {"Authorization": "Bearer s3cret"}
        answered = await client.get("/customers/C1", headers=auth)
        assert answered.status == 200
        assert (await answered.json())["customer_id"] == "C1"
        assert (await client.get("/readyz")).status == 200  # probes need no token
        assert (await client.get("/metrics")).status == 200


async def test_a_rate_limited_replica_answers_429_beyond_its_rate(tmp_path: Path) -> None:
    process = build(_settings(tmp_path, query_max_requests_per_second=20), DEFAULT_POLICY,
                    CollectorRegistry())
    _caught_up(process)
    process.follower.apply([_record("C1", _state("C1", 16_000))])
    statuses = [(await _customer(process, "C1")).status for _ in range(5)]
    assert statuses[:2] == [200, 200]  # a tenth of a second's worth at once
    assert 429 in statuses
    refused = await _customer(process, "C1")
    assert refused.headers["Retry-After"] == "1"
    assert _metric(process, "tierstream_query_shed_total", reason="rate_limited") >= 3


async def test_a_query_string_is_never_answered_from_the_cache(process: QueryProcess) -> None:
    _caught_up(process)
    process.follower.apply([_record("C1", _state("C1", 16_000))])
    assert (await _customer(process, "C1")).status == 200
    handler = process.private[CUSTOMER_ROUTE]
    as_of = await handler(Request(path="/customers/C1", rel_url="/customers/C1?as_of=x",
                                  params={"customer_id": "C1"}, query={"as_of": "x"}))
    assert as_of.status != 200  # not the remembered current standing


async def test_the_history_changelog_must_be_read_too_before_it_answers(
        process: QueryProcess) -> None:
    process.follower.progress.start({0: 0, 1: 0}, {0: 0, 1: 0})
    process.history.progress.start({0: 3, 1: 0}, {0: 0, 1: 0})
    assert (await _get(process, "/readyz", "/readyz")).status == 503
    process.history.progress.advance(0, 3, 3)
    assert (await _get(process, "/readyz", "/readyz")).status == 200
    reply = await _get(process, HISTORY_ROUTE, "/customers/C9/history", customer_id="C9")
    assert reply.status == 404
