"""Why a customer has its tier and grade, and what would move it up: one answer for all.

The query API, `tierstream explain` on a worker and `tierstream explain --events` on a
file all give this `CustomerView` (schemas/api.py), built from the stored state and
the policy that decides now.
"""

from __future__ import annotations

from schemas.api import CustomerView, PendingUpgrade, UpgradePath
from schemas.outputs import Reason
from tierstream.core.current_decision import current_decision
from tierstream.core.state import CustomerState
from tierstream.core.upgrade_path import upgrade_path
from tierstream.policy import Policy


def explain(state: CustomerState, policy: Policy, served_by: str) -> CustomerView:
    """The explanation of one customer's state (which must have seen an event)."""
    now = current_decision(state, policy)
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
