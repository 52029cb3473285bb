"""The standing in force at an event time, at the boundaries an auditor would try."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from schemas.api import StandingAsOf
from tests.unit.history.records import CID, change
from tierstream.history import NoStanding, append, standing_as_of

KEEP = timedelta(days=3 * 365)
FIRST_AT = "2026-01-01T09:00:00+08:00"
CHANGE_AT = "2026-03-31T10:00:00+08:00"
HISTORY = append(None, [change("e1", FIRST_AT, "C", previous=None),
                        change("e2", CHANGE_AT, "B")], KEEP)


def at(text: str) -> StandingAsOf:
    return standing_as_of(CID, HISTORY, datetime.fromisoformat(text), served_by="test")


def test_exactly_at_a_decision_the_new_standing_is_in_force() -> None:
    view = at(CHANGE_AT)
    assert (view.tier, view.grade, view.cause_event_id) == ("B", "A", "cause-e2")
    assert view.occurred_at == datetime.fromisoformat(CHANGE_AT)
    assert [r.code for r in view.reasons] == ["why_B"]
    assert view.policy_version == "default@test"


def test_just_before_a_decision_the_previous_standing_is_in_force() -> None:
    assert at("2026-03-31T09:59:59.999999+08:00").tier == "C"
    assert at("2026-03-31T01:59:59+00:00").tier == "C"  # the same moment, in UTC
    assert at("2026-03-31T02:00:00Z").tier == "B"


def test_long_after_the_last_decision_it_is_still_in_force() -> None:
    assert at("2030-01-01T00:00:00Z").tier == "B"


def test_at_the_first_decision_the_customer_has_its_first_tier() -> None:
    view = at(FIRST_AT)
    assert (view.tier, view.cause_event_id) == ("C", "cause-e1")


def test_before_the_first_decision_there_is_no_tier() -> None:
    with pytest.raises(NoStanding, match="had no tier"):
        at("2026-01-01T08:59:59.999999+08:00")
    with pytest.raises(NoStanding, match="had no tier"):
        standing_as_of(CID, None, datetime.fromisoformat(CHANGE_AT), served_by="test")


def test_before_the_kept_history_the_answer_says_it_is_no_longer_kept() -> None:
    pruned = append(None, [change("e1", "2020-01-01T00:00:00Z", "C", previous=None),
                           change("e2", "2024-01-01T00:00:00Z", "B"),
                           change("e3", "2026-01-01T00:00:00Z", "A")], timedelta(days=365))
    when = datetime.fromisoformat("2024-06-01T00:00:00Z")
    assert standing_as_of(CID, pruned, when, served_by="t").tier == "B"  # kept: in force
    with pytest.raises(NoStanding, match="no longer kept"):
        standing_as_of(CID, pruned, datetime.fromisoformat("2021-01-01T00:00:00Z"), "t")
