"""What each applied event emits: tier changes, alerts and the latest tier, for auditors."""

from __future__ import annotations

from schemas.outputs import Alert, LatestTier, Standing, TierChange
from tests.unit.builders import (
    CID,
    DEFAULT_POLICY,
    NOW,
    T,
    ago,
    at,
    codes,
    engagement,
    final,
    on_time,
    overdue,
    policy_with,
    profile,
    run,
    salary,
)
from tierstream.core.engine import Decision


def change_of(d: Decision) -> TierChange:
    assert d.tier_change is not None, "expected a tier change"
    return d.tier_change


def test_first_event_is_a_tier_change_from_null() -> None:
    ev = profile(CID, T, education="master")
    change = change_of(final([ev]))
    assert change.previous is None
    assert change.current == Standing(tier="B", grade="A")
    assert change.customer_id == CID
    assert change.cause_event_id == ev.event_id


def test_tier_change_names_previous_current_reasons_policy_and_cause() -> None:
    cause = salary(CID, T, 16_000)
    d = final([profile(CID, at(-1), occupation="engineer"), cause])
    change = change_of(d)
    assert change.previous == Standing(tier="C", grade="A")
    assert change.current == Standing(tier="B", grade="A")
    assert [r.code for r in change.reasons] == ["grade_a_default", "high_income"]
    assert change.reasons[1].model_dump()["income"] == "16000"
    assert change.reasons[1].model_dump()["threshold"] == "15000"
    assert change.policy_version == DEFAULT_POLICY.version
    assert change.cause_event_id == cause.event_id
    assert change.occurred_at == cause.occurred_at
    assert change.decided_at == NOW


def test_grade_reason_comes_first() -> None:
    d = final([overdue(CID, T, ago(95), 95)])
    assert [r.code for r in change_of(d).reasons] == ["grade_c_current_default", "tier_d_grade_c"]


def test_grade_change_alone_is_a_tier_change() -> None:
    decisions = run(on_time(CID, 6))  # tier C throughout; grade A -> AA on the sixth
    change = change_of(decisions[-1])
    assert change.previous == Standing(tier="C", grade="A")
    assert change.current == Standing(tier="C", grade="AA")


def test_no_tier_change_when_neither_tier_nor_grade_changes() -> None:
    decisions = run([profile(CID, at(-1), education="master"), salary(CID, T, 16_000)])
    assert decisions[1].tier_change is None
    outputs = decisions[1].outputs()
    assert [type(o) for o in outputs] == [LatestTier]
    assert codes(decisions[1]) == ["grade_a_default", "advanced_degree", "high_income"]


def test_latest_tier_is_emitted_on_every_applied_event() -> None:
    events = [profile(CID, at(-2), education="master"), engagement(CID, at(-1), "ignored"),
              salary(CID, T, 9_000)]
    for ev, d in zip(events, run(events), strict=True):
        assert d.outcome == "applied"
        assert d.latest is not None
        assert (d.latest.customer_id, d.latest.tier, d.latest.grade) == (CID, "B", "A")
        assert d.latest.as_of == ev.occurred_at
        assert d.latest.policy_version == DEFAULT_POLICY.version
        assert d.latest.reasons == list(d.reasons)


def test_latest_as_of_stays_at_the_newest_event_time_for_a_late_event() -> None:
    d = final([profile(CID, T, education="master"), salary(CID, at(-10), 9_000)])
    assert d.latest is not None
    assert d.latest.as_of == T


def test_outputs_are_ordered_change_alerts_latest() -> None:
    d = final([profile(CID, at(-1), education="master"), overdue(CID, T, ago(90), 90)])
    kinds = [type(o) for o in d.outputs()]
    assert kinds[0] is TierChange
    assert kinds[-1] is LatestTier
    assert set(kinds[1:-1]) == {Alert}
    assert len(kinds) == 2 + len(d.alerts)


def test_alerts_name_policy_version_and_cause() -> None:
    cause = overdue(CID, T, ago(90), 90)
    d = final([profile(CID, at(-1), education="master"), cause])
    assert d.alerts
    for alert in d.alerts:
        assert alert.policy_version == DEFAULT_POLICY.version
        assert alert.cause_event_id == cause.event_id
        assert alert.occurred_at == cause.occurred_at
        assert alert.customer_id == CID
        assert alert.decided_at == NOW


def test_output_ids_are_deterministic() -> None:
    def replay() -> Decision:
        return final([
            profile(CID, at(-1), education="master", eid="e-1"),
            overdue(CID, T, ago(90), 90, eid="e-2"),
        ])

    first, second = replay(), replay()
    assert change_of(first).event_id == change_of(second).event_id
    assert [a.alert_id for a in first.alerts] == [a.alert_id for a in second.alerts]
    assert len({a.alert_id for a in first.alerts} | {change_of(first).event_id}) == 4


def test_output_ids_differ_by_cause_event_and_customer() -> None:
    a = change_of(final([profile(CID, T, education="master", eid="e-1")]))
    b = change_of(final([profile(CID, T, education="master", eid="e-2")]))
    c = change_of(final([profile("C0043", T, education="master", eid="e-1")]))
    assert len({a.event_id, b.event_id, c.event_id}) == 3


def test_policy_version_of_another_policy_is_stamped() -> None:
    policy = policy_with("tier.b_criteria.high_income.min_income", 12_000)
    d = final([salary(CID, T, 12_000)], policy)
    assert change_of(d).current.tier == "B"
    assert change_of(d).policy_version == policy.version != DEFAULT_POLICY.version
