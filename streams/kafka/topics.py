"""Creating the service's topics with the configured partitions, replication and compaction.

faust would create them too, but a producer that writes first would get the broker's
defaults (one partition); so the demo, the tests and operators create them up front.
The dead-letter topic gets a bounded retention (TIERSTREAM_DLQ_RETENTION_DAYS) when it
is created, the erasure audit topic none (it is the proof, docs/security.md); an
existing topic's configuration is left as it is.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from streams.kafka.security import client_kwargs
from tierstream.settings import Settings

STATE_TABLE = "customer-state"  # customer id -> CustomerState JSON
DUE_TABLE = "customer-due"  # customer id -> event time it is next due for re-evaluation
HISTORY_TABLE = "customer-history"  # customer id -> its published tier changes (docs/audit.md)
CHALLENGER_TABLE = "customer-challenger"  # customer id -> the challenger's bookkeeping
MS_PER_DAY = 24 * 60 * 60 * 1000
# Erasure audit records are kept until an operator sets the topic's retention.ms to
# the legal record-keeping period: they hold ids and who asked, no financial data.
ERASURES_CONFIGS = {"retention.ms": "-1"}


def changelog_topic(settings: Settings, table: str) -> str:
    """The compacted topic a worker's table is restored from (faust's naming)."""
    return f"{settings.app_id}-{table}-changelog"


def changelog_specs(settings: Settings) -> list[NewTopic]:
    """The tables' changelogs, as the worker creates them: compacted, co-partitioned."""
    n, r = settings.partitions, settings.replication_factor
    return [NewTopic(changelog_topic(settings, t), n, r,
                     topic_configs={"cleanup.policy": "compact"})
            for t in (STATE_TABLE, DUE_TABLE, HISTORY_TABLE, CHALLENGER_TABLE)]


def dlq_configs(settings: Settings) -> dict[str, str]:
    """Rejected records are kept long enough to inspect and replay, not forever: they
    may carry personal data nobody processes any more."""
    retention_ms = round(settings.dlq_retention_days * MS_PER_DAY)
    return {"retention.ms": str(retention_ms)}


def topic_specs(settings: Settings) -> list[NewTopic]:
    n, r = settings.partitions, settings.replication_factor
    plain = [settings.input_topic, settings.tier_changes_topic, settings.alerts_topic,
             settings.challenger_tier_changes_topic, settings.challenger_alerts_topic]
    specs = [NewTopic(name, n, r) for name in plain]
    specs.append(NewTopic(settings.dlq_topic, n, r, topic_configs=dlq_configs(settings)))
    specs.append(NewTopic(settings.latest_topic, n, r,
                          topic_configs={"cleanup.policy": "compact"}))
    specs.append(NewTopic(settings.reevaluation_topic, n, r))  # internal, co-partitioned
    specs.append(NewTopic(settings.erasures_topic, n, r, topic_configs=ERASURES_CONFIGS))
    specs.append(NewTopic(settings.policy_topic, 1, r,  # latest policy wins
                          topic_configs={"cleanup.policy": "compact"}))
    return specs


LEADER_WAIT_SECONDS = 30.0


async def create_topics(settings: Settings, specs: list[NewTopic] | None = None) -> list[str]:
    """Create missing topics (default: the service's); returns the names created
    (existing ones are left alone)."""
    admin = AIOKafkaAdminClient(**client_kwargs(settings))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = topic_specs(settings) if specs is None else specs
        missing = [t for t in wanted if t.name not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):  # another worker was faster
                await admin.create_topics(missing)
            await _leaders_elected(admin, [t.name for t in missing])
        return [t.name for t in missing]
    finally:
        await admin.close()


async def _leaders_elected(admin: AIOKafkaAdminClient, names: list[str],
                           timeout: float = LEADER_WAIT_SECONDS) -> None:
    """Wait until every partition of new topics has a leader. A topic is created
    before its partitions have one; a producer writing at once (backfill, the tests)
    then gets NotLeaderForPartition back instead of an acknowledgement."""
    deadline = time.monotonic() + timeout
    while True:
        described = await admin.describe_topics(names)
        if all(t["error_code"] == 0 and t["partitions"]
               and all(p["leader"] >= 0 for p in t["partitions"]) for t in described):
            return
        if time.monotonic() > deadline:
            return  # the producer's own retries take it from here
        await asyncio.sleep(0.1)
