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


def test_partitions_of_customer_ids_are_the_clients_and_spread_over_all() -> None:
    keys = [f"C{n:06d}".encode() for n in range(1, 200)]
    for partitions in (1, 4, 8, 12):
        for key in keys:
            assert default_partition(key, partitions) == (
                client_murmur2(key) & 0x7FFFFFFF) % partitions
    assert {default_partition(k, 8) for k in keys} == set(range(8))
