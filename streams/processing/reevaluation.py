"""The periodic pass that decides customers again when time alone changes their standing.

A tier-A cool-off that completes, an override that expires and an unpaid installment
that ages into a worse bucket need no new event. After every decision the processor
records when the customer is next due (`next_due` in the core) in the `customer-due`
table. A timer compares those times with the worker's stream time and sends a
request per due customer to an internal topic that is co-partitioned with the
input, so the decision is made inside the stream like any event: same table
partition, same changelog, same offsets. After a policy change every local
customer is requested once, to be decided under the new version.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from datetime import datetime

from tierstream.pipeline import ReevaluationRequest

log = logging.getLogger(__name__)

SendRequest = Callable[[bytes, bytes], Awaitable[None]]


class Scheduler:
    """Sends re-evaluation requests for due customers; one instance per worker."""

    def __init__(
        self,
        due: MutableMapping[bytes, bytes],
        customers: Callable[[], Iterable[bytes]],
        stream_time: Callable[[], datetime | None],
        send: SendRequest,
    ) -> None:
        self.due = due
        self.customers = customers
        self.stream_time = stream_time
        self.send = send
        self._requested: dict[bytes, bytes] = {}  # key -> due value already requested
        self._sweep_pending = False

    def request_sweep(self) -> None:
        """Ask for every local customer to be decided again (a new policy version)."""
        self._sweep_pending = True

    async def tick(self) -> int:
        """One pass: returns how many requests were sent."""
        sent = 0
        if self._sweep_pending:
            self._sweep_pending = False
            request = ReevaluationRequest(why="policy_change").model_dump_json().encode()
            for key in list(self.customers()):
                await self.send(key, request)
                sent += 1
            log.info("policy change: %d customers queued for re-evaluation", sent)
        now = self.stream_time()
        if now is None:
            return sent  # nothing processed yet: no notion of time
        for key, value in list(self.due.items()):
            if self._requested.get(key) == value:
                continue  # requested already; the decision will replace the due time
            if datetime.fromisoformat(value.decode()) <= now:
                await self.send(key, ReevaluationRequest(why="due", at=now)
                                .model_dump_json().encode())
                self._requested[key] = value
                sent += 1
        # Forget requests whose due time has since been replaced or cleared.
        for key in [k for k, v in self._requested.items() if self.due.get(k) != v]:
            del self._requested[key]
        return sent
