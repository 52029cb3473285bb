"""How far the replica is behind the changelog: per-partition offsets, no Kafka.

At start the follower notes each partition's end offset (`target`): the replica
answers queries only once it has read that far, so it never serves a state older
than what it could see when it started. After that, `lag` is how many records the
broker holds that the replica has not applied yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass
class Progress:
    target: dict[int, int] = field(default_factory=dict)  # end offsets seen at start
    position: dict[int, int] = field(default_factory=dict)  # next offset to read
    end: dict[int, int] = field(default_factory=dict)  # latest known end offsets
    _caught_up: bool = False

    def start(self, ends: Mapping[int, int], positions: Mapping[int, int]) -> None:
        """Called once the partitions are assigned (and again after a reconnect: the
        target stays the one of the first start)."""
        if not self.target:
            self.target = dict(ends)
        self.end.update(ends)
        self.position.update(positions)

    def advance(self, partition: int, position: int, end: int | None) -> None:
        self.position[partition] = position
        if end is not None:
            self.end[partition] = max(end, self.end.get(partition, 0))

    @property
    def caught_up(self) -> bool:
        """True once every partition reached its start target; stays true after."""
        if not self._caught_up and self.target:
            self._caught_up = all(self.position.get(p, 0) >= t for p, t in self.target.items())
        return self._caught_up

    @property
    def lag(self) -> int:
        """Records on the broker not applied yet (0 before the partitions are known)."""
        return sum(max(end - self.position.get(p, 0), 0) for p, end in self.end.items())
