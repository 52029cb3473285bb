"""The published JSON Schema files must be exactly what the pydantic models generate."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from schemas.export import CONTRACTS, JSON_DIR, render
from schemas.outputs import DeadLetterHeaders


@pytest.mark.parametrize("name", sorted(CONTRACTS))
def test_committed_schema_matches_model(name: str) -> None:
    committed = (JSON_DIR / name).read_text(encoding="utf-8")
    assert committed == render(name), (
        f"schemas/json/{name} is stale: run `tierstream schemas export` and commit the result"
    )


def test_every_contract_file_is_valid_json_with_an_id() -> None:
    for name in CONTRACTS:
        schema = json.loads((JSON_DIR / name).read_text(encoding="utf-8"))
        assert schema["$id"] == f"tierstream/{name}"


def test_tier_change_schema_requires_the_audit_fields() -> None:
    schema = json.loads((JSON_DIR / "tier-change.schema.json").read_text(encoding="utf-8"))
    for field in ("policy_version", "cause_event_id", "reasons", "previous", "current"):
        assert field in schema["required"]


def test_dead_letter_headers_schema_names_every_header_a_worker_writes() -> None:
    schema = json.loads((JSON_DIR / "dead-letter-headers.schema.json").read_text("utf-8"))
    written = DeadLetterHeaders(
        reason="not_json", detail="d", source_topic="t", source_partition=0, source_offset=1,
        source_timestamp_ms=2, rejected_at=datetime(2026, 1, 1, tzinfo=UTC)).to_headers()
    assert set(schema["properties"]) == {name for name, _ in written}
    assert all(p["type"] == "string" for p in schema["properties"].values())
    assert schema["description"].startswith("Headers of a record on topic customer-events-dlq")
