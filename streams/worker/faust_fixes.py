"""Three fixes to faust 0.15.3: the recovery hand-over, and exactly_once commits.

A worker that had just restored its tables from the changelog (after losing its
local store, or taking over a killed worker's partitions) sometimes never committed
another input offset: everything was processed, the group's lag stayed put, and
only a restart moved it on. Traced in faust's own bookkeeping, two causes:

1. **Resume before seek.** `Recovery.on_recovery_completed` (and `_resume_streams`,
   its path without tables) resumes the stream partitions and only then seeks them
   back to their committed offsets. Records fetched in between are delivered, then
   fetched again from the committed offset. faust's ack list gets holes and
   duplicates (its upstream issue #596), and a hole at the head of a partition
   blocks every later commit of that partition. Faust already does flow control in
   the safe order (its PR #217); here the partitions are sought first, then resumed.

2. **Nothing committed yet.** `perform_seek` only seeks partitions that *have* a
   committed offset (aiokafka skips the others). If a worker died before its first
   commit, its successor prefetches those partitions during recovery, the recovery
   clears its queues, and no seek brings the records back: the prefetched records
   are never processed or acknowledged, so the partition never commits. Here
   stream partitions without a committed offset go back to their beginning, which
   is where `consumer_auto_offset_reset="earliest"` starts a new group anyway.

3. **exactly_once: a transaction committed before the table's writes reach it.**
   A table write is queued in faust's producer buffer (`send_soon`). Before an
   at-least-once offset commit faust flushes that buffer; before a transaction
   commit it does not. A state update queued just before a commit then lands in
   the *next* transaction, and a crash aborts it, while the offset that covers the
   event is already committed: the event is lost from the state (kill -9 test,
   about 1 run in 20). Here the buffer is flushed before every transaction commit.

Re-reading is safe: applying an event a second time is a no-op (the core drops a
repeated `event_id`). The methods below are faust's own with only those changes;
`install()` puts them in place once, from `create_app`, never at import.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiokafka.structs import TopicPartition
from faust.tables.recovery import Recovery
from faust.transport.consumer import Consumer, ThreadDelegateConsumer, TransactionManager

_faust_perform_seek = Consumer.perform_seek
_faust_transaction_commit = TransactionManager.commit
_installed = False


async def perform_seek(consumer: Any) -> None:
    """Consumer.perform_seek, then never-committed stream partitions to their start."""
    await _faust_perform_seek(consumer)
    changelogs = consumer.app.tables.changelog_topics
    never_committed = sorted(
        tp for tp in consumer.assignment()
        if tp.topic not in changelogs and not consumer._committed_offset.get(tp)
    )
    if never_committed:
        consumer.log.info("Never committed, read from their start: %s",
                          ", ".join(f"{tp.topic}[{tp.partition}]" for tp in never_committed))
        await consumer._thread.seek_to_beginning(
            *(TopicPartition(tp.topic, tp.partition) for tp in never_committed))
        for tp in never_committed:
            consumer._read_offset[tp] = None


async def commit_transactions(
    manager: Any, offsets: Any, start_new_transaction: bool = True
) -> bool:
    """TransactionManager.commit, after the queued table writes joined the transaction."""
    await manager.app.producer.flush()
    result: bool = await _faust_transaction_commit(manager, offsets, start_new_transaction)
    return result


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


def install() -> None:
    """Put the fixed methods in place (idempotent)."""
    global _installed
    if _installed:
        return
    Recovery.on_recovery_completed = on_recovery_completed  # type: ignore[method-assign]
    Recovery._resume_streams = resume_streams  # type: ignore[method-assign]
    ThreadDelegateConsumer.perform_seek = perform_seek  # type: ignore[method-assign,assignment]
    TransactionManager.commit = commit_transactions  # type: ignore[method-assign,assignment]
    _installed = True
