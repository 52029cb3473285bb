"""The service's topics as `tierstream topics create` makes them."""

from __future__ import annotations

import pytest

from streams.kafka.topics import topic_specs
from tierstream.settings import Settings

DAY_MS = 24 * 60 * 60 * 1000


def configs_of(settings: Settings, topic: str) -> dict[str, str]:
    [spec] = [t for t in topic_specs(settings) if t.name == topic]
    return dict(spec.topic_configs)


def test_the_dead_letter_topic_keeps_records_30_days_by_default() -> None:
    s = Settings()
    assert configs_of(s, s.dlq_topic) == {"retention.ms": str(30 * DAY_MS)}
    assert configs_of(s, s.input_topic) == {}  # the broker's retention elsewhere


def test_the_dead_letter_retention_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TIERSTREAM_DLQ_RETENTION_DAYS", "0.5")
    s = Settings()
    assert configs_of(s, s.dlq_topic)["retention.ms"] == str(DAY_MS // 2)


@pytest.mark.parametrize("days", ["0", "-1", "many"])
def test_a_retention_that_is_not_a_positive_number_is_refused(
    monkeypatch: pytest.MonkeyPatch, days: str,
) -> None:
    monkeypatch.setenv("TIERSTREAM_DLQ_RETENTION_DAYS", days)
    with pytest.raises(ValueError, match="dlq_retention_days"):
        Settings()


def test_the_erasure_audit_topic_is_kept_and_not_compacted() -> None:
    s = Settings(erasures_topic="audit-erasures")
    assert configs_of(s, "audit-erasures") == {"retention.ms": "-1"}
