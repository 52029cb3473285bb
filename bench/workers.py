"""Real `tierstream worker` processes for the benchmark, and what they cost in memory.

Mirrors tests/integration/harness.WorkerProcess: the worker runs the way an operator
runs it, configured only through TIERSTREAM_* variables. `profile_to` wraps it in
py-spy (a dev dependency) to record where its time goes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from pydantic import SecretStr

from tierstream.settings import Settings

REPO = Path(__file__).resolve().parents[1]


def settings_env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIERSTREAM_")}
    for name, value in settings.model_dump().items():
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        env[f"TIERSTREAM_{name.upper()}"] = str(value)
    return env


class BenchWorker:
    """One worker subprocess; its log goes to `log_path`."""

    def __init__(self, settings: Settings, log_path: Path, profile_to: Path | None = None,
                 command: tuple[str, ...] = ("tierstream", "worker")):
        """`command`: the module and arguments to run (`bench.faust_floor` for the floor)."""
        self.log_path = log_path
        Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
        self._log = log_path.open("wb")
        cmd = [sys.executable, "-m", *command]
        if profile_to is not None:
            spy = Path(sys.executable).with_name("py-spy")
            cmd = [str(spy), "record", "--format", "raw", "--rate", "200",
                   "-o", str(profile_to), "--", *cmd]
        self.proc = subprocess.Popen(cmd, cwd=REPO, env=settings_env(settings),
                                     stdout=self._log, stderr=subprocess.STDOUT)
        self.profiled = profile_to is not None

    def alive(self) -> bool:
        return self.proc.poll() is None

    def worker_pid(self) -> int:
        """The Python worker's pid (py-spy's child when profiled)."""
        if not self.profiled:
            return self.proc.pid
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        pids = children.read_text().split() if children.exists() else []
        return int(pids[0]) if pids else self.proc.pid

    def peak_rss_bytes(self) -> int:
        """VmHWM: the highest resident set size the process has had."""
        status = Path(f"/proc/{self.worker_pid()}/status").read_text()
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
        return 0

    def cpu_seconds(self) -> float:
        """User + system CPU time the worker has used so far."""
        fields = Path(f"/proc/{self.worker_pid()}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, timeout: float = 60.0) -> None:
        if self.profiled and self.alive():
            os.kill(self.worker_pid(), signal.SIGTERM)  # py-spy writes when its child ends
        elif self.alive():
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._log.close()
