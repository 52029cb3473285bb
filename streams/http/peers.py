"""Asking another worker: a GET with a bounded wait, marked as already routed once.

A forwarded request carries `X-Tierstream-Routed`, so while a rebalance moves
partitions two workers cannot bounce it between them: the second answers 503 and
the client retries. With a token file it also carries this worker's token
(streams/http/auth.py), and over HTTPS it verifies the peer with the workers' CA.
"""

from __future__ import annotations

import ssl
from collections.abc import Awaitable, Callable

import aiohttp

from streams.http.auth import TokenFile

ROUTED_HEADER = "X-Tierstream-Routed"
PEER_TIMEOUT = aiohttp.ClientTimeout(total=5.0)


class PeerUnavailable(Exception):
    """The peer did not answer in time or the connection failed."""


Fetch = Callable[[str], Awaitable[tuple[int, bytes]]]
"""GET a peer URL; returns (status, body) or raises PeerUnavailable."""


def peer_fetch(
    session: Callable[[], aiohttp.ClientSession],
    me: str,
    tokens: TokenFile | None = None,
    tls: ssl.SSLContext | None = None,
) -> Fetch:
    """A `Fetch` over an aiohttp session (the worker's own client session), sending the
    first of `tokens` when set; `tls` verifies HTTPS peers (None: default checks)."""

    async def fetch(url: str) -> tuple[int, bytes]:
        headers = {ROUTED_HEADER: me}
        if tokens is not None and (bearer := tokens.outgoing()) is not None:
            headers["Authorization"] = f"Bearer {bearer}"
        try:
            async with session().get(url, headers=headers, timeout=PEER_TIMEOUT,
                                     ssl=tls if tls is not None else True) as resp:
                return resp.status, await resp.read()
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise PeerUnavailable(type(exc).__name__) from exc

    return fetch
