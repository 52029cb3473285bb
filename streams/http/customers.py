"""`GET /customers/{id}`: a customer's tier, grade and reasons, from whichever worker.

Any worker answers any request: the customer's partition says which worker owns it
(streams/http/ownership.py), and a request for a customer owned elsewhere is
forwarded there once (streams/http/routing.py). The answer is the one explanation of
tierstream/explanation.py, with the policy the worker decides with now.

With `?as_of=TIME` the answer is the standing in force at that event time instead,
with the reasons published when it was decided, read from the customer's history
(tierstream/history/; docs/audit.md): a 404 before the customer's first tier.
"""

from __future__ import annotations

from collections.abc import Callable

from schemas.api import ChallengerStanding
from streams.http.ownership import PartitionOwners
from streams.http.peers import Fetch
from streams.http.replies import Reply, Request, error_reply
from streams.http.routing import elsewhere, is_valid_customer_id, query_time
from tierstream.core.state import CustomerState
from tierstream.explanation import explain
from tierstream.history import NoStanding, parse_time, standing_as_of
from tierstream.pipeline.challenger import ShadowState
from tierstream.policy import ActivePolicy
from tierstream.policy.challenger import ChallengerPolicy

Lookup = Callable[[bytes], bytes | None]

__all__ = ["CustomerQuery", "Lookup", "is_valid_customer_id"]


class CustomerQuery:
    def __init__(
        self,
        lookup: Lookup,
        policy: ActivePolicy,
        owners: PartitionOwners,
        fetch: Fetch,
        restoring: Callable[[], bool],
        history: Lookup | None = None,
        challenger: tuple[Lookup, ChallengerPolicy] | None = None,
    ) -> None:
        """`lookup` reads a stored state by customer-id bytes; `restoring` is true while
        the worker's table is being restored (an absent customer may yet appear);
        `history` reads a stored history (None: `as_of` is not served here);
        `challenger` reads the challenger's bookkeeping, shown while that challenger runs."""
        self.lookup = lookup
        self.policy = policy
        self.owners = owners
        self.fetch = fetch
        self.restoring = restoring
        self.history = history
        self.challenger = challenger

    async def __call__(self, request: Request) -> Reply:
        forwarded = await elsewhere(request, self.owners, self.fetch)
        if forwarded is not None:
            return forwarded
        customer_id = request.params["customer_id"]
        if "as_of" in request.query:
            return self._as_of(customer_id, request.query["as_of"])
        stored = self.lookup(customer_id.encode())
        if stored is None:
            return self._absent(customer_id)
        state = CustomerState.from_json(stored)
        view = explain(state, self.policy.current, served_by=self.owners.me)
        shadow = self._challenger(customer_id)
        if shadow is not None:
            view = view.model_copy(update={"challenger": shadow})
        return Reply(200, view.model_dump_json().encode())

    def _challenger(self, customer_id: str) -> ChallengerStanding | None:
        """The running challenger's standing of the customer, once it decided one."""
        if self.challenger is None:
            return None
        lookup, running = self.challenger
        policy = running.current
        stored = lookup(customer_id.encode()) if policy is not None else None
        if policy is None or stored is None:
            return None
        kept = ShadowState.from_json(stored)
        if kept.policy_version != policy.version or kept.tier is None or kept.grade is None:
            return None
        return ChallengerStanding(tier=kept.tier, grade=kept.grade,
                                  policy_version=kept.policy_version)

    def _as_of(self, customer_id: str, raw: str) -> Reply:
        if self.history is None:
            return error_reply(400, "bad_request", "as_of is not served here: this server "
                               "keeps no history (docs/audit.md)")
        try:
            at = parse_time(query_time(raw), "as_of")
        except ValueError as exc:
            return error_reply(400, "bad_request", str(exc))
        stored = self.history(customer_id.encode())
        if stored is None:  # also a customer last decided before histories were kept
            return self._absent(customer_id, f"no tier change of customer {customer_id} "
                                "is kept")
        try:
            view = standing_as_of(customer_id, stored, at, served_by=self.owners.me)
        except NoStanding as exc:
            return error_reply(404, "not_found", str(exc))
        return Reply(200, view.model_dump_json().encode())

    def _absent(self, customer_id: str, detail: str | None = None) -> Reply:
        if self.restoring():
            return error_reply(503, "unavailable",
                               "state is being restored from the changelog; retry")
        return error_reply(404, "not_found", detail or f"no customer {customer_id}")
