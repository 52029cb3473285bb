"""Which partition a customer lives on: Kafka's default partitioner, murmur2 of the key.

The worker's table, the query API's routing and `replay --jobs` must all agree with
the producers' default partitioner, and the offline side must not load a Kafka
client, so the hash is written out here (Kafka's `Utils.murmur2`, checked against
the client library's in a test).
"""

from __future__ import annotations

from functools import lru_cache

_SEED = 0x9747B28C
_M = 0x5BD1E995
_MASK = 0xFFFFFFFF


def murmur2(data: bytes) -> int:
    """Kafka's 32-bit murmur2 of `data` (unsigned)."""
    length = len(data)
    h = (_SEED ^ length) & _MASK
    whole = length - length % 4
    for i in range(0, whole, 4):
        k = int.from_bytes(data[i:i + 4], "little")
        k = (k * _M) & _MASK
        k ^= k >> 24
        k = (k * _M) & _MASK
        h = ((h * _M) & _MASK) ^ k
    extra = length % 4
    if extra >= 3:
        h ^= data[whole + 2] << 16
    if extra >= 2:
        h ^= data[whole + 1] << 8
    if extra >= 1:
        h ^= data[whole]
        h = (h * _M) & _MASK
    h ^= h >> 13
    h = (h * _M) & _MASK
    h ^= h >> 15
    return h


@lru_cache(maxsize=1 << 16)
def default_partition(key: bytes, partitions: int) -> int:
    """The partition Kafka's default (murmur2) partitioner picks for `key`.

    Cached: the worker asks for each record twice (its table view and the pipeline's
    home check) and a customer's records come in runs; the hash is pure Python."""
    return (murmur2(key) & 0x7FFFFFFF) % partitions
