"""Reading what is already on several topics in time order, not one topic after another.

A consumer returns each partition in offset order but interleaves partitions as its
fetches happen to arrive, so `tail --from-beginning` would show the tier changes,
then the alerts. Here each partition keeps a small buffer and the record with the
oldest timestamp among the partitions' heads goes next; a partition that still has
history but an empty buffer is fetched before anything is chosen. Memory stays at
about one fetch per partition.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Mapping

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

FETCH_WAIT_MS = 500


async def history_in_time_order(
    consumer: AIOKafkaConsumer, ends: Mapping[TopicPartition, int]
) -> AsyncIterator[ConsumerRecord[bytes, bytes]]:
    """Every record of the assigned partitions before `ends` (and whatever else the
    fetches brought), merged by record timestamp; ties go to the topic listed first."""
    rank = {tp.topic: i for i, tp in reversed(list(enumerate(ends)))}
    buffers: dict[TopicPartition, deque[ConsumerRecord[bytes, bytes]]] = {
        tp: deque() for tp in ends}
    unread = {tp for tp, end in ends.items() if await consumer.position(tp) < end}
    while True:
        empty = [tp for tp in unread if not buffers[tp]]
        if empty:
            fetched = await consumer.getmany(*empty, timeout_ms=FETCH_WAIT_MS)
            for tp, records in fetched.items():
                buffers[tp].extend(records)
            for tp in empty:
                if await consumer.position(tp) >= ends[tp]:
                    unread.discard(tp)
            continue
        heads = [(buf[0].timestamp, rank[tp.topic], tp.partition, tp)
                 for tp, buf in buffers.items() if buf]
        if not heads:
            return
        yield buffers[min(heads)[-1]].popleft()
