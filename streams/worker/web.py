"""Serving the framework-free handlers of streams/http on faust's web server.

Each route maps to one handler (`Request -> Reply`); this module is the only place
that knows faust's view signature and aiohttp's request and response types. An
unexpected error in a handler is logged and answered as a JSON 500.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import faust
from aiohttp.web import Response

from streams.http.replies import Handler, Reply, Request, error_reply

log = logging.getLogger(__name__)


def _request(raw: Any, params: Mapping[str, Any]) -> Request:
    return Request(
        path=str(raw.path),
        rel_url=str(raw.rel_url),
        params={k: str(v) for k, v in params.items()},
        query=dict(raw.query),
        headers=dict(raw.headers),
    )


def _response(reply: Reply) -> Response:
    # aiohttp refuses a content_type with a charset (Prometheus's has one): use the header.
    return Response(body=reply.body, status=reply.status,
                    headers={"Content-Type": reply.content_type, **reply.headers})


def serve(app: faust.App, routes: Mapping[str, Handler]) -> None:
    """Add one faust page per route (`/customers/{customer_id}` style paths)."""
    for path, handler in routes.items():
        app.page(path)(_view(handler))


def _view(handler: Handler) -> Any:
    async def view(self: Any, request: Any, **params: Any) -> Response:
        try:
            reply = await handler(_request(request, params))
        except Exception:
            log.exception("HTTP handler failed on %s", request.path)
            reply = error_reply(500, "internal_error", "unexpected error; see worker log")
        return _response(reply)

    view.__name__ = getattr(handler, "__name__", type(handler).__name__)
    return view


def input_partitions(app: faust.App, topic: str) -> list[int]:
    """The input partitions assigned to this worker now (empty before the first one)."""
    try:
        assignment = app.consumer.assignment()
    except Exception:  # the consumer thread is not started yet
        return []
    return sorted(tp.partition for tp in assignment if tp.topic == topic)
