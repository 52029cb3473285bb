"""Creating the service's topics with the configured partitions, replication and compaction.

faust would create them too, but a producer that writes first would get the broker's
defaults (one partition); so the demo, the tests and operators create them up front.
"""

from __future__ import annotations

import contextlib

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from streams.kafka.security import client_kwargs
from tierstream.settings import Settings


def topic_specs(settings: Settings) -> list[NewTopic]:
    n, r = settings.partitions, settings.replication_factor
    plain = [settings.input_topic, settings.tier_changes_topic, settings.alerts_topic,
             settings.dlq_topic]
    specs = [NewTopic(name, n, r) for name in plain]
    specs.append(NewTopic(settings.latest_topic, n, r,
                          topic_configs={"cleanup.policy": "compact"}))
    specs.append(NewTopic(settings.reevaluation_topic, n, r))  # internal, co-partitioned
    specs.append(NewTopic(settings.policy_topic, 1, r,  # latest policy wins
                          topic_configs={"cleanup.policy": "compact"}))
    return specs


async def create_topics(settings: Settings) -> list[str]:
    """Create missing topics; returns the names created (existing ones are left alone)."""
    admin = AIOKafkaAdminClient(**client_kwargs(settings))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in topic_specs(settings) if t.name not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):  # another worker was faster
                await admin.create_topics(missing)
        return [t.name for t in missing]
    finally:
        await admin.close()
