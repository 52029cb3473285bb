"""The faust fixes: seek before resume, never-committed partitions from the start, and
queued table writes flushed into the transaction they belong to.

faust's app, consumer and recovery are replaced by small recorders, so each test
checks the order of calls (or the partitions sought) that decide whether a worker
that has just restored its tables goes on committing. The behaviour on the real
broker is covered by tests/integration/test_faults_*.py.
"""

from __future__ import annotations

from collections import defaultdict
from types import SimpleNamespace
from typing import Any

from aiokafka.structs import TopicPartition
from faust.tables.recovery import Recovery
from faust.transport.consumer import ThreadDelegateConsumer, TransactionManager
from faust.types import TP

from streams.worker import faust_fixes
from streams.worker.faust_fixes import (
    commit_transactions,
    on_recovery_completed,
    perform_seek,
    resume_streams,
)

INPUT_0, INPUT_1 = TP("input", 0), TP("input", 1)
CHANGELOG_0 = TP("app-customer-state-changelog", 0)


class _Recorder:
    """Stands in for faust's app, consumer, tables and recovery; records the call order."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        rec = self

        class Consumer:
            def assignment(self) -> set[TP]:
                return {INPUT_0, CHANGELOG_0}

            async def perform_seek(self) -> None:
                rec.calls.append("seek")

            def resume_partitions(self, tps: set[TP]) -> None:
                rec.calls.append(f"resume {sorted(tp.topic for tp in tps)}")

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
                def assigned_standbys() -> set[TP]:
                    return set()

            @staticmethod
            def on_rebalance_end() -> None:
                rec.calls.append("ready")

        class Tables:
            def on_actives_ready(self) -> None: ...

            def on_standbys_ready(self) -> None: ...

            def values(self) -> list[Any]:
                return []

        self.app = App()
        self.tables = Tables()
        self.log = _Log()
        self.completed = _Flag()
        self.actives_for_table: dict[Any, Any] = {}
        self.standbys_for_table: dict[Any, Any] = {}

    async def _wait(self, coro: Any, timeout: float) -> None:
        await coro

    def _is_changelog_tp(self, tp: TP) -> bool:
        return tp.topic.endswith("-changelog")

    def _set_recovery_ended(self) -> None: ...


class _Log:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def info(self, msg: str, *args: Any) -> None:
        self.lines.append(msg % args)

    def warning(self, msg: str, *args: Any) -> None:
        self.lines.append(msg % args)


class _Flag:
    def set(self) -> None: ...


async def test_after_recovery_partitions_are_sought_before_they_are_resumed() -> None:
    rec = _Recorder()
    await on_recovery_completed(rec, generation_id=3)
    assert rec.calls.index("seek") < rec.calls.index("resume ['input']")
    assert rec.calls[-1] == "ready"  # and the worker still starts its streams


async def test_without_tables_to_restore_the_same_order_holds() -> None:
    rec = _Recorder()
    await resume_streams(rec, generation_id=3)
    assert rec.calls.index("seek") < rec.calls.index("resume ['input']")


async def test_a_newer_generation_leaves_the_partitions_paused() -> None:
    rec = _Recorder()
    await on_recovery_completed(rec, generation_id=2)
    assert "seek" not in rec.calls
    assert not any(c.startswith("resume") for c in rec.calls)


class _SeekingConsumer:
    """What faust's perform_seek and ours touch on the consumer."""

    def __init__(self, committed: dict[TP, int | None]) -> None:
        self._committed_from_broker = committed
        self._committed_offset: defaultdict[TP, int | None] = defaultdict(lambda: None)
        self._read_offset: defaultdict[TP, int | None] = defaultdict(lambda: None)
        self.to_beginning: list[TopicPartition] = []
        self.log = _Log()
        consumer = self

        class Thread:
            async def seek_to_beginning(self, *tps: TopicPartition) -> None:
                consumer.to_beginning.extend(tps)

        class App:
            class tables:
                changelog_topics = frozenset({CHANGELOG_0.topic})

        self._thread = Thread()
        self.app = App()

    def assignment(self) -> set[TP]:
        return set(self._committed_from_broker)

    async def seek_to_committed(self) -> dict[TP, int | None]:
        return self._committed_from_broker


def _rewound(consumer: _SeekingConsumer) -> list[str]:
    return [line for line in consumer.log.lines if line.startswith("Never committed")]


async def test_a_partition_never_committed_is_read_from_its_start() -> None:
    consumer = _SeekingConsumer({INPUT_0: 120, INPUT_1: None, CHANGELOG_0: None})
    consumer._read_offset[INPUT_1] = 301  # prefetched during recovery, then dropped
    await perform_seek(consumer)
    assert consumer.to_beginning == [TopicPartition("input", 1)]
    assert consumer._read_offset[INPUT_1] is None  # nothing it re-reads is skipped
    assert consumer._committed_offset[INPUT_0] == 120  # faust's own seek still ran
    assert _rewound(consumer) == ["Never committed, read from their start: input[1]"]


async def test_committed_partitions_and_changelogs_are_left_where_faust_put_them() -> None:
    consumer = _SeekingConsumer({INPUT_0: 120, INPUT_1: 7, CHANGELOG_0: None})
    await perform_seek(consumer)
    assert consumer.to_beginning == []
    assert _rewound(consumer) == []


class _TransactionalProducer:
    """faust's producer under exactly_once: a buffer of queued writes, then transactions."""

    def __init__(self) -> None:
        self.buffered = ["customer-state-changelog record"]  # a table write, send_soon
        self.in_transaction: list[str] = []
        self.committed: list[tuple[list[str], dict[str, dict[TP, int]]]] = []

    async def flush(self) -> None:
        self.in_transaction = list(self.buffered)
        self.buffered.clear()

    async def commit_transactions(self, by_transactional_id: dict[str, dict[TP, int]],
                                  group_id: str, start_new_transaction: bool) -> None:
        self.committed.append((list(self.in_transaction), by_transactional_id))


async def test_a_transaction_commits_only_after_the_queued_table_writes_joined_it() -> None:
    producer = _TransactionalProducer()
    app = SimpleNamespace(producer=producer, conf=SimpleNamespace(id="tierstream"),
                          assignor=SimpleNamespace(group_for_topic=lambda topic: 0))
    manager = SimpleNamespace(app=app, producer=producer)
    assert await commit_transactions(manager, {INPUT_0: 120})
    writes, offsets = producer.committed[0]
    assert writes == ["customer-state-changelog record"]  # in the same transaction ...
    assert offsets == {"tierstream-0-0": {INPUT_0: 120}}  # ... as the offset covering it
    assert producer.buffered == []


def test_install_puts_the_fixes_in_place_once() -> None:
    faust_fixes.install()
    faust_fixes.install()
    assert Recovery.on_recovery_completed is on_recovery_completed
    assert Recovery._resume_streams is resume_streams
    assert ThreadDelegateConsumer.perform_seek is perform_seek
    assert TransactionManager.commit is commit_transactions
