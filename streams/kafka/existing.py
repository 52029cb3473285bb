"""Refusing to read or write topics that do not exist.

A broker with topic auto-creation makes a missing topic on first use, with its own
defaults (one partition, no compaction), which a worker later cannot use. The tools
check first and tell the user to create the topics the service's way instead.
"""

from __future__ import annotations

from collections.abc import Iterable

from aiokafka.admin import AIOKafkaAdminClient

from streams.kafka.security import client_kwargs
from tierstream.settings import Settings


class MissingTopics(Exception):
    """Topics the command needs are not on the broker."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        which = "topic " + names[0] if len(names) == 1 else "topics " + ", ".join(names)
        verb = "does" if len(names) == 1 else "do"
        super().__init__(f"{which} {verb} not exist; create the service's topics with "
                         "`tierstream topics create` (TIERSTREAM_PARTITIONS partitions each)")


async def require_topics(settings: Settings, names: Iterable[str]) -> dict[str, list[int]]:
    """The partition numbers of every named topic; `MissingTopics` if one does not
    exist (never creates one)."""
    wanted = list(dict.fromkeys(names))
    admin = AIOKafkaAdminClient(**client_kwargs(settings))
    try:
        await admin.start()
        existing = set(await admin.list_topics())  # all topics: no auto-creation
        missing = [name for name in wanted if name not in existing]
        if missing:
            raise MissingTopics(missing)
        described = await admin.describe_topics(wanted)
    finally:
        await admin.close()
    return {t["topic"]: sorted(p["partition"] for p in t["partitions"]) for t in described}
