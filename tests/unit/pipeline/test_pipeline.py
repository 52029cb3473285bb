"""The decision pipeline over batches: what is sent, what is stored, what happened."""

from __future__ import annotations

import json

import yaml

from schemas.outputs import DeadLetterHeaders
from tierstream.pipeline import (
    ObjectStates,
    Pipeline,
    RawRecord,
    ReevaluationRequest,
    StoredStates,
)
from tierstream.policy import DEFAULT_POLICY_FILE, parse_policy

from .records import NOW, PARTITIONS, POLICY, TOPIC, body, home, keyed, line, salary

WORKER = Pipeline(max_bytes=65536, partitions=PARTITIONS, reevaluation_topic="reevaluations")
FILE = Pipeline(max_bytes=65536)


def test_a_batch_sends_outputs_in_order_and_stores_each_customer_once() -> None:
    table: dict[bytes, bytes] = {}
    records = [keyed(0, "C1", salary("a", "C1", 5000)),
               keyed(1, "C2", salary("b", "C2", 30000)),
               keyed(2, "C1", salary("c", "C1", 16000, at="2026-04-01T09:00:00Z"))]
    decided = WORKER.run(records, StoredStates(table), POLICY, NOW)
    roles = [(s.role, s.key) for s in decided.sends]
    assert roles == [("tier_change", b"C1"), ("latest", b"C1"),
                     ("tier_change", b"C2"), ("latest", b"C2"),
                     ("tier_change", b"C1"), ("latest", b"C1")]
    changes = [json.loads(s.value or b"") for s in decided.sends if s.role == "tier_change"]
    assert [c["cause_event_id"] for c in changes] == ["a", "b", "c"]
    assert list(decided.states) == ["C1", "C2"]  # one final state per customer
    assert [o.applied for o in decided.outcomes] == ["salary.changed"] * 3
    assert decided.outcomes[2].tier_change is not None
    previous, current = decided.outcomes[2].tier_change
    assert (previous and previous.tier, current.tier) == ("C", "B")
    assert decided.outcomes[2].latest == ("B", current.grade)
    assert decided.stream_time is not None
    assert decided.stream_time.month == 4
    assert set(decided.due()) == {"C1", "C2"}
    assert not table  # storing is the caller's, after the sends are acknowledged


def test_the_next_batch_reads_what_the_caller_stored() -> None:
    table: dict[bytes, bytes] = {}
    first = WORKER.run([keyed(0, "C1", salary("a", "C1", 5000))], StoredStates(table),
                       POLICY, NOW)
    table[b"C1"] = first.states["C1"].to_json()
    again = WORKER.run([keyed(1, "C1", salary("a", "C1", 5000))], StoredStates(table),
                       POLICY, NOW)
    assert again.outcomes[0].duplicate
    assert not again.sends
    assert not again.states
    assert again.unchanged == ["C1"]  # re-stored as it is by the worker


def test_a_record_without_key_or_on_the_wrong_partition_is_forwarded_home() -> None:
    value = salary("a", "C1", 5000)
    wrong = (home("C1") + 1) % PARTITIONS
    records = [RawRecord(TOPIC, wrong, 0, None, None, value), keyed(1, "C1", value, wrong)]
    decided = WORKER.run(records, StoredStates({}), POLICY, NOW)
    assert [(s.role, s.key, s.value, s.partition) for s in decided.sends] == [
        ("forward", b"C1", value, home("C1"))] * 2
    assert [o.forwarded for o in decided.outcomes] == ["missing_key", "wrong_partition"]
    assert not decided.states


def test_a_bad_record_becomes_a_dead_letter_with_its_source() -> None:
    record = RawRecord(TOPIC, 2, 17, 1234, b"C1", b"{oops")
    decided = WORKER.run([record], StoredStates({}), POLICY, NOW)
    [send] = decided.sends
    assert send.role == "dead_letter"
    assert (send.key, send.value) == (b"C1", b"{oops")  # the original bytes, as sent
    assert send.headers is not None
    why = DeadLetterHeaders.from_headers(send.headers)
    assert why.reason == "not_json"
    assert (why.source_topic, why.source_partition, why.source_offset) == (TOPIC, 2, 17)
    assert decided.outcomes[0].consumed == "invalid"


def test_a_line_of_a_file_is_rejected_without_a_dead_letter_record() -> None:
    decided = FILE.run([line(3, b"[1]"), line(4, salary("a", "C1", -5))], ObjectStates(),
                       POLICY, NOW)
    assert not decided.sends
    assert [(o.record.offset, o.rejected and o.rejected.reason) for o in decided.outcomes] == [
        (3, "not_an_object"), (4, "negative_amount")]


def test_file_lines_are_never_forwarded_and_need_no_key() -> None:
    decided = FILE.run([line(1, salary("a", "C1", 5000))], ObjectStates(), POLICY, NOW)
    assert [s.role for s in decided.sends] == ["tier_change", "latest"]


def test_without_encoding_only_the_outcomes_are_made() -> None:
    quiet = Pipeline(max_bytes=65536, encode=False)
    decided = quiet.run([line(1, salary("a", "C1", 30000))], ObjectStates(), POLICY, NOW)
    assert not decided.sends
    assert decided.outcomes[0].latest is not None


def test_a_reevaluation_request_decides_a_stored_customer_again() -> None:
    table: dict[bytes, bytes] = {}
    late = body("o1", "C1", "loan.overdue", "2026-05-01T00:00:00Z", loan_id="L1",
                installment=1, due_date="2026-04-20", days_past_due=11, amount_overdue="10")
    first = WORKER.run([keyed(0, "C1", late)], StoredStates(table), POLICY, NOW)
    table[b"C1"] = first.states["C1"].to_json()
    due = first.due()["C1"]
    assert due is not None
    request = ReevaluationRequest(why="due", at=due).model_dump_json().encode()
    records = [RawRecord("reevaluations", 0, 0, None, b"C1", request),
               RawRecord("reevaluations", 0, 1, None, b"C-NOBODY", request)]
    decided = WORKER.run(records, StoredStates(table), POLICY, NOW)
    assert [o.reevaluated for o in decided.outcomes] == ["due", None]
    assert decided.outcomes[0].alerts  # the installment aged into the next bucket
    assert list(decided.states) == ["C1"]
    assert decided.stream_time is None  # stream time moves with events only


def test_the_policy_is_taken_per_batch() -> None:
    raw = yaml.safe_load(DEFAULT_POLICY_FILE.read_text(encoding="utf-8"))
    raw["name"] = "other"
    other = parse_policy(raw)
    states = ObjectStates()
    a = FILE.run([line(1, salary("a", "C1", 5000))], states, POLICY, NOW)
    states.store(a.states)
    b = FILE.run([line(2, salary("b", "C1", 6000))], states, other, NOW)
    versions = [json.loads(s.value or b"")["policy_version"] for s in a.sends + b.sends]
    assert versions[0] == POLICY.version
    assert versions[-1] == other.version != POLICY.version
