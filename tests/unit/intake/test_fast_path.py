"""The fast JSON path accepts and rejects exactly what the contract does.

`decode` reads with msgspec straight into the core's event structs and falls back to
the standard library's JSON plus the pydantic models (`decode_reference`, the
contract). For every record of the fuzz corpus, of the generator's invalid records, of
byte-level mutations of valid events and of generated JSON documents, both give the
same event (the same digits and offsets) or the same dead-letter reason and detail.
"""

from __future__ import annotations

import json
import random
from decimal import Decimal
from typing import Any

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fuzz_corpus import CID, body, erasure_requests, hostile, odd_but_valid, raw
from tierstream.demo.generator import generate
from tierstream.intake import Rejection, decode, decode_reference

LIMIT = 65536
KEY = CID.encode()


def same(key: bytes | None, value: bytes) -> None:
    fast = decode(key, value, LIMIT)
    if len(value) > LIMIT or not value:
        return  # decided before either parser runs
    contract = decode_reference(key, value)
    if isinstance(contract, Rejection):
        assert fast == contract, value[:200]
    else:  # the same digits and offsets, not just equal values: "10.00" is not "10.0"
        assert not isinstance(fast, Rejection), value[:200]
        assert type(fast) is type(contract), value[:200]
        assert msgspec.json.encode(fast) == msgspec.json.encode(contract), value[:200]


def test_json_numbers_keep_every_digit() -> None:
    for number in ("12345678901234567.89", "0.1", "10.00", "1E+3", "2.50e-1", "7"):
        value = raw(body()).replace(b'"10.00"', number.encode())
        same(KEY, value)
        event = decode(KEY, value, LIMIT)
        assert not isinstance(event, Rejection)
        assert str(event.data.amount) == str(Decimal(number))  # type: ignore[union-attr]


def test_fuzz_corpus_and_odd_valid_records() -> None:
    for key, value in [*hostile(random.Random(6)), *odd_but_valid(), *erasure_requests()]:
        same(key, value)


def test_erasure_requests_are_accepted_and_refused_like_the_contract() -> None:
    for key, value in erasure_requests():
        event = decode(key, value, LIMIT)
        assert not isinstance(event, Rejection), value[:200]
        assert event.type == "customer.erased"
    refused = [v for _, v in hostile(random.Random(6)) if b'"customer.erased"' in v]
    assert refused
    for value in refused:
        rejection = decode(KEY, value, LIMIT)
        assert isinstance(rejection, Rejection)
        assert rejection.reason in ("missing_field", "invalid_field")


def test_generated_stream_with_invalid_records() -> None:
    for record in generate(150, seed=3, invalid_ratio=0.2):
        same(record.key, record.value)
        same(None, record.value)


def test_byte_mutations_of_valid_events() -> None:
    rng = random.Random(11)
    seeds = [raw(body()), raw(body(type="salary.changed",
                                  data={"monthly_income": 1234.5, "currency": "CNY"}))]
    seeds += [r.value for r in generate(20, seed=5)] + [v for _, v in erasure_requests()]
    specials = [b"\\", b'"', b"\x00", b"\x1f", b"\xff", b"\xed\xa0\x80", b"NaN", b"1e999",
                b"-", b"0", b".", b"e", b"}", b"{", b"[", b",", b":", b" ", b"\\ud800"]
    for _ in range(3000):
        value = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(value))
            action = rng.randrange(3)
            if action == 0:
                del value[at]
            elif action == 1:
                value[at:at] = rng.choice(specials)
            else:
                value[at] = rng.randrange(256)
        same(KEY, bytes(value))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=20) | st.decimals(allow_nan=False, allow_infinity=False).map(str),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=3),
    max_leaves=8,
)
FIELDS = ["event_id", "customer_id", "type", "occurred_at", "schema_version", "data"]
DATA_FIELDS = ["monthly_income", "currency", "loan_id", "installment", "due_date",
               "paid_date", "amount_due", "amount_paid", "amount", "product", "tier",
               "expires_at", "reason", "approved_by", "days_past_due", "channel", "outcome",
               "requested_by", "request_id"]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(FIELDS), json_values, st.sampled_from(DATA_FIELDS), json_values,
       st.sampled_from(["purchase.made", "salary.changed", "loan.repayment", "tier.override",
                        "customer.erased"]))
def test_generated_documents(field: str, value: Any, data_field: str, data_value: Any,
                             kind: str) -> None:
    doc: dict[str, Any] = body(type=kind)
    doc[field] = value
    if isinstance(doc.get("data"), dict):
        doc["data"] = {**doc["data"], data_field: data_value}
    same(KEY, json.dumps(doc).encode())
    same(KEY, json.dumps(doc, ensure_ascii=False).encode())
