"""The replay's `rejected.jsonl`, sorted by line number in bounded memory.

The replay decides customer by customer, so lines are rejected out of file order;
the file lists them by line, as whoever fixes the input reads it. Rejections are
held until `RUN` of them, then sorted and spilled as a run to a temporary folder
next to the file; `write` merges the runs and what is held into the file.
"""

from __future__ import annotations

import heapq
import json
import shutil
import tempfile
from pathlib import Path

RUN = 65_536  # rejections held in memory before they are spilled as a sorted run
_NUMBER = 20  # digits of the line number that prefixes a spilled line: sorts as bytes


def rejected_line(line: int, reason: str, detail: str) -> bytes:
    return (json.dumps({"line": line, "reason": reason, "detail": detail}) + "\n").encode()


class RejectedLines:
    def __init__(self, path: Path, run: int = RUN) -> None:
        self.path, self.run = path, run
        self._held: list[tuple[int, bytes]] = []
        self._runs: list[Path] = []
        self._folder: Path | None = None

    def add(self, line: int, reason: str, detail: str) -> None:
        self._held.append((line, rejected_line(line, reason, detail)))
        if len(self._held) >= self.run:
            self._spill()

    def write(self) -> None:
        """Write the file: every rejection so far, by line number."""
        self._held.sort()
        held = (b"%0*d%s" % (_NUMBER, line, text) for line, text in self._held)
        with self.path.open("wb") as target:
            runs = [run.open("rb") for run in self._runs]
            try:
                for prefixed in heapq.merge(held, *runs):
                    target.write(prefixed[_NUMBER:])
            finally:
                for run in runs:
                    run.close()
        self.close()

    def close(self) -> None:
        """Remove the spilled runs (also when the replay failed)."""
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder, self._runs = None, []
        self._held = []

    def _spill(self) -> None:
        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(prefix=".rejected-", dir=self.path.parent))
        run = self._folder / str(len(self._runs))
        self._held.sort()
        with run.open("wb") as f:
            f.writelines(b"%0*d%s" % (_NUMBER, line, text) for line, text in self._held)
        self._runs.append(run)
        self._held = []
