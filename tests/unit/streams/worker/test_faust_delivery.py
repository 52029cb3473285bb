"""faust's per-record race, taken without tasks when the delivery is done at once."""

from __future__ import annotations

import asyncio
import inspect

import pytest
from mode.services import Service

from streams.worker.faust_delivery import fast_wait_first


class Fetcher(Service):
    """A service standing for faust's consumer (the fetcher runs in it)."""


async def test_a_delivery_done_at_once_wins_without_starting_the_other_waits() -> None:
    started: list[str] = []

    async def deliver() -> str:
        started.append("deliver")
        return "delivered"

    async def suspended() -> None:
        started.append("suspended")

    tasks_before = len(asyncio.all_tasks())
    other = suspended()
    result = await fast_wait_first(Fetcher(), deliver(), other)
    assert (result.results, result.stopped) == (["delivered"], False)
    assert started == ["deliver"]  # the suspension was never awaited ...
    assert inspect.getcoroutinestate(other) == "CORO_CLOSED"  # ... closed, not left to warn
    assert len(asyncio.all_tasks()) == tasks_before


async def test_a_delivery_that_waits_still_loses_to_a_suspended_flow() -> None:
    """A full queue blocks the delivery; a rebalance suspends the flow: the delivery
    is abandoned (cancelled), as faust's own race does."""
    queue_has_room, flow_suspended = asyncio.Event(), asyncio.Event()
    cancelled: list[bool] = []

    async def deliver() -> str:
        try:
            await queue_has_room.wait()
        except asyncio.CancelledError:
            cancelled.append(True)
            raise
        return "delivered"

    async def suspend_soon() -> None:
        await asyncio.sleep(0.01)
        flow_suspended.set()

    waiter = asyncio.create_task(suspend_soon())
    result = await fast_wait_first(Fetcher(), deliver(), flow_suspended.wait())
    await waiter
    assert result.results == [True]  # the suspension's Event.wait() won
    await asyncio.sleep(0)  # the loser's cancellation runs
    assert cancelled == [True]


async def test_a_delivery_that_waits_and_then_finishes_returns_its_value() -> None:
    room = asyncio.Event()

    async def deliver() -> str:
        await room.wait()
        await asyncio.sleep(0)
        return "delivered"

    asyncio.get_running_loop().call_later(0.01, room.set)
    result = await fast_wait_first(Fetcher(), deliver(), asyncio.Event().wait())
    assert (result.results, result.stopped) == (["delivered"], False)


async def test_an_error_at_the_first_step_reaches_the_fetcher() -> None:
    async def deliver() -> None:
        raise ValueError("bad record")

    other = asyncio.Event().wait()
    with pytest.raises(ValueError, match="bad record"):
        await fast_wait_first(Fetcher(), deliver(), other)
    other.close()


async def test_a_stopped_service_takes_faust_s_path() -> None:
    fetcher = Fetcher()
    fetcher._stopped.set()

    async def deliver() -> str:
        return "delivered"

    result = await fast_wait_first(fetcher, deliver(), asyncio.Event().wait())
    assert result.stopped  # as Service.wait_first answers for a stopped service
