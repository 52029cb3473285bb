"""The query API's OpenAPI 3.1 document, generated from its pydantic models.

The response shapes come from schemas/api.py (one source); this module adds only
what the models cannot say: the paths, their parameters, which status answers with
which model, and the bearer-token scheme. `tierstream schemas export` writes it to
`schemas/openapi.yaml`, a unit test fails when that file is stale, and every worker
serves the same document at `GET /openapi.json`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import models_json_schema

from schemas.api import (
    ApiError,
    CustomerView,
    HistoryPage,
    LocalCounts,
    StandingAsOf,
    TierSummary,
)
from schemas.events import CustomerId

OPENAPI_FILE = Path(__file__).resolve().parent / "openapi.yaml"
_REF = "#/components/schemas/{model}"

_DESCRIPTION = """\
Served by every tierstream worker on TIERSTREAM_WEB_HOST:TIERSTREAM_WEB_PORT (default
127.0.0.1:6066; HTTPS when TIERSTREAM_WEB_CERTFILE is set). Any worker answers any
request: a request for a customer owned by another worker is forwarded to it. With
TIERSTREAM_API_TOKEN_FILE set, every operation here needs `Authorization: Bearer
<token>` (docs/security.md). Generated from schemas/api.py by `tierstream schemas
export`; do not edit by hand.
"""


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _REF.format(model=name)}


def _json(description: str, schema: dict[str, Any],
          headers: dict[str, Any] | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": description,
                              "content": {"application/json": {"schema": schema}}}
    if headers:
        answer["headers"] = headers
    return answer


def _error(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    return _json(description, _ref("ApiError"), headers)


_RETRY = {"Retry-After": {"description": "Seconds to wait before retrying.",
                          "schema": {"type": "integer"}}}
_CHALLENGE = {"WWW-Authenticate": {"description": "`Bearer realm=\"tierstream\"`.",
                                   "schema": {"type": "string"}}}


def _unauthorized() -> dict[str, Any]:
    return _error("No valid bearer token (only with TIERSTREAM_API_TOKEN_FILE set).",
                  _CHALLENGE)


_CUSTOMER_ID = {"name": "customer_id", "in": "path", "required": True,
                "schema": TypeAdapter(CustomerId).json_schema()}


def _time(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": {"type": "string", "format": "date-time"}}


def _customer() -> dict[str, Any]:
    return {
        "operationId": "getCustomer",
        "summary": "A customer's tier, grade and the reasons for them.",
        "parameters": [_CUSTOMER_ID, _time(
            "as_of", "An event time (with a UTC offset): answer with the standing in force "
            "then, as decided then (docs/audit.md), instead of the current one.")],
        "responses": {
            "200": _json("The customer's standing as of its latest event (CustomerView), or "
                         "with as_of the standing in force at that time (StandingAsOf).",
                         {"oneOf": [_ref("CustomerView"), _ref("StandingAsOf")]}),
            "400": _error("The id does not match the customer id pattern, or as_of is not "
                          "a time with a UTC offset."),
            "401": _unauthorized(),
            "404": _error("No event has been applied for this customer; with as_of, it had "
                          "no tier yet at that time (or that part of its history is no "
                          "longer kept)."),
            "503": _error("The customer's partition has no owner yet, is moving between "
                          "workers, or its state is being restored: retry.", _RETRY),
        },
    }


def _history() -> dict[str, Any]:
    count = {"type": "integer", "minimum": 0}
    return {
        "operationId": "getCustomerHistory",
        "summary": "A customer's published tier changes in event-time order, paged.",
        "parameters": [
            _CUSTOMER_ID,
            _time("from", "Oldest occurred_at shown (inclusive)."),
            _time("to", "occurred_at up to which changes are shown (exclusive)."),
            {"name": "limit", "in": "query", "required": False,
             "description": "Changes per page (default 100).",
             "schema": {**count, "minimum": 1, "maximum": 1000}},
            {"name": "offset", "in": "query", "required": False,
             "description": "Changes of the range to skip: the previous page's next_offset.",
             "schema": count},
        ],
        "responses": {
            "200": _json("One page of the changes kept within the policy's retention "
                         "horizon.", _ref("HistoryPage")),
            "400": _error("A bad id, time, limit or offset."),
            "401": _unauthorized(),
            "404": _error("No tier change has been published for this customer."),
            "503": _error("The customer's partition has no owner yet, is moving between "
                          "workers, or its state is being restored: retry.", _RETRY),
        },
    }


def _summary() -> dict[str, Any]:
    return {
        "operationId": "getTierSummary",
        "summary": "Customers per tier and per grade over the whole cluster.",
        "parameters": [{
            "name": "scope", "in": "query", "required": False,
            "description": '"local" asks one worker for the counts of its own partitions '
                           "only (what workers ask each other); omit it for the cluster "
                           "summary.",
            "schema": {"type": "string", "enum": ["local"]},
        }],
        "responses": {
            "200": _json("Counts summed over every worker that answered (`complete` is "
                         "false when some partition was not counted), or one worker's "
                         "own counts with scope=local.",
                         {"oneOf": [_ref("TierSummary"), _ref("LocalCounts")]}),
            "401": _unauthorized(),
        },
    }


def document() -> dict[str, Any]:
    """The OpenAPI document as a plain JSON-able dict."""
    models: list[type[BaseModel]] = [CustomerView, StandingAsOf, HistoryPage, TierSummary,
                                     LocalCounts, ApiError]
    _, defs = models_json_schema([(m, "serialization") for m in models], ref_template=_REF)
    secure: list[dict[str, list[str]]] = [{"bearer": []}]
    return {
        "openapi": "3.1.0",
        "info": {"title": "tierstream query API", "version": "1",
                 "description": " ".join(_DESCRIPTION.split())},
        "paths": {
            "/customers/{customer_id}": {"get": {**_customer(), "security": secure}},
            "/customers/{customer_id}/history": {"get": {**_history(), "security": secure}},
            "/tiers/summary": {"get": {**_summary(), "security": secure}},
        },
        "components": {
            "schemas": dict(sorted(defs["$defs"].items())),
            "securitySchemes": {"bearer": {
                "type": "http", "scheme": "bearer",
                "description": "A line of the worker's TIERSTREAM_API_TOKEN_FILE.",
            }},
        },
    }


class _Plain(yaml.SafeDumper):
    """Writes a repeated part out again rather than as a YAML anchor and alias."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def render() -> str:
    """The YAML text of `schemas/openapi.yaml`."""
    return yaml.dump(document(), Dumper=_Plain, sort_keys=False, allow_unicode=True,
                     width=88)


def export(path: Path = OPENAPI_FILE) -> Path:
    path.write_text(render(), encoding="utf-8")
    return path
