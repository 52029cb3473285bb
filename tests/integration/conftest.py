"""Fixtures for tests against the real local broker (`scripts/kafka-local.sh start`)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from streams.kafka.topics import create_topics
from tests.integration.harness import BOOTSTRAP, WorkerProcess, unique_settings
from tierstream.settings import Settings


@pytest.fixture(scope="session", autouse=True)
def broker_answers() -> None:
    """Fail loudly (never skip) when no broker answers: CI must not pass without Kafka."""
    host, _, port = BOOTSTRAP.rpartition(":")
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except OSError as exc:
        pytest.fail(f"no Kafka broker at {BOOTSTRAP} ({exc}); run scripts/kafka-local.sh start")


@pytest.fixture
async def settings(tmp_path: Path) -> Settings:
    s = unique_settings(tmp_path)
    await create_topics(s)
    return s


@pytest.fixture
def worker(settings: Settings, tmp_path: Path) -> Iterator[WorkerProcess]:
    w = WorkerProcess(settings, tmp_path / "worker.log")
    yield w
    w.stop()
