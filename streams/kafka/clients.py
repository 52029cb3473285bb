"""Starting an aiokafka client for one command and closing it however it ends.

A client whose `start` fails (broker unreachable, TLS refused) still holds sockets
and tasks: closing it then too is what keeps a failed command to its one line of
error, without an "Unclosed AIOKafkaProducer" warning after it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol, TypeVar


class Client(Protocol):
    async def start(self) -> Any: ...
    async def stop(self) -> Any: ...


C = TypeVar("C", bound=Client)


@asynccontextmanager
async def started(client: C) -> AsyncIterator[C]:
    """`client`, started; stopped when the block ends or when starting it fails."""
    try:
        await client.start()
    except BaseException:
        await client.stop()
        raise
    try:
        yield client
    finally:
        await client.stop()
