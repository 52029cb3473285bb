"""`tierstream worker`: load the policy, create the topics, run a faust worker."""

from __future__ import annotations

import argparse
from typing import Any

from tierstream.cli.base import CliError, run_async
from tierstream.policy import load_policy
from tierstream.settings import Settings


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    from aiokafka.errors import KafkaConnectionError

    from streams.kafka.topics import create_topics
    from streams.worker.run import run_worker

    policy = load_policy(settings.policy_file)  # fail before faust starts, field named
    # faust ignores a source topic missing at its start (the broker may then auto-create
    # it with one partition): every topic exists first, and an unreachable broker is
    # reported in one line.
    run_async(create_topics(settings), settings)
    try:
        run_worker(settings, policy)
    except KafkaConnectionError as exc:  # the broker went away between the two
        raise CliError(f"cannot reach Kafka at {settings.bootstrap_servers}: {exc}") from None
    return 0


def register(sub: Any) -> None:
    sub.add_parser("worker", help="run a tiering worker").set_defaults(func=_worker)
