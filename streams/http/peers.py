"""Asking another worker: a GET with a bounded wait, marked as already routed once.

A forwarded request carries `X-Tierstream-Routed`, so while a rebalance moves
partitions two workers cannot bounce it between them: the second answers 503 and
the client retries.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import aiohttp

ROUTED_HEADER = "X-Tierstream-Routed"
PEER_TIMEOUT = aiohttp.ClientTimeout(total=5.0)


class PeerUnavailable(Exception):
    """The peer did not answer in time or the connection failed."""


Fetch = Callable[[str], Awaitable[tuple[int, bytes]]]
"""GET a peer URL; returns (status, body) or raises PeerUnavailable."""


def peer_fetch(session: Callable[[], aiohttp.ClientSession], me: str) -> Fetch:
    """A `Fetch` over an aiohttp session (the worker's own client session)."""

    async def fetch(url: str) -> tuple[int, bytes]:
        try:
            async with session().get(url, headers={ROUTED_HEADER: me},
                                     timeout=PEER_TIMEOUT) as resp:
                return resp.status, await resp.read()
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise PeerUnavailable(type(exc).__name__) from exc

    return fetch
