"""Sending a customer's request to the worker that owns the customer's partition.

Every customer route (its standing, its history) checks the id, then either answers
here (this worker owns the partition) or forwards the request, query string
included, to the owner once (streams/http/peers.py). A replica that holds every
partition always answers itself.
"""

from __future__ import annotations

from pydantic import TypeAdapter, ValidationError

from schemas.events import CustomerId
from streams.http.ownership import PartitionOwners
from streams.http.peers import ROUTED_HEADER, Fetch, PeerUnavailable
from streams.http.replies import Reply, Request, error_reply

_CUSTOMER_ID: TypeAdapter[str] = TypeAdapter(CustomerId)


def is_valid_customer_id(raw: str) -> bool:
    try:
        _CUSTOMER_ID.validate_python(raw)
    except ValidationError:
        return False
    return True


async def elsewhere(request: Request, owners: PartitionOwners, fetch: Fetch) -> Reply | None:
    """None when this worker is to answer for the request's customer; else the answer:
    a 400 for a bad id, a 503 while the partition has no owner, or the owner's reply."""
    customer_id = request.params["customer_id"]
    if not is_valid_customer_id(customer_id):
        return error_reply(400, "bad_request", "customer id must match "
                           "^[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}$")
    partition = owners.partition_of(customer_id.encode())
    owner = owners.owners().get(partition)
    if owner is None:
        return error_reply(503, "unavailable",
                           f"partition {partition} has no owner yet (rebalancing); retry")
    if owner == owners.me:
        return None
    if request.headers.get(ROUTED_HEADER):
        return error_reply(503, "unavailable",
                           f"partition {partition} is moving between workers; retry")
    try:
        status, body = await fetch(owner + request.rel_url)
    except PeerUnavailable as exc:
        return error_reply(503, "unavailable", f"owner {owner} did not answer ({exc}); retry")
    return Reply(status, body)


def query_time(raw: str) -> str:
    """A time from a query string: a `+` of an unencoded offset arrives as a space."""
    return raw.replace(" ", "+")
