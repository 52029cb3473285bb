"""Running a worker process with a loaded policy, on topics that already exist."""

from __future__ import annotations

import logging
from pathlib import Path

import faust

from streams.worker.app import create_app
from streams.worker.gc_tuning import tune_gc
from streams.worker.local_state import discard_uncommitted_local_state
from streams.worker.loop import use_fast_loop
from tierstream.policy import Policy
from tierstream.settings import Settings

log = logging.getLogger(__name__)


def run_worker(settings: Settings, policy: Policy) -> None:
    """Blocks until the worker is stopped (SIGINT/SIGTERM). The caller has created the
    topics (`tierstream worker` does: streams/kafka/topics.py)."""
    use_fast_loop()
    tune_gc()
    tier_app = create_app(settings, policy)
    discard_uncommitted_local_state(settings, Path(tier_app.app.conf.tabledir))
    log.info("policy %s loaded from %s", policy.version, settings.policy_file)
    worker = faust.Worker(tier_app.app, loglevel=settings.log_level)
    # faust's terminal spinner sets the root logger to DEBUG when the level is WARNING or
    # higher, so every library's debug record gets built (a few % of the worker's time).
    worker.spinner = None
    worker.execute_from_commandline()
