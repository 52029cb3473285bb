"""The published JSON Schema files must be exactly what the pydantic models generate."""

from __future__ import annotations

import json

import pytest

from schemas.export import CONTRACTS, JSON_DIR, render


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
