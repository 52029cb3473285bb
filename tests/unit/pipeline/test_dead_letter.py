"""A dead letter is the rejected record itself, with why and where from in headers that
any Kafka tool shows as text."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry
from pydantic import ValidationError

from schemas.outputs import DeadLetterHeaders
from streams.processing.processor import Processor
from streams.telemetry.metrics import Metrics
from tierstream.intake import Rejection
from tierstream.pipeline import RawRecord
from tierstream.pipeline.dead_letter import dead_letter
from tierstream.policy import ActivePolicy
from tierstream.settings import Settings

from .records import NOW, POLICY, TOPIC


def headers_of(record: RawRecord, rejection: Rejection) -> dict[str, str]:
    [send] = dead_letter(record, rejection, NOW)
    assert send.role == "dead_letter"
    assert send.headers is not None
    return {name: value.decode("utf-8") for name, value in send.headers}


def test_every_header_is_a_readable_string_under_its_documented_name() -> None:
    record = RawRecord(TOPIC, 3, 42, 1767225600000, b"C1", b'{"x": 1}')
    shown = headers_of(record, Rejection("unsupported_currency", "data.currency 'SGD' ..."))
    assert shown == {
        "tierstream.dlq.reason": "unsupported_currency",
        "tierstream.dlq.detail": "data.currency 'SGD' ...",
        "tierstream.dlq.source.topic": TOPIC,
        "tierstream.dlq.source.partition": "3",
        "tierstream.dlq.source.offset": "42",
        "tierstream.dlq.source.timestamp_ms": "1767225600000",
        "tierstream.dlq.rejected_at": "2026-12-31T00:00:00Z",
        "tierstream.dlq.schema_version": "1",
    }


def test_a_record_without_key_value_or_timestamp_keeps_what_it_had() -> None:
    record = RawRecord(TOPIC, 0, 7, None, None, None)
    [send] = dead_letter(record, Rejection("empty_value", "the record has no value"), NOW)
    assert (send.key, send.value) == (None, b"")
    assert send.headers is not None
    assert "tierstream.dlq.source.timestamp_ms" not in dict(send.headers)  # absent, not "None"


def test_a_detail_quoting_broken_unicode_is_still_valid_utf8() -> None:
    record = RawRecord(TOPIC, 0, 1, None, b"C1", b"{}")
    shown = headers_of(record, Rejection("invalid_field", "data.channel: '\ud800' is not one"))
    assert shown["tierstream.dlq.detail"] == "data.channel: '\\ud800' is not one"


def test_headers_read_back_into_the_contract_ignoring_foreign_ones() -> None:
    record = RawRecord(TOPIC, 1, 9, 5, b"C1", b"{oops")
    [send] = dead_letter(record, Rejection("not_json", "line 1"), NOW)
    assert send.headers is not None
    why = DeadLetterHeaders.from_headers([("traceparent", b"00-ab"), *send.headers])
    assert (why.reason, why.source_partition, why.source_offset, why.rejected_at) == (
        "not_json", 1, 9, NOW)


def test_a_record_without_our_headers_is_not_a_dead_letter_of_this_contract() -> None:
    with pytest.raises(ValidationError):
        DeadLetterHeaders.from_headers([("tierstream.dlq.reason", b"not_json")])


async def test_the_worker_sends_the_headers_with_the_original_bytes() -> None:
    sent: list[tuple[str, bytes | None, bytes, list[tuple[str, bytes]] | None]] = []

    async def send(topic: str, key: bytes | None, value: bytes | None, part: int | None,
                   headers: list[tuple[str, bytes]] | None) -> None:
        assert value is not None  # no erasures here: no tombstones
        sent.append((topic, key, value, headers))

    settings = Settings(partitions=4, store="memory://")
    processor = Processor(settings, ActivePolicy(POLICY), {}, send,
                          Metrics.create(CollectorRegistry()), lambda: NOW)
    await processor.handle(RawRecord(settings.input_topic, 0, 5, None, b"C1", b"{oops"))
    [(topic, key, value, headers)] = sent
    assert (topic, key, value) == (settings.dlq_topic, b"C1", b"{oops")
    assert headers is not None
    assert dict(headers)["tierstream.dlq.reason"] == b"not_json"
