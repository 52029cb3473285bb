"""Live policy rollout: every worker follows the compacted policy topic.

`tierstream policy publish FILE` validates a policy file and writes it (key `active`)
to `TIERSTREAM_POLICY_TOPIC`. Each worker reads that topic from the beginning (it is
compacted: the latest record wins), validates what it reads again, and switches to
it without a restart: new events are decided under the new version at once, and
every local customer is queued for re-evaluation. A policy that fails validation is
refused: the old one stays active, and the worker logs why and counts it. The
policy file a worker starts with is only used until the topic has a valid policy.

A challenger (shadow) policy travels under key `challenger` on the same topic
(`publish --challenger`); an empty value or a tombstone stops it (`--clear`), and
`promote` publishes it as the champion, then clears it (docs/policies.md).
"""

from __future__ import annotations

import asyncio
import logging

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from streams.kafka.clients import started
from streams.kafka.existing import require_topics
from streams.kafka.policy_topic import read_latest, write
from streams.kafka.security import client_kwargs
from streams.telemetry.metrics import Metrics
from tierstream.policy import ActivePolicy, Policy, PolicyError, read_policy
from tierstream.policy.challenger import ChallengerPolicy
from tierstream.settings import Settings

log = logging.getLogger(__name__)

POLICY_KEY = b"active"
CHALLENGER_KEY = b"challenger"


async def publish_policy(settings: Settings, raw: bytes, source: str) -> Policy:
    """Validate a policy document and make it the active one for every worker."""
    policy = read_policy(raw, source)  # refuse locally first: never publish a bad policy
    # a missing topic would be auto-created uncompacted, losing the "latest wins" rollout
    await require_topics(settings, [settings.policy_topic])
    async with started(AIOKafkaProducer(acks="all", **client_kwargs(settings))) as producer:
        await producer.send_and_wait(settings.policy_topic, raw, key=POLICY_KEY)
    return policy


async def publish_challenger(settings: Settings, raw: bytes | None, source: str) -> Policy | None:
    """Validate a policy and make it every worker's challenger; None (`--clear`) stops
    the challenger. Returns the challenger published, if any."""
    policy = read_policy(raw, source) if raw is not None else None
    await require_topics(settings, [settings.policy_topic])
    await write(settings, [(CHALLENGER_KEY, raw)])
    return policy


class NoChallenger(Exception):
    """`promote` found no challenger on the policy topic."""


async def promote_challenger(settings: Settings) -> Policy:
    """Make the running challenger the champion (every worker switches and re-evaluates
    its customers), then stop it as a challenger. Read back from the topic, so what is
    promoted is what the workers ran."""
    await require_topics(settings, [settings.policy_topic])
    latest = await read_latest(settings, settings.policy_topic)
    raw = latest.get(CHALLENGER_KEY)
    if not raw:
        raise NoChallenger(f"no challenger policy on {settings.policy_topic}; publish one "
                           "with `tierstream policy publish FILE --challenger`")
    policy = read_policy(raw, f"{settings.policy_topic} (challenger)")
    await write(settings, [(POLICY_KEY, raw), (CHALLENGER_KEY, None)])  # in this order
    return policy


class PolicyFeed:
    """Applies policies from the topic to the worker (one per worker process)."""

    def __init__(self, settings: Settings, active: ActivePolicy, metrics: Metrics,
                 challenger: ChallengerPolicy | None = None) -> None:
        self.settings = settings
        self.active = active
        self.metrics = metrics
        self.challenger = challenger

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

    def offer_challenger(self, raw: bytes | None, source: str) -> bool:
        """Start, replace or (empty: stop) the challenger; True if it changed. A
        challenger that fails validation is refused and the running one kept."""
        if self.challenger is None:
            return False
        try:
            policy = read_policy(raw, source) if raw else None
        except PolicyError as exc:
            log.error("refused challenger policy from %s: %s", source, exc)
            self.metrics.policy_updates.labels("rejected").inc()
            return False
        old = self.challenger.current
        if (old.version if old else None) == (policy.version if policy else None):
            return False
        self.challenger.switch(policy)
        log.info("challenger policy %s (from %s)",
                 f"now {policy.version}" if policy else "stopped", source)
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
                    elif msg.key == CHALLENGER_KEY:
                        self.offer_challenger(
                            msg.value, f"{msg.topic}[{msg.partition}]@{msg.offset}")
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("policy topic %s: read failed; retrying",
                              self.settings.policy_topic)
                await asyncio.sleep(5)
            finally:
                await consumer.stop()
