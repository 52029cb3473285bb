"""Generate the JSON Schema files downstream teams read, from the pydantic models.

`python -m schemas.export` (or `tierstream schemas export`) rewrites `schemas/json/`
and the query API's `schemas/openapi.yaml` (schemas/openapi.py); unit tests fail
when the committed files differ from what the models generate.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter

from schemas import openapi
from schemas.events import CUSTOMER_EVENT
from schemas.outputs import Alert, DeadLetterHeaders, ErasureRecord, LatestTier, TierChange

JSON_DIR = Path(__file__).resolve().parent / "json"

# file name -> (topic it describes, model or adapter). The input contract is what
# producers may send (validation mode); outputs are what we write (serialization mode).
CONTRACTS: dict[str, tuple[str, type[BaseModel] | TypeAdapter[Any]]] = {
    "customer-event.schema.json": ("customer-events", CUSTOMER_EVENT),
    "tier-change.schema.json": ("customer-tier-changes", TierChange),
    "alert.schema.json": ("customer-alerts", Alert),
    "latest-tier.schema.json": ("customer-tiers", LatestTier),
    "erasure.schema.json": ("customer-erasures", ErasureRecord),
    "dead-letter-headers.schema.json": ("customer-events-dlq", DeadLetterHeaders),
}
# Contracts of a record's headers (UTF-8 strings by name), not of its value.
HEADER_CONTRACTS = {"dead-letter-headers.schema.json"}


def render(name: str) -> str:
    topic, model = CONTRACTS[name]
    schema = (
        model.json_schema(mode="validation")
        if isinstance(model, TypeAdapter)
        else model.model_json_schema(mode="serialization")
    )
    part = "Headers" if name in HEADER_CONTRACTS else "Value"
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"tierstream/{name}",
        "description": f"{part} of a record on topic {topic}. " + schema.get("description", ""),
        **{k: v for k, v in schema.items() if k != "description"},
    }
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def export(directory: Path = JSON_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name in CONTRACTS:
        path = directory / name
        path.write_text(render(name), encoding="utf-8")
        written.append(path)
    return written


def export_all(directory: Path | None = None, root: Path | None = None) -> list[Path]:
    """Every generated file: all of them into `directory`, or laid out as in the
    repository under `root` (`root/json/`, `root/openapi.yaml`; default: in place)."""
    if directory is not None:
        return [*export(directory), openapi.export(directory / openapi.OPENAPI_FILE.name)]
    if root is None:
        return [*export(), openapi.export()]
    return [*export(root / JSON_DIR.name), openapi.export(root / openapi.OPENAPI_FILE.name)]


if __name__ == "__main__":
    for path in export_all():
        print(path)
