"""Starting a worker process: load the policy (fail fast), build the app, run it."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import faust

from streams.app import create_app
from streams.local_state import discard_uncommitted_local_state
from streams.topics import create_topics
from tierstream.policy import load_policy
from tierstream.settings import Settings

log = logging.getLogger(__name__)


def run_worker(settings: Settings) -> None:
    """Blocks until the worker is stopped (SIGINT/SIGTERM); a bad policy raises first."""
    policy = load_policy(settings.policy_file)
    # faust ignores a source topic that is missing when it starts (and the broker may then
    # auto-create it with one partition), so make sure every topic exists first.
    asyncio.run(create_topics(settings))
    tier_app = create_app(settings, policy)
    discard_uncommitted_local_state(settings, Path(tier_app.app.conf.tabledir))
    log.info("policy %s loaded from %s", policy.version, settings.policy_file)
    worker = faust.Worker(tier_app.app, loglevel=settings.log_level)
    # faust's terminal spinner sets the root logger to DEBUG when the level is WARNING or
    # higher, so every library's debug record gets built (a few % of the worker's time).
    worker.spinner = None
    worker.execute_from_commandline()
