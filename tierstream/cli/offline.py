"""`tierstream replay|whatif|explain`: the embedded mode, on files of events, no Kafka.

`explain --url` asks a running worker instead (its `/customers/{id}` endpoint),
with the bearer token of `TIERSTREAM_API_TOKEN`, else the first token of the file
`TIERSTREAM_API_TOKEN_FILE` names (the worker's own setting), else none.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tierstream.cli.base import CliError, non_negative_int, positive_int
from tierstream.cli.progress import ReplayProgress
from tierstream.core.state import CustomerState
from tierstream.offline.customer_order import Select
from tierstream.offline.jobs import JobFailed, replay_jobs
from tierstream.offline.replay import Replayed, replay, replay_into
from tierstream.offline.tally import Totals
from tierstream.offline.whatif import compare
from tierstream.policy import DEFAULT_POLICY_FILE, Policy, load_policy

if TYPE_CHECKING:
    from tierstream.settings import Settings


def _events_file(events: str) -> Path:
    path = Path(events)
    if not path.is_file():
        raise CliError(f"no such events file: {path}")
    return path


def _replay(
    path: Path, policy: Policy, select: Select | None = None,
    what: str = "replay",
) -> Replayed:
    """The replay behind `whatif` and `explain`: outputs not written, nor encoded."""
    with ReplayProgress(path.stat().st_size, what) as progress, path.open("rb") as lines:
        return replay(lines, policy, select=select, progress=progress)


def _replay_cmd(args: argparse.Namespace, settings: Settings | None) -> int:
    path, policy = _events_file(args.events), load_policy(args.policy)
    out = Path(args.out) if args.out else None
    paths: list[Path] = []
    with ReplayProgress(path.stat().st_size) as progress:
        if args.jobs > 1:
            try:
                totals, paths = replay_jobs(path, policy, args.jobs, out, progress=progress)
            except JobFailed as exc:
                raise CliError(str(exc)) from None
        else:
            totals, paths = _one_job(path, policy, out, progress)
    for written in paths:
        print(f"wrote {written}", file=sys.stderr)
    print(json.dumps(totals.summary(), indent=2))
    return 0


def _one_job(
    path: Path, policy: Policy, out: Path | None, progress: ReplayProgress
) -> tuple[Totals, list[Path]]:
    with path.open("rb") as lines:
        if out is None:
            return replay(lines, policy, progress=progress).tally.totals(), []
        result, paths = replay_into(out, lines, policy, progress=progress)
        return result.tally.totals(), paths


def _whatif_cmd(args: argparse.Namespace, settings: Settings | None) -> int:
    path = _events_file(args.events)
    old = _replay(path, load_policy(args.from_policy), what="whatif --from").tally
    new = _replay(path, load_policy(args.to_policy), what="whatif --to").tally
    report = compare(old, new, samples=args.samples)
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        from tierstream.cli.whatif_view import print_whatif  # rich: only for this view

        print_whatif(report)
    return 0


def render_explanation(body: dict[str, Any]) -> str:
    lines = [f"Customer {body['customer_id']}: tier {body['tier']}, grade {body['grade']} "
             f"(policy {body['policy_version']}, as of {body['as_of']})", "Why:"]
    lines += [f"  - {r['code']}: {r['message']}" for r in body["reasons"]]
    path = body.get("upgrade_path")
    if path and path.get("target"):
        lines.append(f"To reach tier {path['target']}:")
        lines += [f"  - {s['code']}: {s['message']}" for s in path["steps"]]
    elif path:
        lines.append("Already in the top tier.")
    return "\n".join(lines)


def explanation_from_replay(
    states: Mapping[str, CustomerState], customer: str, policy: Policy
) -> dict[str, Any]:
    from tierstream.explanation import explain

    state = states.get(customer)
    if state is None:
        raise CliError(f"customer {customer} has no applied event in the file")
    view = explain(state, policy, served_by="replay")
    body: dict[str, Any] = view.model_dump(mode="json")
    return body


def _explain_cmd(args: argparse.Namespace, settings: Settings | None) -> int:
    if args.url:
        body = _fetch(f"{args.url.rstrip('/')}/customers/{args.customer}")
    else:
        # Only the customer's own lines are decided: the others are skipped unparsed.
        customer, policy = args.customer, load_policy(args.policy)
        replayed = _replay(_events_file(args.events), policy,
                           select=lambda line_customer: line_customer == customer)
        body = explanation_from_replay(replayed.states, customer, policy)
    print(json.dumps(body, indent=2) if args.json else render_explanation(body))
    return 0


def api_token() -> str | None:
    """The token `explain --url` sends (module docstring); None without either setting."""
    if token := os.environ.get("TIERSTREAM_API_TOKEN", "").strip():
        return token
    if path := os.environ.get("TIERSTREAM_API_TOKEN_FILE", "").strip():
        from streams.http.auth import read_tokens

        tokens = read_tokens(Path(path))  # unreadable: one line, exit 2 (cli/main.py)
        if not tokens:
            raise CliError(f"no token in TIERSTREAM_API_TOKEN_FILE {path}")
        return tokens[0]
    return None


def _fetch(url: str) -> dict[str, Any]:
    import urllib.error
    import urllib.request

    token = api_token()
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        request = urllib.request.Request(url, headers=headers)
        with urllib.request.urlopen(request, timeout=10) as resp:
            body: dict[str, Any] = json.loads(resp.read())
            return body
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode(errors="replace")[:200]
        raise CliError(f"{url}: HTTP {exc.code} {detail}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise CliError(f"cannot reach {url}: {exc}") from None


def register(sub: Any) -> None:
    policy_help = "policy file (default: the packaged one, `tierstream policy default`)"
    rp = sub.add_parser("replay", help="decide a file of events offline; write the outputs")
    rp.add_argument("events", help="JSONL file, one input event per line")
    rp.add_argument("--policy", default=str(DEFAULT_POLICY_FILE), help=policy_help)
    rp.add_argument("--out", help="folder for the output JSONL files and summary.json")
    rp.add_argument("--jobs", type=positive_int, default=1,
                    help="processes deciding in parallel, customers split by partition "
                    "(default 1)")
    rp.set_defaults(func=_replay_cmd, offline=True)

    wi = sub.add_parser("whatif", help="compare two policies over the same events")
    wi.add_argument("events", help="JSONL file, one input event per line")
    wi.add_argument("--from", dest="from_policy", required=True, help="current policy file")
    wi.add_argument("--to", dest="to_policy", required=True, help="proposed policy file")
    wi.add_argument("--samples", type=non_negative_int, default=3,
                    help="sample customers per cell")
    wi.add_argument("--json", action="store_true", help="print JSON instead of a table")
    wi.set_defaults(func=_whatif_cmd, offline=True)

    ex = sub.add_parser("explain", help="why a customer has its tier and what would move it up")
    ex.add_argument("customer", help="customer id")
    source = ex.add_mutually_exclusive_group(required=True)
    source.add_argument("--events", help="replay this JSONL file of events")
    source.add_argument("--url", help="ask a running worker, e.g. http://127.0.0.1:6066 "
                        "(sends TIERSTREAM_API_TOKEN, else TIERSTREAM_API_TOKEN_FILE's first)")
    ex.add_argument("--policy", default=str(DEFAULT_POLICY_FILE), help=policy_help)
    ex.add_argument("--json", action="store_true", help="print JSON")
    ex.set_defaults(func=_explain_cmd, offline=True)
