"""How far a long command is, on stderr: a bar on a terminal, plain lines in logs.

On a terminal, a tqdm bar over the bytes read (so the ETA is known when the file
size is) with the events decided per second; elsewhere (a log, a pipe) one plain
line every few seconds, since a bar's carriage returns would fill a log with junk.
`ReplayProgress` counts bytes of a file; `CountProgress` counts records or events.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import Self, TextIO

from tqdm import tqdm  # type: ignore[import-untyped]  # no type information shipped

_BAR = "{desc}: {percentage:3.0f}%|{bar}| {n_fmt}B/{total_fmt}B [{elapsed}<{remaining}{postfix}]"
_BAR_NO_SIZE = "{desc}: {n_fmt}B [{elapsed}{postfix}]"


class _Bar(tqdm):  # type: ignore[misc]  # tqdm is untyped
    """A bar without tqdm's monitor thread (it only tunes the refresh of slow bars):
    `replay --jobs` forks its jobs only from a process with a single thread."""

    monitor_interval = 0


class _Progress:
    """What both kinds share: the rate, the closing line in a log, the context."""

    what: str
    unit: str
    stream: TextIO
    clock: Callable[[], float]
    started: float
    printed: bool
    bar: tqdm | None

    def _count(self) -> int:
        raise NotImplementedError

    def _rate(self, now: float) -> float:
        elapsed = now - self.started
        return self._count() / elapsed if elapsed > 0 else 0.0

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        elif self.printed:  # a log that saw progress also sees the end
            now = self.clock()
            print(f"{self.what}: done, {self._count():,} {self.unit} in "
                  f"{now - self.started:,.0f}s ({self._rate(now):,.0f} {self.unit}/s)",
                  file=self.stream, flush=True)
            self.printed = False

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


class ReplayProgress(_Progress):
    """`progress(bytes read, events decided)`; use as a context manager."""

    def __init__(
        self,
        total_bytes: int | None,
        what: str = "replay",
        stream: TextIO = sys.stderr,
        every_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total, self.what, self.stream, self.unit = total_bytes, what, stream, "events"
        self.every, self.clock = every_seconds, clock
        self.started = self.last = clock()
        self.events = 0
        self.printed = False
        self.bar: tqdm | None = None
        if stream.isatty():
            self.bar = _Bar(total=total_bytes, desc=what, file=stream, unit="B",
                            unit_scale=True, unit_divisor=1024, dynamic_ncols=True,
                            bar_format=_BAR if total_bytes else _BAR_NO_SIZE)

    def __call__(self, read: int, events: int) -> None:
        self.events = events
        now = self.clock()
        if self.bar is not None:
            self.bar.set_postfix_str(f"{events:,} events, {self._rate(now):,.0f} events/s",
                                     refresh=False)
            self.bar.update(read - self.bar.n)
        elif now - self.last >= self.every:
            self.last = now
            self._line(read, now)

    def _count(self) -> int:
        return self.events

    def _line(self, read: int, now: float) -> None:
        text = f"{self.what}: {self.events:,} events, {self._rate(now):,.0f} events/s"
        if self.total:
            done = min(read / self.total, 1.0)
            elapsed = now - self.started
            eta = elapsed * (1 - done) / done if done > 0 else 0.0
            text += f", {done:.0%} of {self.total / 1e6:,.1f} MB, ETA {eta:,.0f}s"
        print(text, file=self.stream, flush=True)
        self.printed = True



class CountProgress(_Progress):
    """`progress(done)` for work counted in items (records sent, events written).

    With a known `total` the bar (or line) has a percentage and an ETA; without one,
    the count and the rate. Use as a context manager."""

    def __init__(
        self,
        total: int | None,
        what: str,
        unit: str = "records",
        stream: TextIO = sys.stderr,
        every_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total, self.what, self.unit, self.stream = total, what, unit, stream
        self.every, self.clock = every_seconds, clock
        self.started = self.last = clock()
        self.done = 0
        self.printed = False
        self.bar: tqdm | None = None
        if stream.isatty():
            self.bar = _Bar(total=total, desc=what, file=stream, unit=f" {unit}",
                            unit_scale=True, dynamic_ncols=True)

    def __call__(self, done: int) -> None:
        self.done = done
        if self.bar is not None:
            self.bar.update(done - self.bar.n)
            return
        now = self.clock()
        if now - self.last >= self.every:
            self.last = now
            self._line(now)

    def _count(self) -> int:
        return self.done

    def _line(self, now: float) -> None:
        rate = self._rate(now)
        text = f"{self.what}: {self.done:,} {self.unit}, {rate:,.0f} {self.unit}/s"
        if self.total:
            left = max(self.total - self.done, 0)
            eta = f", ETA {left / rate:,.0f}s" if rate > 0 else ""
            text += f", {min(self.done / self.total, 1.0):.0%} of {self.total:,}{eta}"
        print(text, file=self.stream, flush=True)
        self.printed = True

