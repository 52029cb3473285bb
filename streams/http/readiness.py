"""When a worker is ready: its partitions are assigned and its table is recovered.

faust's own flags do not say this alone: `app.rebalancing` turns false before the
table recovery starts, and the recovery's `completed` event is never cleared on a
later rebalance. So readiness follows the signals: the revocation that starts every
rebalance makes the worker not ready, the end of the table recovery that follows
(faust's `table.on_recover`) makes it ready.
A spare worker whose assignment is empty is ready too (it is healthy, just idle); the
body says how many input partitions it has.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Readiness:
    recovered: bool = False
    rebalances: int = 0

    def on_rebalance(self) -> None:
        self.recovered = False
        self.rebalances += 1

    def on_recovered(self) -> None:
        self.recovered = True

    def ready(self, rebalancing: bool) -> bool:
        return self.recovered and not rebalancing
