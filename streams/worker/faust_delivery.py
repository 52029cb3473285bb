"""A cheaper hand-over of each fetched record to the stream, in faust 0.15.3.

faust's fetcher hands every record to the streams' queues through
`Service.wait_first(deliver(record), suspend_flow.wait())`: a race between the
delivery and a rebalance suspending the flow, so that a delivery blocked on a full
queue is abandoned when partitions move. `wait_first` starts four tasks per record
(the delivery, the suspension, the service's stopped and crashed events), waits on
them, then cancels three: a sixth of the worker's time went there
(docs/performance.md). Almost every delivery never blocks: the queue has room and
the flow is not suspended, so it is done at its first step.

`fast_wait_first` takes that first step itself. A delivery done at once is the first
to finish, as it would have been in the race; the coroutines it was raced against
are closed unstarted. One that has to wait (a full queue, a suspended flow, a full
producer buffer) goes on inside `Service.wait_first`, raced as before. A stopped or
crashed service, or anything but coroutines, takes faust's path from the start.
"""

from __future__ import annotations

import types
from collections.abc import Coroutine, Generator
from typing import Any

from faust.transport.consumer import Consumer
from mode.services import Service, WaitResults

_original = Service.wait_first


async def fast_wait_first(self: Any, *coros: Any, timeout: Any = None) -> WaitResults:
    first = coros[0] if coros else None
    if (not isinstance(first, Coroutine) or self._stopped.is_set()
            or self._crashed.is_set()
            or not all(isinstance(c, Coroutine) for c in coros[1:])):
        return await _original(self, *coros, timeout=timeout)
    try:
        waiting_on = first.send(None)
    except StopIteration as done:  # delivered at its first step
        for other in coros[1:]:
            other.close()
        return WaitResults([first], [done.value], False)
    return await _original(self, _rest(first, waiting_on), *coros[1:], timeout=timeout)


async def _rest(coro: Coroutine[Any, Any, Any], waiting_on: Any) -> Any:
    return await _resume(coro, waiting_on)


@types.coroutine
def _resume(coro: Coroutine[Any, Any, Any], waiting_on: Any) -> Generator[Any, Any, Any]:
    """The rest of a coroutine whose first step already ran and yielded `waiting_on`:
    what `await coro` would have done from there (a `yield from` started mid-way)."""
    while True:
        try:
            sent = yield waiting_on
        except GeneratorExit:
            coro.close()
            raise
        except BaseException as exc:  # a cancellation, passed on to the coroutine
            try:
                waiting_on = coro.throw(exc)
            except StopIteration as done:
                return done.value
        else:
            try:
                waiting_on = coro.send(sent)
            except StopIteration as done:
                return done.value


def install() -> None:
    """Put `fast_wait_first` on faust's consumer (the fetcher's service), once."""
    Consumer.wait_first = fast_wait_first  # type: ignore[method-assign]
