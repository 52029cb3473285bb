"""The query API's answers, without a worker: standing of stored states, counts, the document."""

from __future__ import annotations

from datetime import timedelta

import jsonschema
import pytest
from prometheus_client import CollectorRegistry, Gauge

from schemas.api import ApiError
from schemas.vocabulary import GRADES, TIERS
from streams.http.customers import is_valid_customer_id
from streams.http.summary import (
    count_from_gauges,
    count_table,
    counts_from_json,
    counts_to_json,
    summary_of,
)
from tests.openapi_contract import check_response
from tests.unit.builders import (
    CID,
    DEFAULT_POLICY,
    NOW,
    T,
    at,
    ping,
    run,
    salary,
    stable_relationship,
)
from tierstream.core.current_decision import current_decision
from tierstream.core.engine import apply
from tierstream.core.state import CustomerState
from tierstream.demo.generator import generate
from tierstream.explanation import explain
from tierstream.intake import Rejection, decode
from tierstream.partitioning import default_partition

WORKER = "http://127.0.0.1:6066"


def _demo_states(customers: int) -> dict[str, tuple[CustomerState, object]]:
    """Final state and last LatestTier of every customer of the synthetic stream."""
    out: dict[str, tuple[CustomerState, object]] = {}
    for record in generate(customers, seed=11):
        ev = decode(record.key, record.value, 65536)
        assert not isinstance(ev, Rejection)
        state = out[ev.customer_id][0] if ev.customer_id in out else None
        decision = apply(state, ev, DEFAULT_POLICY, NOW)
        out[ev.customer_id] = (decision.state, decision.latest)
    return out


def test_standing_of_a_stored_state_is_what_the_last_event_published() -> None:
    for cid, (state, latest) in _demo_states(44).items():
        now = current_decision(CustomerState.from_json(state.to_json()), DEFAULT_POLICY)
        assert latest is not None
        assert (now.tier, now.grade) == (latest.tier, latest.grade), cid  # type: ignore[attr-defined]
        assert list(now.reasons) == latest.reasons, cid  # type: ignore[attr-defined]


def test_standing_leaves_the_state_untouched() -> None:
    state = run([*stable_relationship(CID), ping(CID, at(10))])[-1].state
    before = state.to_json()
    current_decision(state, DEFAULT_POLICY)
    assert state.to_json() == before


def test_a_customer_without_events_has_no_standing() -> None:
    with pytest.raises(ValueError, match="no events"):
        current_decision(CustomerState(customer_id=CID), DEFAULT_POLICY)


def test_pending_upgrade_says_when_tier_a_takes_effect() -> None:
    state = run([*stable_relationship(CID), ping(CID, at(10))])[-1].state
    view = explain(state, DEFAULT_POLICY, WORKER)
    assert (view.tier, view.grade) == ("B", "AA")
    assert view.pending_upgrade is not None
    assert view.pending_upgrade.qualified_since == T
    assert view.pending_upgrade.effective_at == T + timedelta(days=30)
    assert "a_cool_off_pending" in [r.code for r in view.reasons]
    assert view.upgrade_path.target == "A"
    assert [s.code for s in view.upgrade_path.steps] == ["cool_off"]
    check_response("/customers/{customer_id}", 200, view.model_dump(mode="json"))


def test_no_pending_upgrade_once_tier_a() -> None:
    state = run([*stable_relationship(CID), ping(CID, at(31))])[-1].state
    view = explain(state, DEFAULT_POLICY, WORKER)
    assert view.tier == "A"
    assert view.pending_upgrade is None
    assert view.policy_version == DEFAULT_POLICY.version
    assert view.as_of == at(31)
    assert view.upgrade_path.target is None
    check_response("/customers/{customer_id}", 200, view.model_dump(mode="json"))


@pytest.mark.parametrize("cid", ["C0042", "R1-C000001", "a.b:c@d_e-f", "x" * 64])
def test_valid_customer_ids(cid: str) -> None:
    assert is_valid_customer_id(cid)


@pytest.mark.parametrize("cid", ["", "-C1", "C 1", "C/1", "x" * 65, "Ç1"])
def test_malformed_customer_ids(cid: str) -> None:
    assert not is_valid_customer_id(cid)


def test_the_document_rejects_a_wrong_body_and_an_undocumented_status() -> None:
    error = ApiError(error="not_found", detail="no customer C1").model_dump()
    check_response("/customers/{customer_id}", 404, error)
    with pytest.raises(jsonschema.ValidationError):
        check_response("/customers/{customer_id}", 404, {**error, "trace": "..."})
    with pytest.raises(AssertionError, match="does not document 418"):
        check_response("/customers/{customer_id}", 418, error)


def _stored(cid: str, income: int) -> tuple[bytes, bytes]:
    state = run([salary(cid, T, income)])[-1].state
    return cid.encode(), state.to_json()


def test_local_table_counts_only_cover_owned_partitions() -> None:
    items = [_stored(f"C{n:04d}", 16_000 if n % 2 else 1_000) for n in range(40)]
    owned = {0, 1}
    counts = count_table(items, owned, 4)
    expected = [k for k, _ in items if default_partition(k, 4) in owned]
    assert 0 < counts.customers == len(expected) < 40
    assert counts.partitions == owned
    assert counts.source == "table"
    assert counts_from_json(counts_to_json(counts)) == counts
    check_response("/tiers/summary", 200, counts_to_json(counts))


def test_local_counts_come_from_the_kept_gauges_when_the_worker_has_them() -> None:
    registry = CollectorRegistry()
    assert count_from_gauges(registry, {0}) is None  # no gauges: the table is counted
    by_tier = Gauge("tierstream_customers", "per tier", ["tier"], registry=registry)
    by_grade = Gauge("tierstream_customers_by_grade", "per grade", ["grade"],
                     registry=registry)
    for tier in TIERS:
        by_tier.labels(tier).set({"B": 3, "C": 4}.get(tier, 0))
    for grade in GRADES:
        by_grade.labels(grade).set({"A": 6, "B": 1}.get(grade, 0))
    counts = count_from_gauges(registry, {0, 2})
    assert counts is not None
    assert counts.source == "gauges"
    assert counts.customers == 7
    assert counts.tiers == {"A": 0, "B": 3, "C": 4, "D": 0}
    assert counts.grades["A"] == 6
    assert counts.partitions == {0, 2}
    check_response("/tiers/summary", 200, counts_to_json(counts))


def test_cluster_summary_adds_workers_and_flags_a_missing_one() -> None:
    items = [_stored(f"C{n:04d}", 16_000 if n % 2 else 1_000) for n in range(40)]
    first, second = count_table(items, {0, 1}, 4), count_table(items, {2, 3}, 4)
    full = summary_of([(WORKER, [0, 1], first), ("http://w2:6066", [2, 3], second)], 4)
    assert full.customers == 40
    assert full.complete
    assert full.tiers == {"A": 0, "B": 20, "C": 20, "D": 0}
    assert full.grades == {"AAA": 0, "AA": 0, "A": 40, "B": 0, "C": 0}
    check_response("/tiers/summary", 200, full.model_dump(mode="json"))

    partial = summary_of([(WORKER, [0, 1], first), ("http://w2:6066", [2, 3], None)], 4)
    assert not partial.complete
    assert partial.partitions_counted == 2
    assert partial.customers == first.customers
    assert partial.workers[1].customers is None
    check_response("/tiers/summary", 200, partial.model_dump(mode="json"))


def test_a_peer_answer_that_is_not_a_count_is_refused() -> None:
    bodies: list[object] = [[], {"partitions": [0]}, {"error": "not_found", "detail": "x"}]
    for body in bodies:
        with pytest.raises((ValueError, KeyError)):
            counts_from_json(body)
