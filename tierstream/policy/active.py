"""The policy that decides now, shared by everything in a worker that reads it.

A live rollout replaces it whole (`switch`); the stream, the query API and the
policy feed each hold the same `ActivePolicy` and read `current` when they need it,
so nobody keeps a stale copy and nothing is patched from outside.
"""

from __future__ import annotations

from collections.abc import Callable

from tierstream.policy.model import Policy

Listener = Callable[[Policy], None]


class ActivePolicy:
    def __init__(self, policy: Policy) -> None:
        self._policy = policy
        self._listeners: list[Listener] = []

    @property
    def current(self) -> Policy:
        return self._policy

    def on_switch(self, listener: Listener) -> None:
        """Call `listener(new)` after every switch (metrics, re-evaluation sweep)."""
        self._listeners.append(listener)

    def switch(self, new: Policy) -> None:
        self._policy = new
        for listener in self._listeners:
            listener(new)
