"""Reading a py-spy `--format raw` profile (collapsed stacks) into the top frames.

Each line is `frame;frame;...;leaf COUNT`. Self time goes to the leaf; inclusive time
to every distinct frame on the stack. Idle samples (the event loop waiting in
select/epoll) are reported apart, so the shares are of busy time.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

_LINE = re.compile(r":\d+\)$")
_IDLE = ("select (selectors.py", "poll (selectors.py", "_run_once (asyncio")


def parse(text: str) -> list[tuple[list[str], int]]:
    """Stacks with line numbers dropped, so a function's samples add up."""
    stacks = []
    for line in text.splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            frames = [_LINE.sub(")", f) for f in stack.split(";")]
            stacks.append((frames, int(count)))
    return stacks


def top_frames(stacks: list[tuple[list[str], int]], n: int = 25) -> tuple[int, int, list[
        tuple[str, int, int]]]:
    """(busy samples, idle samples, [(frame, self, inclusive)] by inclusive time)."""
    own: Counter[str] = Counter()
    incl: Counter[str] = Counter()
    busy = idle = 0
    for frames, count in stacks:
        leaf = frames[-1] if frames else ""
        if any(leaf.startswith(i) for i in _IDLE):
            idle += count
            continue
        busy += count
        own[leaf] += count
        for f in set(frames):
            incl[f] += count
    ranked = sorted(incl, key=lambda f: incl[f], reverse=True)
    return busy, idle, [(f, own[f], incl[f]) for f in ranked[:n]]


def summarize_profile(path: Path, n: int = 45) -> str:
    busy, idle, rows = top_frames(parse(path.read_text()), n)
    total = max(busy, 1)
    lines = [f"py-spy: {busy} busy samples, {idle} idle; share of busy time (self / incl):"]
    lines += [f"  {own / total:6.1%} {inc / total:6.1%}  {frame}" for frame, own, inc in rows]
    own_rank = sorted(((o, f) for f, o, _ in top_frames(parse(path.read_text()), 10**6)[2]),
                      reverse=True)[:n]
    lines.append("top self time:")
    lines += [f"  {o / total:6.1%}  {f}" for o, f in own_rank]
    return "\n".join(lines)
