"""Hostile and odd input against a live worker: it keeps running, every bad record is
dead-lettered with a reason, every valid event interleaved with them is applied, and
the books balance: input = applied + duplicates + dead-lettered + forwarded."""

from __future__ import annotations

import base64
import itertools
import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from streams.kafka.reconcile import reconcile
from streams.kafka.topics import create_topics
from tests.integration.faults import (
    QUIET,
    assert_same_as_reference,
    final_states,
    latest_standings,
    produce_fast,
    read_all,
    reference,
    stream,
    wait_processed,
)
from tests.integration.harness import WorkerProcess, unique_settings

pytestmark = pytest.mark.integration

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


async def test_hostile_input_is_dead_lettered_and_valid_events_all_apply(
    tmp_path: Path,
) -> None:
    settings = unique_settings(tmp_path, **QUIET)
    await create_topics(settings)
    rng = random.Random(6)
    bad = hostile(rng)
    valid = stream(12, prefix="FZ-") + odd_but_valid()
    replays = [valid[0], valid[5], valid[9]]  # redelivered events: duplicates
    keyless = body(event_id="fz-keyless", customer_id="FZ-KEYLESS")
    records: list[tuple[bytes | None, bytes]] = []
    for i, record in enumerate(valid):
        records.append(record)
        if i < len(bad):
            records.append(bad[i])
    records += bad[len(valid):] + replays + [(None, raw(keyless))]

    worker = WorkerProcess(settings, tmp_path / "worker.log")
    try:
        await produce_fast(settings, records)
        await wait_processed(settings, [worker])
        assert worker.proc.poll() is None, "the worker died"
        books = await reconcile(settings, [f"http://127.0.0.1:{settings.web_port}/metrics"])
    finally:
        worker.stop()

    letters = [json.loads(m.value) for m in await read_all(settings, settings.dlq_topic)]
    dead = [base64.b64decode(v["source"]["value_base64"]) for v in letters]
    assert Counter(dead) == Counter(v for _, v in bad)  # each bad record once, nothing else
    assert all(v["reason"] and v["detail"] for v in letters)
    reasons = Counter(v["reason"] for v in letters)
    print("dead-letter reasons:", dict(reasons))

    ref = reference([*valid, (None, raw(keyless))])
    assert_same_as_reference(ref, await final_states(settings), await latest_standings(settings))

    log = (tmp_path / "worker.log").read_text(errors="replace")
    assert "monthly_income" not in log
    assert PII_INCOME not in log

    print(books.summary())
    assert books.balanced, books.summary()
    assert (books.rejected, books.duplicate, books.forwarded) == (len(bad), len(replays), 1)
    assert books.applied == len(valid) + 1
