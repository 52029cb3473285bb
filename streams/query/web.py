"""Serving the framework-free handlers (`Request -> Reply`) on aiohttp directly.

The replica runs no faust, so it cannot use the worker's adapter; this is the same
translation for a plain `aiohttp.web.Application`. An unexpected error in a handler
is logged and answered as a JSON 500.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web

from streams.http.replies import Handler, Reply, Request, error_reply

log = logging.getLogger(__name__)


def _request(raw: web.Request) -> Request:
    return Request(
        path=raw.path,
        rel_url=str(raw.rel_url),
        params=dict(raw.match_info),
        query=dict(raw.query),
        headers=dict(raw.headers),
    )


def _response(reply: Reply) -> web.Response:
    # aiohttp refuses a content_type with a charset (Prometheus's has one): use the header.
    return web.Response(body=reply.body, status=reply.status,
                        headers={"Content-Type": reply.content_type, **reply.headers})


def _view(handler: Handler) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def view(request: web.Request) -> web.Response:
        try:
            reply = await handler(_request(request))
        except Exception:
            log.exception("HTTP handler failed on %s", request.path)
            reply = error_reply(500, "internal_error", "unexpected error; see the log")
        return _response(reply)

    return view


def application(routes: Mapping[str, Handler]) -> web.Application:
    """An aiohttp application with one GET route per handler."""
    app = web.Application()
    for path, handler in routes.items():
        app.router.add_get(path, _view(handler))
    return app
