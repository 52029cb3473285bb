"""What every `tierstream` command shares: the expected-failure error, running a
coroutine against Kafka, argument types and one-line error texts.

Argument types reject bad values at parse time (argparse prints usage and exits 2),
so a command never starts half-way on a value it cannot use.
"""

from __future__ import annotations

import argparse
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import ValidationError

if TYPE_CHECKING:
    from tierstream.settings import Settings

T = TypeVar("T")


class CliError(Exception):
    """An expected failure: printed as one line, exit status 2."""


def run_async(coro: Coroutine[Any, Any, T], settings: Settings) -> T | None:
    """Run a Kafka-facing coroutine; an unreachable broker, a refused login, an
    untrusted certificate (streams/kafka/connect_errors.py) or any request the broker
    refuses is one line; Ctrl-C is None."""
    import asyncio

    from aiokafka.errors import KafkaConnectionError, KafkaError

    from streams.kafka.connect_errors import ClientErrors, connection_failure
    from streams.kafka.existing import MissingTopics
    from streams.kafka.security import SecurityConfigError

    try:
        check_bootstrap_servers(settings.bootstrap_servers)
    except CliError:
        coro.close()  # never started: no "never awaited" warning
        raise
    client_errors = ClientErrors()
    try:
        with client_errors.capture():
            return asyncio.run(coro)
    except KafkaConnectionError as exc:
        raise CliError(connection_failure(settings, client_errors.causes, exc)) from None
    except (SecurityConfigError, MissingTopics) as exc:
        raise CliError(str(exc)) from None
    except KafkaError as exc:  # the broker refused a request: say which, not a traceback
        raise CliError(f"Kafka at {settings.bootstrap_servers} refused the request: "
                       f"{type(exc).__name__}: {exc}") from None
    except KeyboardInterrupt:
        return None


def check_bootstrap_servers(servers: str) -> None:
    """CliError for a broker list the Kafka client would fail on with a traceback."""
    for server in servers.split(","):
        host, colon, port = server.strip().rpartition(":")
        if not server.strip() or (colon and not (host and port.isdigit())):
            raise CliError(f"bad settings: TIERSTREAM_BOOTSTRAP_SERVERS: {servers!r} is not "
                           "HOST:PORT[,HOST:PORT...]")


def non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def positive_int(text: str) -> int:
    value = non_negative_int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text}")
    return value


def ratio(text: str) -> float:
    value = non_negative_float(text)
    if value >= 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {text}")
    return value


def settings_error(exc: ValidationError) -> str:
    """One line naming the offending TIERSTREAM_* variables."""
    parts = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"]) or "settings"
        parts.append(f"TIERSTREAM_{field.upper()}: {err['msg']}")
    return "bad settings: " + "; ".join(parts)
