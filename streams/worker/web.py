"""Serving the framework-free handlers of streams/http on faust's web server.

Each route maps to one handler (`Request -> Reply`); this module is the only place
that knows faust's view signature and aiohttp's request and response types. An
unexpected error in a handler is logged and answered as a JSON 500.

The worker serves these routes and nothing else: faust's own pages (`/table/...`
reads table keys, `/router/...` shows the cluster, `/graph/`, the statistics) are
dropped here, whatever faust's settings say, so state leaves a worker only through
the query API (docs/http-routes.md lists every route; a test compares the two).
Each answer is logged on `tierstream.access` by route template: neither a
customer id nor a header (a token) reaches the log.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import faust
from aiohttp.web import Response
from faust.web.base import BlueprintManager

from streams.http.auth import TokenFile, require_token
from streams.http.replies import Handler, Reply, Request, error_reply
from streams.http.tls import canonical_url, server_context
from tierstream.settings import Settings

log = logging.getLogger(__name__)
access = logging.getLogger("tierstream.access")


def web_settings(settings: Settings) -> dict[str, Any]:
    """faust's web server settings: where it listens, TLS, and its own pages off."""
    return {
        "web_enabled": True,
        "web_host": settings.web_host,
        "web_bind": settings.web_bind or settings.web_host,
        "web_port": settings.web_port,
        "web_in_thread": False,
        "web_ssl_context": server_context(settings),  # None: plain HTTP
        "canonical_url": canonical_url(settings),  # what peers and `served_by` use
        # also dropped by `serve`; off here too so that no faust page is ever served
        "web_tables_enabled": False,
        "web_router_enabled": False,  # our routing reads the assignment in-process
        "web_graph_enabled": False,
        "web_stats_enabled": False,
        "web_metrics_enabled": False,
    }


def api_tokens(settings: Settings) -> TokenFile | None:
    """The query API's accepted tokens, or None when it is left open (warned at start)."""
    return TokenFile(Path(settings.api_token_file)) if settings.api_token_file else None


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


def serve(
    app: faust.App,
    tokens: TokenFile | None,
    public: Mapping[str, Handler],
    private: Mapping[str, Handler],
) -> None:
    """Serve `public` routes to anyone and `private` ones (customer data) only with a
    valid bearer token when `tokens` is set; faust's built-in pages are not served."""
    app.web.blueprints = BlueprintManager()  # no /table, /router, /graph, stats, index
    if tokens is None:
        app.task(_warn_unauthenticated)
    for path, handler in public.items():  # probes and scrapes: logged at DEBUG only
        app.page(path)(_view(path, handler, logging.DEBUG))
    for path, handler in private.items():
        guarded = handler if tokens is None else require_token(handler, tokens)
        app.page(path)(_view(path, guarded, logging.INFO))


async def _warn_unauthenticated() -> None:
    log.warning("query API is UNAUTHENTICATED: set TIERSTREAM_API_TOKEN_FILE so that "
                "/customers and /tiers/summary require a bearer token (docs/security.md)")


def _view(route: str, handler: Handler, level: int) -> Any:
    async def view(self: Any, request: Any, **params: Any) -> Response:
        started = time.perf_counter()
        try:
            reply = await handler(_request(request, params))
        except Exception:
            log.exception("HTTP handler failed on %s", route)
            reply = error_reply(500, "internal_error", "unexpected error; see worker log")
        access.log(level, "%s %s %d %.1fms", request.method, route, reply.status,
                    (time.perf_counter() - started) * 1000)
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
