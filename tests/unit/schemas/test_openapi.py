"""`schemas/openapi.yaml` is exactly what the API's pydantic models generate."""

from __future__ import annotations

import json

import yaml

from schemas.api import ApiError, CustomerView, LocalCounts, TierSummary
from schemas.openapi import OPENAPI_FILE, document, render
from streams.http.openapi import OpenApiPage
from streams.http.replies import Request


def test_committed_openapi_matches_the_models() -> None:
    assert OPENAPI_FILE.read_text(encoding="utf-8") == render(), (
        "schemas/openapi.yaml is stale: run `tierstream schemas export` and commit the result"
    )


def test_every_response_model_is_a_component() -> None:
    schemas = document()["components"]["schemas"]
    for model in (CustomerView, TierSummary, LocalCounts, ApiError):
        assert model.__name__ in schemas


def test_query_operations_need_the_bearer_token_and_document_401() -> None:
    doc = document()
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    for path in ("/customers/{customer_id}", "/tiers/summary"):
        operation = doc["paths"][path]["get"]
        assert operation["security"] == [{"bearer": []}]
        assert "401" in operation["responses"]


async def test_the_worker_serves_the_same_document_as_json() -> None:
    reply = await OpenApiPage()(Request("/openapi.json", "/openapi.json"))
    assert reply.status == 200
    assert json.loads(reply.body) == yaml.safe_load(OPENAPI_FILE.read_text(encoding="utf-8"))
