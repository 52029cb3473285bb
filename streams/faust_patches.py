"""A work-around for faust 0.15.3's recovery: seek stream partitions before resuming them.

After restoring tables from their changelogs, faust's `Recovery` resumes the stream
partitions and only then seeks them to their committed offsets. A fetch issued in
between can race the seek; in our tests a worker that had lost its local store then
stopped consuming some partitions, with no error, in 2 to 3 runs of 4. With the two
steps in the safe order (seek, then resume), as faust already does for the flow
control since its PR #217, the same test passed 8 runs of 8. The two methods below
are faust's own, with only that order changed; `apply_patches` installs them once.
"""

from __future__ import annotations

import asyncio
from typing import Any

from faust.tables.recovery import Recovery


async def _seek_then_resume(recovery: Any) -> None:
    consumer = recovery.app.consumer
    assignment = consumer.assignment()
    if assignment:
        recovery.log.info("Seek stream partitions to committed offsets, then resume them.")
        await recovery._wait(
            consumer.perform_seek(), timeout=recovery.app.conf.broker_request_timeout
        )
        consumer.resume_partitions(
            {tp for tp in assignment if not recovery._is_changelog_tp(tp)}
        )


async def _start_streams(recovery: Any, standbys_ready: bool) -> None:
    app = recovery.app
    recovery.completed.set()
    app.flow_control.resume()
    app.consumer.resume_flow()
    await app._fetcher.maybe_start()
    recovery.tables.on_actives_ready()
    if standbys_ready:
        recovery.tables.on_standbys_ready()
    app.on_rebalance_end()
    recovery.log.info("Worker ready")


async def on_recovery_completed(self: Any, generation_id: int = 0) -> None:
    """Recovery.on_recovery_completed, seeking before resuming."""
    self.log.info("Restore complete!")
    await self.app.on_rebalance_complete.send()
    self._set_recovery_ended()
    callbacks = [
        asyncio.ensure_future(table.on_recovery_completed(
            self.actives_for_table[table], self.standbys_for_table[table]))
        for table in self.tables.values()
    ]
    if callbacks:
        await asyncio.wait(callbacks)
    if self.app.consumer_generation_id != generation_id:
        self.log.warning("Recovery rebalancing again: generation %r, not %r",
                         self.app.consumer_generation_id, generation_id)
        return
    await _seek_then_resume(self)
    await _start_streams(self, standbys_ready=not self.app.assignor.assigned_standbys())


async def resume_streams(self: Any, generation_id: int = 0) -> None:
    """Recovery._resume_streams (the path without tables to restore), seeking first."""
    await self.app.on_rebalance_complete.send()
    if self.app.consumer_generation_id != generation_id:
        self.log.warning("Recovery rebalancing again")
        return
    await _seek_then_resume(self)
    await _start_streams(self, standbys_ready=True)


def apply_patches() -> None:
    """Install the work-around (idempotent)."""
    Recovery.on_recovery_completed = on_recovery_completed  # type: ignore[method-assign]
    Recovery._resume_streams = resume_streams  # type: ignore[method-assign]
