"""Hysteresis (docs/domain.md "Default hysteresis"): risk at once, tier A only after 30 days."""

from __future__ import annotations

import pytest

from tests.unit.builders import (
    CID,
    T,
    ago,
    alerts,
    all_alerts,
    at,
    codes,
    overdue,
    ping,
    profile,
    reason_values,
    repayment,
    run,
    salary,
    stable_relationship,
    standing,
)


def test_downgrade_takes_effect_at_once() -> None:
    decisions = run([salary(CID, at(-1), 16_000), salary(CID, T, 14_000)])
    assert standing(decisions[0])[0] == "B"
    assert standing(decisions[1])[0] == "C"
    assert [(a.type, a.severity) for a in alerts(decisions[1], "tier.downgraded")] == [
        ("tier.downgraded", "high")
    ]


def test_downgrade_from_a_takes_effect_at_once() -> None:
    decisions = run([*stable_relationship(CID), ping(CID, at(30)), salary(CID, at(31), 19_999)])
    assert standing(decisions[-2])[0] == "A"
    assert standing(decisions[-1])[0] == "B"
    assert "tier_a_stable_relationship" not in codes(decisions[-1])


@pytest.mark.parametrize(
    ("days_later", "tier"), [(29, "B"), (29.999, "B"), (30, "A"), (45, "A")]
)
def test_upgrade_to_a_after_30_days_of_event_time(days_later: float, tier: str) -> None:
    d = run([*stable_relationship(CID), ping(CID, at(days_later))])[-1]
    assert standing(d) == (tier, "AA")
    if tier == "B":
        pending = reason_values(d, "a_cool_off_pending")
        assert pending["qualified_since"] == T.isoformat()
        assert pending["days_held"] == int(days_later)
        assert pending["days_required"] == 30
        assert codes(d)[:2] == ["grade_aa", "high_income"]  # the tier of the next rule
    else:
        assert codes(d)[:2] == ["grade_aa", "tier_a_stable_relationship"]
        assert "a_cool_off_pending" not in codes(d)


def test_tier_a_needs_a_new_event_after_the_cool_off() -> None:
    """The engine is event-driven: the day-30 upgrade happens on the first event at or after."""
    decisions = run([*stable_relationship(CID), ping(CID, at(10)), ping(CID, at(50))])
    assert [standing(d)[0] for d in decisions[-3:]] == ["B", "B", "A"]


def test_cool_off_of_a_late_event_counts_from_as_of() -> None:
    """A late-arriving event that completes the A rule starts the clock at the customer's
    as_of (the first time the engine saw the rule hold), not at its older occurred_at."""
    history = stable_relationship(CID)
    late_salary = history.pop()  # the salary at T makes the rule hold ...
    decisions = run([*history, ping(CID, at(20)), late_salary, ping(CID, at(49)),
                     ping(CID, at(50))])
    assert reason_values(decisions[-3], "a_cool_off_pending")["qualified_since"] == (
        at(20).isoformat()
    )
    assert [standing(d)[0] for d in decisions[-3:]] == ["B", "B", "A"]


def test_upgrade_candidate_alert_once_per_qualifying_spell() -> None:
    history = stable_relationship(CID)  # qualifies at T, on its last event (the salary)
    decisions = run([
        *history,
        ping(CID, at(5)),
        ping(CID, at(10)),
        ping(CID, at(30)),  # becomes A
        ping(CID, at(40)),
    ])
    candidates = all_alerts(decisions, "upgrade.candidate")
    assert len(candidates) == 1
    assert candidates[0].severity == "info"
    assert candidates[0].cause_event_id == history[-1].event_id
    assert candidates[0].details["qualified_since"] == T.isoformat()
    assert candidates[0].tier == "B"


def test_losing_qualification_during_cool_off_resets_it_and_a_new_spell_alerts_again() -> None:
    decisions = run([
        *stable_relationship(CID),  # spell 1 starts at T
        salary(CID, at(10), 19_000),  # no longer qualifies (still B: high income)
        salary(CID, at(15), 20_000),  # spell 2 starts at T+15
        ping(CID, at(30)),  # 30 days after spell 1 began, 15 into spell 2
        ping(CID, at(44)),
        ping(CID, at(45)),  # 30 days into spell 2
    ])
    spell1, broken, spell2, day30, day44, day45 = decisions[-6:]
    assert [standing(d)[0] for d in decisions[-6:]] == ["B", "B", "B", "B", "B", "A"]
    assert "a_cool_off_pending" not in codes(broken)
    assert reason_values(day30, "a_cool_off_pending")["qualified_since"] == at(15).isoformat()
    assert reason_values(day44, "a_cool_off_pending")["days_held"] == 29
    assert len(alerts(spell1, "upgrade.candidate")) == 1
    assert len(alerts(spell2, "upgrade.candidate")) == 1
    assert all_alerts([broken, day30, day44, day45], "upgrade.candidate") == []


def test_a_customer_who_drops_out_of_a_waits_again() -> None:
    decisions = run([
        *stable_relationship(CID),
        ping(CID, at(30)),  # A
        salary(CID, at(31), 19_999),  # B at once
        salary(CID, at(32), 20_000),  # qualifies again: a new cool-off, a new candidate alert
        ping(CID, at(61)),
        ping(CID, at(62)),
    ])
    assert [standing(d)[0] for d in decisions[-5:]] == ["A", "B", "B", "B", "A"]
    assert len(alerts(decisions[-3], "upgrade.candidate")) == 1


def test_other_upgrades_take_effect_at_once() -> None:
    decisions = run([profile(CID, at(-1), occupation="engineer"),
                     profile(CID, T, education="master")])
    assert [standing(d)[0] for d in decisions] == ["C", "B"]


def test_recovery_from_d_takes_effect_at_once() -> None:
    due = ago(100)
    decisions = run([
        profile(CID, at(-10), education="doctorate"),
        overdue(CID, at(-5), due, 95),
        repayment(CID, T, due, T.date()),  # paid in full: no longer current
    ])
    assert [standing(d) for d in decisions] == [("B", "A"), ("D", "C"), ("B", "B")]
    # Still grade B: a serious episode in the last 12 months.
    assert codes(decisions[-1])[:2] == ["grade_b_recent_serious_episode", "advanced_degree"]
