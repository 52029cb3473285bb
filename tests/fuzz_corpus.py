"""Hostile and odd input records, shared by the live-worker fuzz test and the decoder's
equivalence test (both parsers must give the contract's answer for every one)."""

from __future__ import annotations

import itertools
import json
import random
from typing import Any

CID = "FZ-C000001"
PII_INCOME = "47113.17"  # a value that must never reach the worker's log


_ids = itertools.count(1)


def body(**over: Any) -> dict[str, Any]:
    """An event of the fuzzed customer; each body has its own id (no accidental duplicate)."""
    base: dict[str, Any] = {"event_id": f"fz-{next(_ids)}", "customer_id": CID,
                            "type": "purchase.made", "occurred_at": "2026-03-01T10:00:00Z",
                            "schema_version": 1,
                            "data": {"product": "fund", "amount": "10.00"}}
    base.update(over)
    return base


def raw(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


def hostile(rng: random.Random) -> list[tuple[bytes | None, bytes]]:
    key = CID.encode()
    cases: list[tuple[bytes | None, bytes]] = [
        (key, rng.randbytes(n)) for n in (1, 7, 64, 1000, 20_000)  # random bytes
    ]
    full = raw(body())
    cases += [(key, full[:n]) for n in (1, len(full) // 2, len(full) - 1)]  # truncated
    cases += [
        (key, b"[" * 30_000 + b"]" * 30_000),  # deeply nested
        (key, raw(body()).replace(b'"data":', b'"data":' + b'{"a":' * 5_000 + b"0"
                                  + b"}" * 5_000 + b',"unused":')),  # deeply nested data
        (key, raw(body(event_id="e" * 70_000))),  # huge string: over the size limit
        (key, raw(body(data={"product": "p" * 50_000, "amount": "1"}))),  # too long a field
        (key, b'{"event_id":"fz-n","customer_id":"' + key + b'","type":"purchase.made",'
              b'"occurred_at":"2026-03-01T10:00:00Z","data":{"product":"f","amount":'
              + b"9" * 5_000 + b"}}"),  # a 5,000-digit number
        (key, raw(body()).replace(b'"10.00"', b"1e999")),  # overflows to infinity
        (key, raw(body(data={"product": "fund", "amount": ["10"]}))),  # wrong types
        (key, raw(body(occurred_at=["2026-03-01"]))),
        (key, raw(body(data="fund,10"))),
        (key, raw([body()])), (key, b"null"), (key, b'"text"'), (key, b"42"), (key, b""),
        ("客户-1".encode(), raw(body(customer_id="客户-1"))),  # unicode customer id
        (key, raw(body(customer_id="FZ-\u200bC1"))),  # zero-width space: key mismatch
        (b"FZ-SOMEONE-ELSE", raw(body())),  # mismatched key
        (key, raw({k: v for k, v in body().items() if k != "event_id"})),  # absent fields
        (key, raw(body(occurred_at="0001-01-01T00:00:00Z"))),  # far past
        (key, raw(body(occurred_at="9999-12-31T23:59:59+14:00"))),  # far future
        (key, raw(body(occurred_at="2026-03-01T10:00:00"))),  # no offset
        (key, raw(body(type="salary.changed",
                       data={"monthly_income": "-0.000000001", "currency": "CNY"}))),
        (key, raw(body(schema_version=99))),
        # erasure requests the contract refuses: no requester, an empty or overlong one
        (key, raw(body(type="customer.erased", data={}))),
        (key, raw(body(type="customer.erased", data={"requested_by": ""}))),
        (key, raw(body(type="customer.erased", data={"requested_by": "d" * 201}))),
        (key, raw(body(type="customer.erased", data={"requested_by": 7}))),
        (key, raw(body(type="customer.erased",
                       data={"requested_by": "dpo", "request_id": ["DSR-1"]}))),
    ]
    return [(k, v) for k, v in cases]


def odd_but_valid() -> list[tuple[bytes | None, bytes]]:
    """Unusual, yet valid: they must be applied, not dead-lettered (amounts are exact
    decimals, so many decimal places are kept, never rounded through a float)."""
    key = CID.encode()
    return [
        (key, raw(body(event_id="事件-😀-1"))),  # unicode event id
        (key, raw(body(event_id="fz-dec", occurred_at="2026-03-02T10:00:00Z",
                       data={"product": "fund", "amount": "0.000000000000000000000000000001"}))),
        (key, raw(body(event_id="fz-extra", occurred_at="2026-03-03T10:00:00Z",
                       extra={"ignored": True}))),
        (key, raw(body(event_id="fz-46", occurred_at="2026-03-04T10:00:00Z",
                       data={"product": "fund", "amount": "1." + "123456789" * 5}))),
        (key, raw(body(event_id="fz-pii", type="salary.changed",
                       occurred_at="2026-03-05T10:00:00Z",
                       data={"monthly_income": PII_INCOME, "currency": "CNY"}))),
    ]


def erasure_requests() -> list[tuple[bytes | None, bytes]]:
    """Valid erasure requests (kept apart: applied, they erase the fuzzed customer)."""
    key = CID.encode()
    erased = "customer.erased"
    return [
        (key, raw(body(type=erased, data={"requested_by": "dpo@bank.example"}))),
        (key, raw(body(type=erased, data={"requested_by": "数据保护官", "request_id": "DSR-1",
                                          "reason": "customer request", "extra": 1}))),
        (key, raw(body(type=erased, data={"requested_by": "d" * 200, "request_id": None}))),
        (None, raw(body(type=erased, data={"requested_by": "dpo"}))),
    ]
