"""A golden corpus: synthetic event streams whose offline decisions are pinned by hash.

Before the core is rewritten for speed, every output of `replay` over these streams
is recorded (`record.py` writes `digests.json`) and `test_golden.py` proves a later
commit still produces the same bytes. Only `decided_at` may differ, and even that is
fixed here by a constant clock, so the comparison is exact and needs no broker.

The input stream is hashed too: a failure then tells whether the generator changed
(the inputs differ) or the decisions did (same inputs, different outputs).
What is pinned is the replay's output files, as `replay --out` writes them:
`replay_under_test` makes any commit's replay write them, and `outputs_of` is the one
place that reads them.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import tempfile
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple, Protocol, TypedDict, cast

from tierstream.demo.generator import generate
from tierstream.policy import Policy, load_policy

DECIDED_AT = datetime(2027, 1, 1, tzinfo=UTC)
"""The fixed decision time. It also bounds which event times are plausible, so it must
stay within a year of the generated events (2026-01 to early 2027)."""
MAX_BYTES = 65536
KINDS = ("tier_changes", "alerts", "latest", "rejected", "summary")
PER_CUSTOMER = ("tier_changes", "alerts")  # whose order across customers is not promised
VOLATILE_FIELD = "decided_at"
DIGESTS_FILE = Path(__file__).resolve().parent / "digests.json"

REPLAY_MODULES = ("tierstream.offline.replay", "tierstream.replay")
"""Where the replay lives, newest layout first: the corpus then runs unchanged on commits
from before and after the package restructuring, which is what a diff of dumps needs."""

RISKY_PERSONAS = ("struggler", "late_payer", "income_drop", "mortgage_payoff", "override")


class GeneratorArgs(TypedDict):
    """Keyword arguments of `tierstream.demo.generator.generate`, all spelled out."""

    customers: int
    seed: int
    invalid_ratio: float
    id_prefix: str
    personas: tuple[str, ...] | None


class Case(NamedTuple):
    name: str
    args: GeneratorArgs


CASES: list[Case] = [
    Case("seed7_clean", GeneratorArgs(
        customers=1200, seed=7, invalid_ratio=0.0, id_prefix="", personas=None)),
    Case("seed11_dead_letters_5pct", GeneratorArgs(
        customers=1000, seed=11, invalid_ratio=0.05, id_prefix="R1-", personas=None)),
    Case("seed23_dead_letters_25pct", GeneratorArgs(
        customers=500, seed=23, invalid_ratio=0.25, id_prefix="", personas=None)),
    Case("seed42_risky_personas", GeneratorArgs(
        customers=500, seed=42, invalid_ratio=0.02, id_prefix="X-", personas=RISKY_PERSONAS)),
]


class ReplayFn(Protocol):
    """The replay under test, writing its output files into `out`."""

    def __call__(
        self,
        lines: list[bytes],
        policy: Policy,
        out: Path,
        *,
        clock: Callable[[], datetime],
        max_bytes: int,
    ) -> object: ...


def replay_under_test() -> ReplayFn:
    """The replay of the checked-out commit, whichever layout it has: the streaming
    `replay_into`, or `replay` then `write_outputs` on commits from before it."""
    for name in REPLAY_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name is None or not (name + ".").startswith(exc.name + "."):
                raise  # the module exists but one of its imports is broken
            continue
        if hasattr(module, "replay_into"):
            return cast(ReplayFn, partial(_streaming, module))
        return cast(ReplayFn, partial(_in_memory, module))
    raise ImportError(f"no replay function in any of {', '.join(REPLAY_MODULES)}")


def _streaming(module: Any, lines: list[bytes], policy: Policy, out: Path, *,
               clock: Callable[[], datetime], max_bytes: int) -> object:
    return module.replay_into(out, lines, policy, clock=clock, max_bytes=max_bytes)


def _in_memory(module: Any, lines: list[bytes], policy: Policy, out: Path, *,
               clock: Callable[[], datetime], max_bytes: int) -> object:
    result = module.replay(lines, policy, clock=clock, max_bytes=max_bytes)
    return module.write_outputs(result, out)


def canonical(obj: Mapping[str, Any]) -> str:
    """One JSON line with sorted keys and no volatile field: equal data, equal bytes."""
    stable = {k: v for k, v in obj.items() if k != VOLATILE_FIELD}
    return json.dumps(stable, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


FILES = {  # output kind -> the file `replay --out` writes it to
    "tier_changes": "customer-tier-changes.jsonl",
    "alerts": "customer-alerts.jsonl",
    "latest": "customer-tiers.jsonl",
    "rejected": "rejected.jsonl",
}


def outputs_of(out: Path) -> dict[str, list[str]]:
    """The canonical text lines of every output kind. The only function that reads the
    output files.

    Tier changes and alerts are taken customer by customer (customers sorted by id),
    each customer's in file order: that order is what the replay promises (a
    consumer can rely on no other), and it is the same whether a replay decides in
    file order, customer by customer, or in several jobs. Latest tiers are sorted by
    customer and rejected lines by line number in the files themselves."""
    outputs = {}
    for kind, name in FILES.items():
        bodies = [json.loads(line)
                  for line in (out / name).read_text(encoding="utf-8").splitlines()]
        if kind in PER_CUSTOMER:
            bodies.sort(key=lambda body: str(body["customer_id"]))  # stable: file order kept
        outputs[kind] = [canonical(body) for body in bodies]
    outputs["summary"] = [canonical(json.loads((out / "summary.json").read_text("utf-8")))]
    return outputs


def events_of(case: Case) -> list[bytes]:
    """The case's input: record values only, one event per line (replay has no keys)."""
    return [record.value for record in generate(**case.args)]


def _sha256(lines: Iterable[str | bytes]) -> str:
    """Hash of the lines joined by newlines (text as UTF-8)."""
    return hashlib.sha256(
        b"\n".join(x.encode() if isinstance(x, str) else x for x in lines)
    ).hexdigest()


def digest_case(
    case: Case,
    replay_fn: ReplayFn,
    policy: Policy | None = None,
    dump_dir: Path | None = None,
) -> dict[str, Any]:
    """Replay the case with the fixed clock and return its JSON-able digest. With
    `dump_dir`, also write the input and the canonical lines to `dump_dir/<case>/`,
    so two commits' dumps can be diffed to find the first differing output."""
    events = events_of(case)
    with tempfile.TemporaryDirectory(prefix="golden-") as out:
        replay_fn(events, policy or load_policy(), Path(out), clock=lambda: DECIDED_AT,
                  max_bytes=MAX_BYTES)
        outputs = outputs_of(Path(out))
    if dump_dir is not None:
        dump(case.name, events, outputs, dump_dir)
    return {
        "args": json.loads(json.dumps(case.args)),  # tuples as lists, as in digests.json
        "events": len(events),
        "input_sha256": _sha256(events),
        "outputs": {
            kind: {"lines": len(outputs[kind]), "sha256": _sha256(outputs[kind])}
            for kind in KINDS
        },
    }


def dump(name: str, events: list[bytes], outputs: Mapping[str, list[str]], root: Path) -> Path:
    """Write `input.jsonl` and one `<kind>.jsonl` per output kind; returns the folder."""
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "input.jsonl").write_bytes(b"".join(e + b"\n" for e in events))
    for kind in KINDS:
        text = "".join(line + "\n" for line in outputs[kind])
        (folder / f"{kind}.jsonl").write_text(text, encoding="utf-8")
    return folder


def load_digests(path: Path = DIGESTS_FILE) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data
