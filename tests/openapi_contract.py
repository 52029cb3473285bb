"""Checking HTTP responses against `schemas/openapi.yaml` (OpenAPI 3.1 = JSON Schema 2020-12).

The response schema is looked up by path template, method and status, so a status
code the document does not list fails as well as a body of the wrong shape.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

OPENAPI_FILE = Path(__file__).resolve().parents[1] / "schemas" / "openapi.yaml"
_URI = "urn:tierstream:openapi"


@cache
def openapi_document() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(OPENAPI_FILE.read_text(encoding="utf-8"))
    return doc


def response_schema(path: str, status: int, method: str = "get") -> dict[str, Any]:
    operation = openapi_document()["paths"][path][method]
    responses = operation["responses"]
    assert str(status) in responses, f"{method.upper()} {path} does not document {status}"
    schema: dict[str, Any] = responses[str(status)]["content"]["application/json"]["schema"]
    return schema


def check_response(path: str, status: int, body: Any, method: str = "get") -> None:
    """Raise `jsonschema.ValidationError` (or AssertionError) when `body` breaks the document."""
    schema = response_schema(path, status, method)
    resource: Resource[Any] = DRAFT202012.create_resource(openapi_document())
    registry: Registry[Any] = Registry().with_resource(_URI, resource)
    rooted = _reroot(schema)
    Draft202012Validator(rooted, registry=registry,
                         format_checker=FormatChecker()).validate(body)


def _reroot(node: Any) -> Any:
    """Point the document-relative `#/components/...` refs at the registered document."""
    if isinstance(node, dict):
        return {k: (_URI + v if k == "$ref" and v.startswith("#") else _reroot(v))
                for k, v in node.items()}
    if isinstance(node, list):
        return [_reroot(v) for v in node]
    return node
