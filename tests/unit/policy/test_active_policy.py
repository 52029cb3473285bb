"""A live switch reaches every reader of the active policy and every listener once."""

from __future__ import annotations

from tests.unit.builders import DEFAULT_POLICY
from tierstream.policy import ActivePolicy


def test_switch_replaces_the_policy_and_tells_the_listeners() -> None:
    other = DEFAULT_POLICY.model_copy(update={"name": "other"})
    active = ActivePolicy(DEFAULT_POLICY)
    heard: list[str] = []
    active.on_switch(lambda p: heard.append(p.version))
    assert active.current is DEFAULT_POLICY
    active.switch(other)
    assert active.current is other
    assert heard == [other.version]
