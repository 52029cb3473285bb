"""What a query handler sees of a request and what it answers, free of any web framework.

The handlers in this package take a `Request` and return a `Reply`; the worker's web
server (streams/worker/web.py) translates both, so every handler is tested with plain
objects and an unexpected error becomes a JSON 500, never a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from schemas.api import ApiError, ErrorCode


@dataclass(frozen=True)
class Request:
    path: str
    rel_url: str  # path and query string, as forwarded to a peer
    params: Mapping[str, str] = field(default_factory=dict)  # from the route's {names}
    query: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: Mapping[str, str] = field(default_factory=dict)


Handler = Callable[[Request], Awaitable[Reply]]


def json_reply(body: Any, status: int = 200) -> Reply:
    return Reply(status, json.dumps(body, separators=(",", ":")).encode())


def error_reply(status: int, code: ErrorCode, detail: str,
                headers: Mapping[str, str] | None = None) -> Reply:
    """An `ApiError` body; a 503 says when to retry."""
    retry = {"Retry-After": "1"} if status == 503 else {}
    body = ApiError(error=code, detail=detail).model_dump_json().encode()
    return Reply(status, body, headers={**retry, **(headers or {})})
