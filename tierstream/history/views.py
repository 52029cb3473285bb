"""The answers to "what was this customer's tier then, and why?", from a stored history.

One place builds them for the query API (a worker or the query process) and for
`tierstream history --dir`, so every way of asking gets the same answer.
"""

from __future__ import annotations

from datetime import datetime

from schemas.api import HistoryPage, StandingAsOf
from schemas.outputs import TierChange
from tierstream.history.codec import decode
from tierstream.history.entries import entries_of
from tierstream.history.lookup import Window, in_force, select


class NoStanding(Exception):
    """The customer had no tier at the asked time (or it is no longer kept): a 404."""


def history_page(customer_id: str, stored: bytes, window: Window, served_by: str) -> HistoryPage:
    entries = entries_of(decode(stored))
    page, total, following = select(entries, window)
    pruned = bool(entries) and not entries[0].first
    return HistoryPage(
        customer_id=customer_id,
        changes=[TierChange.model_validate_json(e.raw) for e in page],
        total=total, next_offset=following,
        kept_from=entries[0].occurred_at if pruned else None,
        served_by=served_by,
    )


def standing_as_of(
    customer_id: str, stored: bytes | None, at: datetime, served_by: str
) -> StandingAsOf:
    """The decision in force at `at`; raises NoStanding before the customer's first tier."""
    entries = entries_of(decode(stored)) if stored is not None else []
    entry = in_force(entries, at)
    if entry is None:
        if entries and not entries[0].first:
            raise NoStanding(f"customer {customer_id}: history before "
                             f"{entries[0].occurred_at.isoformat()} is no longer kept")
        raise NoStanding(f"customer {customer_id} had no tier at {at.isoformat()}")
    change = TierChange.model_validate_json(entry.raw)
    return StandingAsOf(
        customer_id=customer_id, as_of=at, tier=change.current.tier,
        grade=change.current.grade, reasons=change.reasons,
        policy_version=change.policy_version, occurred_at=change.occurred_at,
        cause_event_id=change.cause_event_id, decided_at=change.decided_at,
        served_by=served_by,
    )
