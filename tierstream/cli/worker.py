"""`tierstream worker`: load the policy, create the topics, run a faust worker."""

from __future__ import annotations

import argparse
import socket
from typing import TYPE_CHECKING, Any

from tierstream.cli.base import CliError, run_async
from tierstream.policy import load_policy

if TYPE_CHECKING:
    from tierstream.settings import Settings


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    from aiokafka.errors import KafkaConnectionError

    from streams.kafka.topics import changelog_specs, create_topics, topic_specs
    from streams.worker.run import run_worker

    policy = load_policy(settings.policy_file)  # fail before faust starts, field named
    # faust reports a taken port with a traceback and a page of shutdown lines
    require_free_port(settings.web_bind or settings.web_host, settings.web_port)
    # faust ignores a source topic missing at its start (the broker may then auto-create
    # it with one partition): every topic exists first, and an unreachable broker is
    # reported in one line. The tables' changelogs too, with leaders elected: faust
    # creates them without waiting, and the first batch's state writes then went to
    # partitions without a leader, held back by the producer's retries.
    run_async(create_topics(settings, [*topic_specs(settings), *changelog_specs(settings)]),
              settings)
    try:
        run_worker(settings, policy)
    except KafkaConnectionError as exc:  # the broker went away between the two
        raise CliError(f"cannot reach Kafka at {settings.bootstrap_servers}: {exc}") from None
    return 0


def require_free_port(host: str, port: int) -> None:
    """CliError unless this process could listen on host:port now."""
    where = f"{host}:{port} (TIERSTREAM_WEB_BIND/TIERSTREAM_WEB_PORT)"
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        raise CliError(f"cannot listen on {where}: {exc.strerror}") from None
    with socket.socket(family, kind, proto) as probe:
        # as the web server will: a port a stopped worker left in TIME_WAIT is free
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise CliError(f"cannot listen on {where}: {exc.strerror}; is another worker "
                           "running there? Set TIERSTREAM_WEB_PORT to a free port") from None


def register(sub: Any) -> None:
    sub.add_parser("worker", help="run a tiering worker").set_defaults(func=_worker)
