"""`GET /customers/{id}/history`: a customer's published tier changes, in time order.

Routed to the customer's owner like `/customers/{id}` (streams/http/routing.py) and
answered from its history (tierstream/history/): `from` and `to` bound the event
times (from inclusive, to exclusive), `limit` and `offset` page through them, and
each page says the `next_offset` to ask for. docs/audit.md tells what is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from streams.http.customers import Lookup
from streams.http.ownership import PartitionOwners
from streams.http.peers import Fetch
from streams.http.replies import Reply, Request, error_reply
from streams.http.routing import elsewhere, query_time
from tierstream.history import Window, history_page, parse_time
from tierstream.history.lookup import DEFAULT_LIMIT


def window_of(query: Mapping[str, str]) -> Window:
    """The `Window` a query string asks for; ValueError saying what is wrong."""
    start = parse_time(query_time(query["from"]), "from") if "from" in query else None
    end = parse_time(query_time(query["to"]), "to") if "to" in query else None
    return Window(start, end, _count(query, "limit", DEFAULT_LIMIT), _count(query, "offset", 0))


def _count(query: Mapping[str, str], name: str, default: int) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    if not raw.isdigit():
        raise ValueError(f"{name} must be a whole number; got {raw!r}")
    return int(raw)


class HistoryQuery:
    def __init__(
        self,
        lookup: Lookup,
        owners: PartitionOwners,
        fetch: Fetch,
        restoring: Callable[[], bool],
    ) -> None:
        """`lookup` reads a stored history by customer-id bytes; `restoring` is true
        while the worker's tables are being restored (an absent one may yet appear)."""
        self.lookup = lookup
        self.owners = owners
        self.fetch = fetch
        self.restoring = restoring

    async def __call__(self, request: Request) -> Reply:
        forwarded = await elsewhere(request, self.owners, self.fetch)
        if forwarded is not None:
            return forwarded
        customer_id = request.params["customer_id"]
        try:
            window = window_of(request.query)
        except ValueError as exc:
            return error_reply(400, "bad_request", str(exc))
        stored = self.lookup(customer_id.encode())
        if stored is None:
            if self.restoring():
                return error_reply(503, "unavailable",
                                   "state is being restored from the changelog; retry")
            # also a customer last decided before histories were kept (docs/audit.md)
            return error_reply(404, "not_found",
                               f"no tier change of customer {customer_id} is kept")
        page = history_page(customer_id, stored, window, served_by=self.owners.me)
        return Reply(200, page.model_dump_json().encode())
