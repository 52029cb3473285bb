"""The secured local broker (scripts/kafka-secure.sh) for the SASL_SSL integration tests.

`secured_broker()` starts it if nothing answers on its port (reusing one that does) and
stops it afterwards only if it started it, so a developer's running broker survives
the tests and CI needs nothing but `make test`. The client settings (user, password,
CA file) come from the script's `env` command: the tests use exactly what an operator
would export.
"""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.integration.harness import REPO, WorkerProcess, settings_env
from tierstream.settings import Settings

SCRIPT = REPO / "scripts" / "kafka-secure.sh"
PORT = os.environ.get("KAFKA_SECURE_PORT", "9094")  # the script's default
START_TIMEOUT = 240.0  # first start: certificates, storage format, broker start


@dataclass(frozen=True)
class SecureBroker:
    bootstrap: str
    env: dict[str, str] = field(repr=False)  # TIERSTREAM_* for a client, password too

    def settings_fields(self) -> dict[str, Any]:
        """Settings(...) keyword arguments for a client of this broker."""
        prefix = "TIERSTREAM_"
        return {k[len(prefix):].lower(): v for k, v in self.env.items()}


def _port_open(bootstrap: str) -> bool:
    host, _, port = bootstrap.rpartition(":")
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
    except OSError:
        return False
    return True


def _script(*args: str, timeout: float = 60.0) -> str:
    done = subprocess.run([str(SCRIPT), *args], capture_output=True, text=True,
                          timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"kafka-secure.sh {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def _client_env() -> dict[str, str]:
    env = {}
    for line in _script("env").splitlines():
        _, assignment = shlex.split(line)  # export NAME=value
        name, _, value = assignment.partition("=")
        env[name] = value
    return env


@contextmanager
def secured_broker() -> Iterator[SecureBroker]:
    started = not _port_open(f"127.0.0.1:{PORT}")  # else reuse it, and leave it running
    bootstrap = _script("start", timeout=START_TIMEOUT).splitlines()[-1].strip()
    env = _client_env()
    try:
        yield SecureBroker(bootstrap, env)
    finally:
        if started:
            _script("stop")


def cli_env(settings: Settings) -> dict[str, str]:
    """The environment of a `tierstream` process with these settings, password included
    (the settings hold it as a secret that prints as stars)."""
    env = settings_env(settings)
    env["TIERSTREAM_SASL_PASSWORD"] = settings.sasl_password.get_secret_value()
    return env


def tierstream(settings: Settings, *args: str,
               timeout: float = 90.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tierstream", *args], cwd=REPO,
                          env=cli_env(settings), capture_output=True, text=True,
                          timeout=timeout, check=False)


class SecureWorker(WorkerProcess):
    """`tierstream worker` with the broker password in its environment."""

    def __init__(self, settings: Settings, log_path: Path) -> None:
        self.settings = settings
        self.log_path = log_path
        self._log = log_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tierstream", "worker"],
            cwd=REPO, env=cli_env(settings), stdout=self._log, stderr=subprocess.STDOUT,
        )


def make_ca(folder: Path) -> Path:
    """A CA of our own that signed nothing the broker has: 'an untrusted CA'."""
    folder.mkdir(parents=True, exist_ok=True)
    ca = folder / "other-ca.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=some other CA", "-keyout", str(folder / "other-ca.key"),
                    "-out", str(ca)], capture_output=True, check=True, timeout=60)
    return ca
