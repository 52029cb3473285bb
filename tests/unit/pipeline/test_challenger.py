"""A challenger policy decides every event beside the champion: the champion publishes
exactly what it would alone, the challenger what the champion would under its policy."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import yaml

from tierstream.core.state import CustomerState
from tierstream.demo.generator import generate
from tierstream.pipeline import Decided, ObjectStates, Pipeline, RawRecord
from tierstream.pipeline.challenger import Challenger, ShadowState
from tierstream.policy import DEFAULT_POLICY_FILE, Policy, parse_policy

from .records import NOW, POLICY, line

FILE = Pipeline(max_bytes=65536)
CHAMPION_ROLES = {"tier_change", "alert", "latest", "dead_letter"}


def strict() -> Policy:
    raw = yaml.safe_load(DEFAULT_POLICY_FILE.read_text(encoding="utf-8"))
    raw["name"] = "strict"
    raw["tier"]["b_criteria"]["high_income"]["min_income"] = 17000
    return parse_policy(raw, "strict.yaml")


def records(customers: int = 60) -> list[RawRecord]:
    return [line(n, r.value) for n, r in enumerate(generate(customers, seed=5), start=1)]


def batches(items: list[RawRecord], size: int = 97) -> Iterator[list[RawRecord]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def run(items: list[RawRecord], policy: Policy, challenger: Policy | None,
        shadow: dict[bytes, bytes], states: ObjectStates | None = None) -> list[Decided]:
    states = states if states is not None else ObjectStates()
    out = []
    for batch in batches(items):
        decided = FILE.run(batch, states, policy, NOW,
                           Challenger(challenger, shadow) if challenger is not None else None)
        states.store(decided.states)
        shadow.update({k.encode(): v for k, v in decided.challenger.items()})
        out.append(decided)
    return out


def sent(runs: list[Decided], roles: set[str]) -> list[tuple[str, bytes | None]]:
    return [(s.role, s.value) for d in runs for s in d.sends if s.role in roles]


def test_the_champion_publishes_the_same_bytes_with_or_without_a_challenger() -> None:
    items = records()
    alone = run(items, POLICY, None, {})
    beside = run(items, POLICY, strict(), {})
    assert sent(beside, CHAMPION_ROLES) == sent(alone, CHAMPION_ROLES)
    assert [d.states for d in beside] == [d.states for d in alone]
    assert all(not d.challenger for d in alone)


def test_the_challenger_publishes_what_the_champion_would_under_its_policy() -> None:
    items = records()
    challenger = strict()
    shadow: dict[bytes, bytes] = {}
    beside = run(items, POLICY, challenger, shadow)
    replayed = run(items, challenger, None, {})
    changes = sent(beside, {"challenger_tier_change"})
    alerts = sent(beside, {"challenger_alert"})
    assert changes
    assert alerts
    assert [v for _, v in changes] == [v for _, v in sent(replayed, {"tier_change"})]
    assert [v for _, v in alerts] == [v for _, v in sent(replayed, {"alert"})]
    final = {k.decode(): ShadowState.from_json(v) for k, v in shadow.items()}
    ends = {k: s for d in replayed for k, s in d.states.items()}
    assert {k: (s.tier, s.grade) for k, s in final.items()} == {
        k: (s.tier, s.grade) for k, s in ends.items()}
    disagreeing = [o.challenger for d in beside for o in d.outcomes
                   if o.challenger is not None and o.challenger[0] != o.challenger[1]]
    assert disagreeing  # the migration the metrics show: B under the champion, C under it
    assert all(seen[1] in "CD" for seen in disagreeing if seen[0] == "B")


def test_a_challenger_started_mid_stream_starts_from_the_champions_bookkeeping() -> None:
    items = records(120)
    states, shadow = ObjectStates(), dict[bytes, bytes]()
    for done in range(0, len(items), 50):  # the champion alone until cool-offs run
        run(items[done:done + 50], POLICY, None, {}, states)
        running = {cid: s.a_qualified_since for cid, s in states.objects.items()
                   if s.a_qualified_since is not None and s.tier != "A"}
        if running:
            break
    assert running  # cool-offs under way when the challenger starts
    run(items[done + 50:], POLICY, strict(), shadow, states)
    carried = 0
    for cid, since in running.items():
        stored, champion = shadow.get(cid.encode()), states.objects[cid]
        if stored is not None and champion.a_qualified_since == since:
            # the same A rule: the spell the champion had running carries on, not restarted
            assert ShadowState.from_json(stored).a_qualified_since == since
            carried += 1
    assert carried


def test_another_challenger_version_starts_afresh() -> None:
    kept = ShadowState("old@1", "A", "A").to_json()
    items = records(5)
    decided = FILE.run(items, ObjectStates(), POLICY, NOW,
                       Challenger(strict(), {r: kept for r in (b"x",)}))
    assert all(ShadowState.from_json(v).policy_version == strict().version
               for v in decided.challenger.values())


def test_a_failing_challenger_leaves_the_champion_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    import tierstream.pipeline.challenger as module

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(module, "decide", broken)
    items = records(10)
    alone = run(items, POLICY, None, {})
    beside = run(items, POLICY, strict(), {})
    assert sent(beside, CHAMPION_ROLES) == sent(alone, CHAMPION_ROLES)
    assert not sent(beside, {"challenger_tier_change", "challenger_alert"})
    assert all(o.rejected is None or o.rejected.reason != "processing_error"
               for d in beside for o in d.outcomes)


def test_bookkeeping_over_facts_keeps_the_facts() -> None:
    facts = CustomerState("C1", tier="B", grade="A")
    work = ShadowState("v", "C", "B").over(facts)
    assert (work.tier, work.grade, facts.tier) == ("C", "B", "B")


def test_the_worker_counts_disagreements_and_challenger_alerts() -> None:
    from prometheus_client import CollectorRegistry

    from streams.telemetry.metrics import Metrics
    from streams.telemetry.outcomes import count_outcomes

    registry = CollectorRegistry()
    metrics = Metrics.create(registry)
    beside = run(records(), POLICY, strict(), {})
    outcomes = [o for d in beside for o in d.outcomes]
    count_outcomes(metrics, outcomes, NOW)
    seen = [o.challenger for o in outcomes if o.challenger is not None]
    moved = sum(1 for s in seen if s[0] == "B" and s[1] == "C")
    assert moved
    assert registry.get_sample_value("tierstream_challenger_disagreements_total",
                                     {"champion_tier": "B", "challenger_tier": "C"}) == moved
    assert registry.get_sample_value("tierstream_challenger_decisions_total") == len(seen)
    alerts = sum(len(s[2]) for s in seen)
    assert alerts
    assert sum(registry.get_sample_value("tierstream_challenger_alerts_total", {"type": t})
               or 0 for t in {a for s in seen for a in s[2]}) == alerts


def test_the_policy_feed_starts_replaces_and_stops_the_challenger() -> None:
    from prometheus_client import CollectorRegistry

    from streams.kafka.policy_feed import PolicyFeed
    from streams.telemetry.metrics import Metrics
    from tierstream.policy import ActivePolicy
    from tierstream.policy.challenger import ChallengerPolicy
    from tierstream.settings import Settings

    registry = CollectorRegistry()
    metrics = Metrics.create(registry)
    active, challenger = ActivePolicy(POLICY), ChallengerPolicy()
    challenger.on_switch(metrics.show_challenger)
    feed = PolicyFeed(Settings(), active, metrics, challenger)
    raw = yaml.safe_dump(strict().model_dump(mode="json")).encode()
    assert feed.offer_challenger(raw, "test")
    assert challenger.current is not None
    assert active.current is POLICY  # the champion is untouched
    version = challenger.current.version
    assert registry.get_sample_value("tierstream_challenger_info", {"version": version}) == 1
    assert not feed.offer_challenger(b"name: [unclosed", "bad")  # refused: kept running
    assert challenger.current is not None
    assert feed.offer_challenger(b"", "clear")
    assert challenger.current is None
    assert registry.get_sample_value("tierstream_challenger_info", {"version": version}) is None


@pytest.mark.parametrize(("argv", "says"), [
    (["policy", "publish", "--clear"], "use it with --challenger"),
    (["policy", "publish", "--challenger"], "a policy FILE is needed"),
    (["policy", "publish", "x.yaml", "--challenger", "--clear"], "--clear takes no FILE"),
])
def test_a_wrong_challenger_command_is_one_line_and_exit_2(
    argv: list[str], says: str, capsys: pytest.CaptureFixture[str],
) -> None:
    from tierstream.cli.main import main

    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert says in err
