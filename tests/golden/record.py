"""Record the golden digests: `python -m tests.golden.record [--dump DIR]`.

Run on the commit whose decisions are the reference; it rewrites `digests.json` next
to this file. `--dump DIR` also writes every case's input and canonical output lines
under `DIR/<case>/`: dump the old and the new commit and diff the two folders to find
the first output that changed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from tierstream.policy import load_policy

from .corpus import CASES, DIGESTS_FILE, digest_case, replay_under_test


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.golden.record", description=__doc__)
    parser.add_argument("--dump", type=Path, metavar="DIR",
                        help="also write the canonical lines of every case under DIR")
    parser.add_argument("--output", type=Path, default=DIGESTS_FILE,
                        help="where to write the digests (default: %(default)s)")
    args = parser.parse_args(argv)
    policy, replay_fn = load_policy(), replay_under_test()
    digests = {}
    started = time.perf_counter()
    for case in CASES:
        t0 = time.perf_counter()
        digests[case.name] = digest_case(case, replay_fn, policy, args.dump)
        print(f"{case.name}: {digests[case.name]['events']} events, "
              f"{time.perf_counter() - t0:.1f}s", file=sys.stderr)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(digests, indent=2, sort_keys=True) + "\n",
                           encoding="utf-8")
    total = sum(d["events"] for d in digests.values())
    print(f"{len(digests)} cases, {total} events, {time.perf_counter() - started:.1f}s "
          f"-> {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
