"""`GET /customers/{id}`: a customer's tier, grade and reasons, from whichever worker.

Any worker answers any request: the customer's partition says which worker owns it
(streams/http/ownership.py), and a request for a customer owned elsewhere is
forwarded there once (streams/http/peers.py). The answer is the one explanation of
tierstream/explanation.py, with the policy the worker decides with now.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import TypeAdapter, ValidationError

from schemas.events import CustomerId
from streams.http.ownership import PartitionOwners
from streams.http.peers import ROUTED_HEADER, Fetch, PeerUnavailable
from streams.http.replies import Reply, Request, error_reply
from tierstream.core.state import CustomerState
from tierstream.explanation import explain
from tierstream.policy import ActivePolicy

_CUSTOMER_ID: TypeAdapter[str] = TypeAdapter(CustomerId)


def is_valid_customer_id(raw: str) -> bool:
    try:
        _CUSTOMER_ID.validate_python(raw)
    except ValidationError:
        return False
    return True


class CustomerQuery:
    def __init__(
        self,
        lookup: Callable[[bytes], bytes | None],
        policy: ActivePolicy,
        owners: PartitionOwners,
        fetch: Fetch,
        restoring: Callable[[], bool],
    ) -> None:
        """`lookup` reads a stored state by customer-id bytes; `restoring` is true while
        the worker's table is being restored (an absent customer may yet appear)."""
        self.lookup = lookup
        self.policy = policy
        self.owners = owners
        self.fetch = fetch
        self.restoring = restoring

    async def __call__(self, request: Request) -> Reply:
        customer_id = request.params["customer_id"]
        if not is_valid_customer_id(customer_id):
            return error_reply(400, "bad_request", "customer id must match "
                               "^[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}$")
        key = customer_id.encode()
        partition = self.owners.partition_of(key)
        owner = self.owners.owners().get(partition)
        if owner is None:
            return error_reply(503, "unavailable",
                               f"partition {partition} has no owner yet (rebalancing); retry")
        if owner != self.owners.me:
            if request.headers.get(ROUTED_HEADER):
                return error_reply(503, "unavailable",
                                   f"partition {partition} is moving between workers; retry")
            return await self._forward(owner + request.rel_url, owner)
        stored = self.lookup(key)
        if stored is None:
            if self.restoring():
                return error_reply(503, "unavailable",
                                   "state is being restored from the changelog; retry")
            return error_reply(404, "not_found", f"no customer {customer_id}")
        state = CustomerState.from_json(stored)
        view = explain(state, self.policy.current, served_by=self.owners.me)
        return Reply(200, view.model_dump_json().encode())

    async def _forward(self, url: str, owner: str) -> Reply:
        try:
            status, body = await self.fetch(url)
        except PeerUnavailable as exc:
            return error_reply(503, "unavailable", f"owner {owner} did not answer ({exc}); retry")
        return Reply(status, body)
