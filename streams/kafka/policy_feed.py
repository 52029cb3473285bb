"""Live policy rollout: every worker follows the compacted policy topic.

`tierstream policy publish FILE` validates a policy file and writes it (key `active`)
to `TIERSTREAM_POLICY_TOPIC`. Each worker reads that topic from the beginning (it is
compacted: the latest record wins), validates what it reads again, and switches to
it without a restart: new events are decided under the new version at once, and
every local customer is queued for re-evaluation. A policy that fails validation is
refused: the old one stays active, and the worker logs why and counts it. The
policy file a worker starts with is only used until the topic has a valid policy.
"""

from __future__ import annotations

import asyncio
import logging

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from streams.kafka.existing import require_topics
from streams.kafka.security import client_kwargs
from streams.telemetry.metrics import Metrics
from tierstream.policy import ActivePolicy, Policy, PolicyError, read_policy
from tierstream.settings import Settings

log = logging.getLogger(__name__)

POLICY_KEY = b"active"


async def publish_policy(settings: Settings, raw: bytes, source: str) -> Policy:
    """Validate a policy document and make it the active one for every worker."""
    policy = read_policy(raw, source)  # refuse locally first: never publish a bad policy
    # a missing topic would be auto-created uncompacted, losing the "latest wins" rollout
    await require_topics(settings, [settings.policy_topic])
    producer = AIOKafkaProducer(acks="all", **client_kwargs(settings))
    try:
        await producer.start()
    except BaseException:  # e.g. broker unreachable: close it, no 'Unclosed' warning
        await producer.stop()
        raise
    try:
        await producer.send_and_wait(settings.policy_topic, raw, key=POLICY_KEY)
    finally:
        await producer.stop()
    return policy


class PolicyFeed:
    """Applies policies from the topic to the worker (one per worker process)."""

    def __init__(self, settings: Settings, active: ActivePolicy, metrics: Metrics) -> None:
        self.settings = settings
        self.active = active
        self.metrics = metrics

    def offer(self, raw: bytes, source: str) -> bool:
        """Validate a received policy and switch to it; True if it became active."""
        try:
            policy = read_policy(raw, source)
        except PolicyError as exc:
            log.error("refused policy from %s; keeping %s: %s", source,
                      self.active.current.version, exc)
            self.metrics.policy_updates.labels("rejected").inc()
            return False
        old = self.active.current
        if policy.version == old.version:
            self.metrics.policy_updates.labels("unchanged").inc()
            return False
        self.active.switch(policy)
        log.info("policy switched from %s to %s (from %s)", old.version, policy.version, source)
        self.metrics.policy_updates.labels("applied").inc()
        return True

    async def follow(self) -> None:
        """Read the policy topic until cancelled; reconnects after broker errors."""
        while True:
            consumer = AIOKafkaConsumer(
                self.settings.policy_topic, group_id=None, auto_offset_reset="earliest",
                enable_auto_commit=False, **client_kwargs(self.settings),
            )
            try:
                await consumer.start()
                async for msg in consumer:
                    if msg.key == POLICY_KEY and msg.value is not None:
                        self.offer(msg.value, f"{msg.topic}[{msg.partition}]@{msg.offset}")
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("policy topic %s: read failed; retrying",
                              self.settings.policy_topic)
                await asyncio.sleep(5)
            finally:
                await consumer.stop()
