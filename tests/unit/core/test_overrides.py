"""Manual overrides (`tier.override`): pin, expire by event time, clear; grade C still wins."""

from __future__ import annotations

import pytest

from tests.unit.builders import (
    CID,
    T,
    ago,
    alerts,
    at,
    codes,
    final,
    overdue,
    override,
    ping,
    profile,
    reason_values,
    run,
    stable_relationship,
    standing,
)


def test_override_pins_the_tier_with_reason_manual_override() -> None:
    d = final([
        profile(CID, at(-1), occupation="engineer"),  # rules say C
        override(CID, T, "B", reason="strategic client", approved_by="RM-0031"),
    ])
    assert standing(d) == ("B", "A")
    assert codes(d) == ["grade_a_default", "manual_override"]
    values = reason_values(d, "manual_override")
    assert values["tier"] == "B"
    assert values["approved_by"] == "RM-0031"
    assert values["override_reason"] == "strategic client"
    assert values["expires_at"] is None


def test_override_pins_against_later_rule_changes() -> None:
    d = final([override(CID, at(-1), "C"), profile(CID, T, education="doctorate")])
    assert standing(d)[0] == "C"
    assert codes(d)[-1] == "manual_override"


def test_override_to_a_needs_no_cool_off() -> None:
    d = final([profile(CID, at(-1), education="master"), override(CID, T, "A")])
    assert standing(d)[0] == "A"


def test_override_downgrade_raises_a_tier_downgraded_alert() -> None:
    d = final([profile(CID, at(-1), education="master"), override(CID, T, "C")])
    assert [(a.type, a.severity) for a in d.alerts] == [("tier.downgraded", "high")]


@pytest.mark.parametrize(("days_later", "tier"), [(9.99, "A"), (10, "B")])
def test_override_expires_by_event_time(days_later: float, tier: str) -> None:
    d = final([
        profile(CID, at(-1), education="master"),  # rules say B
        override(CID, T, "A", expires_at=at(10)),
        ping(CID, at(days_later)),
    ])
    assert standing(d)[0] == tier
    assert ("manual_override" in codes(d)) == (tier == "A")


def test_expiry_is_not_decided_by_the_wall_clock() -> None:
    # The engine's `now` is months after the expiry, but no event has reached it yet.
    d = final([override(CID, T, "A", expires_at=at(10)), ping(CID, at(5))])
    assert standing(d)[0] == "A"


def test_override_with_tier_null_clears_it() -> None:
    decisions = run([
        profile(CID, at(-2), education="master"),
        override(CID, at(-1), "D", reason="fraud investigation"),
        override(CID, T, None, reason="investigation closed"),
    ])
    assert [standing(d)[0] for d in decisions] == ["B", "D", "B"]
    assert codes(decisions[-1]) == ["grade_a_default", "advanced_degree"]


def test_older_override_arriving_late_does_not_replace_a_newer_one() -> None:
    d = final([
        profile(CID, at(-3), education="master"),
        override(CID, at(-1), None),  # cleared
        override(CID, at(-2), "D"),  # older decision, delivered late
    ])
    assert standing(d)[0] == "B"


def test_grade_c_forces_tier_d_over_an_override() -> None:
    decisions = run([override(CID, at(-1), "A"), overdue(CID, T, ago(90), 90)])
    assert standing(decisions[0])[0] == "A"
    assert standing(decisions[1]) == ("D", "C")
    assert codes(decisions[1]) == ["grade_c_current_default", "tier_d_grade_c"]
    assert ("tier.downgraded", "critical") in [(a.type, a.severity) for a in decisions[1].alerts]


def test_expired_override_returns_to_the_rule_tier_including_a() -> None:
    """The A rule keeps its clock under an override; after expiry tier A needs no new wait."""
    decisions = run([
        *stable_relationship(CID),  # qualifies for A at T
        override(CID, at(1), "C", expires_at=at(40)),
        ping(CID, at(35)),
        ping(CID, at(40)),
    ])
    assert [standing(d)[0] for d in decisions[-3:]] == ["C", "C", "A"]
    assert alerts(decisions[-1], "tier.downgraded") == []
