"""The challenger (shadow) policy of a worker, if one runs: decided beside the champion.

Like `ActivePolicy`, one holder shared by the stream, the query API and the policy
feed, replaced whole; `None` is "no challenger". Champion and challenger are kept
apart on purpose: nothing that reads the champion can pick up the challenger.
"""

from __future__ import annotations

from collections.abc import Callable

from tierstream.policy.model import Policy

ChallengerListener = Callable[[Policy | None], None]


class ChallengerPolicy:
    def __init__(self, policy: Policy | None = None) -> None:
        self._policy = policy
        self._listeners: list[ChallengerListener] = []

    @property
    def current(self) -> Policy | None:
        return self._policy

    def on_switch(self, listener: ChallengerListener) -> None:
        """Call `listener(new)` after every switch, None when the challenger stops."""
        self._listeners.append(listener)

    def switch(self, new: Policy | None) -> None:
        self._policy = new
        for listener in self._listeners:
            listener(new)
