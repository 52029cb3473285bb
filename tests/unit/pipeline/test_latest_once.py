"""`Pipeline(encode_latest=False)`: the replay's way to publish each customer's latest
tier once. What it keeps must build the very record the last decision published."""

from __future__ import annotations

from tierstream.core.engine import encode_output, latest_of
from tierstream.pipeline import ObjectStates, Pipeline

from .records import NOW, POLICY, body, line, salary

EVERY = Pipeline(max_bytes=65536)
ONCE = Pipeline(max_bytes=65536, encode_latest=False)


def erasure(eid: str, cid: str) -> bytes:
    return body(eid, cid, "customer.erased", "2026-03-02T09:00:00Z",
                requested_by="dpo@bank.example", request_id="DSR-1")


BATCH = [
    line(1, salary("a", "C1", 30_000)),
    line(2, salary("b", "C2", 9_000)),
    line(3, salary("c", "C1", 60_000, at="2026-03-05T09:00:00Z")),
    line(4, erasure("x", "C2")),  # C2 is gone: no latest tier
    line(5, erasure("y", "C3")),
    line(6, salary("d", "C3", 20_000, at="2026-03-06T09:00:00Z")),  # C3 starts afresh
    line(7, salary("c", "C1", 60_000, at="2026-03-05T09:00:00Z")),  # a duplicate
]


def test_the_kept_reasons_build_the_last_latest_tier_of_each_customer() -> None:
    every = EVERY.run(BATCH, ObjectStates(), POLICY, NOW)
    once = ONCE.run(BATCH, ObjectStates(), POLICY, NOW)
    last: dict[bytes, bytes | None] = {}
    for send in every.sends:
        if send.role == "latest" and send.key is not None:
            last[send.key] = send.value
    published = {key.decode(): value for key, value in last.items() if value is not None}
    assert sorted(published) == ["C1", "C3"]
    built = {customer: encode_output(latest_of(once.states[customer], reasons, POLICY.version))
             for customer, reasons in once.latest_reasons.items()}
    assert built == published


def test_no_latest_tier_is_built_per_decision() -> None:
    once = ONCE.run(BATCH, ObjectStates(), POLICY, NOW)
    assert [s.value for s in once.sends if s.role == "latest"] == [None, None]  # tombstones
    assert [o.latest for o in once.outcomes if o.applied] == [
        o.latest for o in EVERY.run(BATCH, ObjectStates(), POLICY, NOW).outcomes if o.applied]
