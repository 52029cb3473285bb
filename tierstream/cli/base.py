"""What every `tierstream` command shares: the expected-failure error, running a
coroutine against Kafka, argument types, progress lines and one-line error texts.

Argument types reject bad values at parse time (argparse prints usage and exits 2),
so a command never starts half-way on a value it cannot use.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, TextIO, TypeVar

from pydantic import ValidationError

from tierstream.settings import Settings

T = TypeVar("T")


class CliError(Exception):
    """An expected failure: printed as one line, exit status 2."""


def run_async(coro: Coroutine[Any, Any, T], settings: Settings) -> T | None:
    """Run a Kafka-facing coroutine; an unreachable broker is one line, Ctrl-C is None."""
    from aiokafka.errors import KafkaConnectionError

    try:
        with kafka_client_logs_quiet():
            return asyncio.run(coro)
    except KafkaConnectionError as exc:
        raise CliError(f"cannot reach Kafka at {settings.bootstrap_servers}: {exc}") from None
    except KeyboardInterrupt:
        return None


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


def progress_printer(what: str, stream: TextIO = sys.stderr) -> Callable[[int, float], None]:
    """A `progress(count, elapsed)` callback: one self-overwriting line on a terminal,
    a plain line per report otherwise (logs, pipes)."""
    live = stream.isatty()

    def report(count: int, elapsed: float) -> None:
        rate = count / elapsed if elapsed > 0 else 0.0
        line = f"{what} {count} records ({rate:.0f}/s, {elapsed:.0f}s)"
        if live:
            print("\r" + line, end="", file=stream, flush=True)
        else:
            print(line, file=stream, flush=True)

    return report


@contextlib.contextmanager
def kafka_client_logs_quiet() -> Iterator[None]:
    """Hide the Kafka client's own connection-error log lines while a command runs:
    the command reports an unreachable broker itself, in one line."""
    logger = logging.getLogger("aiokafka")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)
