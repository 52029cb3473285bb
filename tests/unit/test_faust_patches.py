"""The recovery work-around seeks stream partitions before it resumes them."""

from __future__ import annotations

import asyncio
from typing import Any

from faust.tables.recovery import Recovery

from streams.faust_patches import apply_patches, on_recovery_completed, resume_streams


class _Recorder:
    """Stands in for faust's app, consumer, tables and recovery; records the call order."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        rec = self

        class Consumer:
            def assignment(self) -> set[str]:
                return {"input-0", "app-customer-state-changelog-0"}

            async def perform_seek(self) -> None:
                rec.calls.append("seek")

            def resume_partitions(self, tps: set[str]) -> None:
                rec.calls.append(f"resume {sorted(tps)}")

            def resume_flow(self) -> None:
                rec.calls.append("resume_flow")

        class Signal:
            async def send(self) -> None:
                rec.calls.append("rebalance_complete")

        class Fetcher:
            async def maybe_start(self) -> None:
                rec.calls.append("fetcher")

        class App:
            consumer = Consumer()
            on_rebalance_complete = Signal()
            consumer_generation_id = 3
            _fetcher = Fetcher()

            class conf:
                broker_request_timeout = 5.0

            class flow_control:
                @staticmethod
                def resume() -> None:
                    rec.calls.append("flow_control")

            class assignor:
                @staticmethod
                def assigned_standbys() -> set[str]:
                    return set()

            @staticmethod
            def on_rebalance_end() -> None:
                rec.calls.append("ready")

        class Tables:
            def on_actives_ready(self) -> None: ...

            def on_standbys_ready(self) -> None: ...

            def values(self) -> list[Any]:
                return []

        class Log:
            def info(self, *args: Any) -> None: ...

            def warning(self, *args: Any) -> None: ...

        class Completed:
            def set(self) -> None: ...

        self.app = App()
        self.tables = Tables()
        self.log = Log()
        self.completed = Completed()
        self.actives_for_table: dict[Any, Any] = {}
        self.standbys_for_table: dict[Any, Any] = {}

    async def _wait(self, coro: Any, timeout: float) -> None:
        await coro

    def _is_changelog_tp(self, tp: str) -> bool:
        return tp.endswith("changelog-0")

    def _set_recovery_ended(self) -> None: ...


def test_after_recovery_partitions_are_sought_before_they_are_resumed() -> None:
    rec = _Recorder()
    asyncio.run(on_recovery_completed(rec, generation_id=3))
    assert rec.calls.index("seek") < rec.calls.index("resume ['input-0']")
    assert rec.calls[-1] == "ready"  # and the worker still starts its streams


def test_without_tables_to_restore_the_same_order_holds() -> None:
    rec = _Recorder()
    asyncio.run(resume_streams(rec, generation_id=3))
    assert rec.calls.index("seek") < rec.calls.index("resume ['input-0']")


def test_a_newer_generation_leaves_the_partitions_paused() -> None:
    rec = _Recorder()
    asyncio.run(on_recovery_completed(rec, generation_id=2))
    assert "seek" not in rec.calls
    assert not any(c.startswith("resume") for c in rec.calls)


def test_apply_patches_installs_the_work_around() -> None:
    apply_patches()
    assert Recovery.on_recovery_completed is on_recovery_completed
    assert Recovery._resume_streams is resume_streams
