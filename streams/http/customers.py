"""The query API on every worker (faust web): `GET /customers/{id}`, `GET /tiers/summary`.

Any worker answers any request. A customer lives in one table partition, chosen by
the same murmur2 partitioner the processor uses (`default_partition`); the partition
assignment (`app.router.table_metadata`) says which worker owns it, and a request
for a customer owned elsewhere is forwarded there once. A forwarded request carries
`X-Tierstream-Routed`, so while a rebalance moves partitions two workers cannot
bounce it between them: the second one answers 503 and the client retries.

faust's `@app.table_route` does the same lookup but through the producer's metadata
of the changelog topic, which a worker has only after writing to it; computing the
partition here gives the same answer (same hash, same partition count) on every
worker from its start, and lets a malformed id be refused before any routing.

Every response is JSON (`schemas/api.py`, documented in `schemas/openapi.yaml`);
an unexpected error is logged and answered with a 500 JSON body, never a traceback.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import faust
from prometheus_client import CollectorRegistry
from pydantic import TypeAdapter, ValidationError

from schemas.api import ApiError, CustomerView, PendingUpgrade, UpgradePath
from schemas.events import CustomerId
from schemas.outputs import Reason
from streams.processor import default_partition
from streams.summary import (
    Counts,
    count_from_gauges,
    count_table,
    counts_from_json,
    counts_to_json,
    summary_of,
)
from tierstream.core.standing import standing
from tierstream.core.state import CustomerState
from tierstream.core.upgrade_path import upgrade_path
from tierstream.policy import Policy
from tierstream.settings import Settings

log = logging.getLogger(__name__)

ROUTED_HEADER = "X-Tierstream-Routed"
PEER_TIMEOUT = aiohttp.ClientTimeout(total=5.0)
_CUSTOMER_ID: TypeAdapter[str] = TypeAdapter(CustomerId)

Handler = Callable[..., Awaitable[Any]]


def customer_view(stored: bytes, policy: Policy, served_by: str) -> CustomerView:
    """The API answer for one stored `CustomerState` (JSON bytes)."""
    state = CustomerState.model_validate_json(stored)
    now = standing(state, policy)
    pending = None
    if now.upgrade_to_a_at is not None and state.a_qualified_since is not None:
        pending = PendingUpgrade(qualified_since=state.a_qualified_since,
                                 effective_at=now.upgrade_to_a_at)
    path = upgrade_path(state, policy)
    return CustomerView(
        customer_id=state.customer_id, tier=now.tier, grade=now.grade,
        reasons=list(now.reasons), as_of=now.as_of, policy_version=policy.version,
        pending_upgrade=pending, served_by=served_by,
        upgrade_path=UpgradePath(target=path.target, steps=[
            Reason.model_validate({"code": s.code, "message": s.message, **s.values})
            for s in path.steps]),
    )


def is_valid_customer_id(raw: str) -> bool:
    try:
        _CUSTOMER_ID.validate_python(raw)
    except ValidationError:
        return False
    return True


def register_api(
    app: faust.App,
    table: Any,
    settings: Settings,
    current_policy: Callable[[], Policy],
    registry: CollectorRegistry,
) -> None:
    """Add the query views to `app`'s web server.

    `table` maps customer-id bytes to state JSON; `current_policy` gives the policy the
    worker decides with now (the reasons are recomputed with it); `registry` holds the
    worker's tier and grade gauges (see streams/summary.py).
    """
    partitions = settings.partitions

    def me() -> str:
        return str(app.conf.canonical_url).rstrip("/")

    def owners() -> dict[int, str]:
        """partition -> URL of the worker that owns it, from the current assignment."""
        out: dict[int, str] = {}
        for url, topics in app.router.table_metadata(table.name).items():
            for parts in topics.values():
                for p in parts:
                    out[int(p)] = str(url).rstrip("/")
        return out

    def error(web: Any, status: int, code: str, detail: str) -> Any:
        headers = {"Retry-After": "1"} if status == 503 else None
        return web.json(ApiError(error=code, detail=detail).model_dump(), status=status,
                        headers=headers)

    def guarded(handler: Handler) -> Handler:
        async def view(self: Any, request: Any, **kwargs: Any) -> Any:
            try:
                return await handler(self.web, request, **kwargs)
            except Exception:
                log.exception("query API failed on %s", request.path)
                return error(self.web, 500, "internal_error", "unexpected error; see worker log")
        view.__name__ = handler.__name__
        view.__doc__ = handler.__doc__
        return view

    async def forward(web: Any, request: Any, url: str) -> Any:
        target = url + str(request.rel_url)
        try:
            async with app.http_client.get(target, headers={ROUTED_HEADER: me()},
                                           timeout=PEER_TIMEOUT) as resp:
                body = await resp.read()
                return web.bytes(body, content_type="application/json", status=resp.status)
        except (TimeoutError, aiohttp.ClientError) as exc:
            return error(web, 503, "unavailable",
                         f"owner {url} did not answer ({type(exc).__name__}); retry")

    async def get_customer(web: Any, request: Any, customer_id: str) -> Any:
        """Tier, grade and reasons of one customer, from the worker that owns it."""
        if not is_valid_customer_id(customer_id):
            return error(web, 400, "bad_request", "customer id must match "
                         "^[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}$")
        key = customer_id.encode()
        partition = default_partition(key, partitions)
        owner = owners().get(partition)
        if owner is None:
            return error(web, 503, "unavailable",
                         f"partition {partition} has no owner yet (rebalancing); retry")
        if owner != me():
            if request.headers.get(ROUTED_HEADER):
                return error(web, 503, "unavailable",
                             f"partition {partition} is moving between workers; retry")
            return await forward(web, request, owner)
        stored = table.get(key)
        if stored is None:
            if app.in_recovery or app.rebalancing:
                return error(web, 503, "unavailable",
                             "state is being restored from the changelog; retry")
            return error(web, 404, "not_found", f"no customer {customer_id}")
        return web.json(customer_view(stored, current_policy(), me()).model_dump(mode="json"))

    async def peer_counts(url: str) -> Counts | None:
        try:
            async with app.http_client.get(f"{url}/tiers/summary?scope=local",
                                           headers={ROUTED_HEADER: me()},
                                           timeout=PEER_TIMEOUT) as resp:
                if resp.status != 200:
                    return None
                return counts_from_json(await resp.json())
        except (TimeoutError, aiohttp.ClientError, ValueError, KeyError, TypeError) as exc:
            log.warning("tier summary: worker %s did not answer: %s", url, exc)
            return None

    async def get_summary(web: Any, request: Any) -> Any:
        """Customers per tier and grade over the whole cluster (or this worker: scope=local)."""
        assignment = owners()
        mine = {p for p, url in assignment.items() if url == me()}
        local = count_from_gauges(registry, mine) or count_table(table.items(), mine, partitions)
        if request.query.get("scope") == "local":
            return web.json(counts_to_json(local))
        by_worker: dict[str, list[int]] = {me(): sorted(mine)}
        for url in app.router.tables_metadata():
            by_worker.setdefault(str(url).rstrip("/"), [])
        for p, url in assignment.items():
            if url != me():
                by_worker[url].append(p)
        peers = [url for url in by_worker if url != me()]
        answers = await asyncio.gather(*(peer_counts(url) for url in peers))
        counted: dict[str, Counts | None] = {me(): local, **dict(zip(peers, answers, strict=True))}
        rows = [(url, sorted(parts), counted[url]) for url, parts in by_worker.items()]
        return web.json(summary_of(rows, partitions).model_dump(mode="json"))

    app.page("/customers/{customer_id}")(guarded(get_customer))
    app.page("/tiers/summary")(guarded(get_summary))
