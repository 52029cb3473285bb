"""Every bad input of docs/domain.md lands in the DLQ as it was sent, with its reason
and source in headers; the stream goes on."""

from __future__ import annotations

import json

import pytest

from streams.kafka.dlq import DeadLetter, dead_letters
from tests.integration.harness import (
    WorkerProcess,
    event,
    metric_total,
    produce,
    read_until,
    wait_for_async,
)
from tierstream.settings import Settings

pytestmark = pytest.mark.integration

CID = "C-DLQ-1"


def valid(n: int) -> tuple[bytes, bytes]:
    return event(f"ok{n}", CID, "purchase.made", f"2026-02-0{n}T10:00:00Z",
                 product="deposit", amount="100")


def body(**over: object) -> bytes:
    base: dict[str, object] = {
        "event_id": "bad", "customer_id": CID, "type": "purchase.made",
        "occurred_at": "2026-02-01T10:00:00Z", "data": {"product": "fund", "amount": 10},
    }
    base.update(over)
    return json.dumps(base).encode()


BAD: list[tuple[str, bytes | None, bytes]] = [
    ("not_json", CID.encode(), b"{this is not json"),
    ("unknown_type", CID.encode(), body(type="account.hacked")),
    ("missing_field", CID.encode(), body(data={"product": "fund"})),
    ("invalid_field", CID.encode(), body(type="engagement.recorded",
                                         data={"channel": "fax", "outcome": "responded"})),
    ("negative_amount", CID.encode(), body(data={"product": "fund", "amount": -5})),
    ("naive_timestamp", CID.encode(), body(occurred_at="2026-02-01T10:00:00")),
    ("too_large", CID.encode(), body(data={"product": "x" * 70_000, "amount": 1})),
    ("key_mismatch", b"C-SOMEONE-ELSE", body()),
    ("unsupported_currency", CID.encode(), body(
        type="salary.changed", data={"monthly_income": 100, "currency": "XAU"})),
]


async def letters_now(settings: Settings) -> list[DeadLetter]:
    return [letter async for letter in dead_letters(settings)]


async def test_each_bad_input_is_dead_lettered_and_later_events_still_apply(
    settings: Settings, worker: WorkerProcess
) -> None:
    records: list[tuple[bytes | None, bytes]] = []
    for n, (_, key, value) in enumerate(BAD, start=1):
        records += [(key, value), valid(n)]
    metas = await produce(settings, records)
    s = settings
    letters = await wait_for_async(lambda: letters_now(s), lambda got: len(got) >= len(BAD),
                                   timeout=90)
    by_source = {}
    for letter in letters:
        assert letter.why is not None, "a dead letter without its headers"
        by_source[(letter.why.source_partition, letter.why.source_offset)] = letter
    assert len(by_source) == len(BAD)
    for (reason, key, value), meta in zip(BAD, metas[::2], strict=True):
        letter = by_source[(meta.partition, meta.offset)]  # where it came from
        assert letter.why is not None
        assert letter.why.reason == reason
        assert letter.why.source_topic == s.input_topic
        assert letter.why.source_timestamp_ms == meta.timestamp
        assert (letter.key, letter.value) == (key, value)  # the original bytes, as sent
        assert letter.why.detail
    # Each valid event after a bad one was applied (the last standing covers them all:
    # one purchase month each), whatever batches the worker cut.
    await read_until(
        s, [s.latest_topic], lambda seen: bool(seen[s.latest_topic])
        and seen[s.latest_topic][-1]["as_of"].startswith(f"2026-02-0{len(BAD)}"),
        worker=worker,
    )
    applied = await wait_for_async(
        lambda: metric_total(s, "tierstream_events_applied_total"), lambda n: n >= len(BAD))
    assert applied == len(BAD)
