"""Which job decides a line: found cheaply, the same as a full decode, exactly one job."""

from __future__ import annotations

import json

import pytest

from tierstream.demo.generator import generate
from tierstream.offline.split import JobSelector, customer_of
from tierstream.partitioning import default_partition


@pytest.mark.parametrize(("line", "customer"), [
    (b'{"event_id": "e1", "customer_id": "C1", "type": "x"}', "C1"),
    (b'{"event_id":"e1","customer_id":"C1","type":"x"}', "C1"),  # compact
    (b'{"customer_id":"C1', None),  # compact, the id never ends: decoded in full
    (b'{"customer_id":"C\xff"}', None),  # not UTF-8: decoded in full
    (b'{"customer_id" :  "R1-C000001.x@y"}', "R1-C000001.x@y"),
    (b'{"customer\\u005fid": "C7"}', "C7"),  # spelled with an escape: decoded in full
    (b'{"customer_id": "C\\u0031"}', "C1"),
    (b'{"customer_id": "A", "data": {"customer_id": "B"}}', "A"),  # twice: decoded in full
    (b'{"customer_id": "A", "customer_id": "B"}', "B"),  # JSON's last wins, as in intake
    (b'{"customer_id": 5}', None),
    (b'["customer_id"]', None),
    (b'{"customer_id": "C1"', "C1"),  # broken JSON with a findable customer: its job
    (b"{oops", None),
    (b'{"type": "customer_id", "x": 1}', None),
])
def test_customer_of(line: bytes, customer: str | None) -> None:
    assert customer_of(line) == customer


def test_the_byte_search_agrees_with_a_full_decode_on_generated_events() -> None:
    for record in generate(60, seed=3, invalid_ratio=0.1):
        try:
            body = json.loads(record.value)
        except ValueError:
            continue
        assert customer_of(record.value) == body.get("customer_id")


def test_every_line_belongs_to_exactly_one_job_and_a_customer_to_its_partition() -> None:
    selectors = [JobSelector(i, 3) for i in range(3)]
    for record in generate(60, seed=3, invalid_ratio=0.1):
        customer = customer_of(record.value)
        owners = [i for i, select in enumerate(selectors) if select(customer)]
        assert len(owners) == 1
        expected = 0 if customer is None else default_partition(customer.encode(), 3)
        assert owners == [expected]


def test_a_job_outside_the_range_is_refused() -> None:
    with pytest.raises(ValueError, match="job 3 of 3"):
        JobSelector(3, 3)
