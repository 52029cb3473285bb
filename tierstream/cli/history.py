"""`tierstream history CUSTOMER`: a customer's tier changes, or its standing at a time.

From a running worker (`--url`, with the bearer token `explain --url` sends) or from
a replay's output folder (`--dir`, its tier-change file kept to the policy's
retention horizon exactly as a worker keeps it). Both print the query API's answer
(docs/audit.md): `--as-of TIME` the standing in force then, otherwise the changes
between `--from` and `--to`, a page of `--limit` at a time.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

import msgspec

from tierstream.cli.base import CliError, non_negative_int, positive_int
from tierstream.core.retention import horizon
from tierstream.history import NoStanding, Window, append, history_page, parse_time
from tierstream.history import standing_as_of as standing_at
from tierstream.history.lookup import DEFAULT_LIMIT, MAX_LIMIT
from tierstream.offline.files import TIER_CHANGES
from tierstream.policy import DEFAULT_POLICY_FILE, load_policy

if TYPE_CHECKING:
    from tierstream.settings import Settings


class _Customer(msgspec.Struct):
    customer_id: str


_CUSTOMER = msgspec.json.Decoder(_Customer)


def _time(name: str) -> Any:
    def parse(text: str) -> datetime:
        try:
            return parse_time(text, name)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse


def _limit(text: str) -> int:
    value = positive_int(text)
    if value > MAX_LIMIT:
        raise argparse.ArgumentTypeError(f"at most {MAX_LIMIT}")
    return value


def replay_records(folder: Path, customer: str) -> list[bytes]:
    """The customer's tier-change records in a replay's output folder, in file order."""
    path = folder / TIER_CHANGES
    if not path.is_file():
        raise CliError(f"no {TIER_CHANGES} in {folder}: not a `tierstream replay --out` folder")
    needle = json.dumps(customer).encode()
    with path.open("rb") as lines:
        return [line.rstrip(b"\n") for line in lines
                if needle in line and _CUSTOMER.decode(line).customer_id == customer]


def from_replay(args: argparse.Namespace) -> dict[str, Any]:
    records = replay_records(Path(args.dir), args.customer)
    if not records:
        raise CliError(f"customer {args.customer} has no tier change in {args.dir}")
    stored = append(None, records, horizon(load_policy(args.policy)))
    if args.as_of is not None:
        try:
            view = standing_at(args.customer, stored, args.as_of, served_by="replay")
        except NoStanding as exc:
            raise CliError(str(exc)) from None
        body: dict[str, Any] = view.model_dump(mode="json")
        return body
    try:
        window = Window(args.from_, args.to, args.limit, args.offset)
    except ValueError as exc:  # --to before --from
        raise CliError(str(exc)) from None
    page: dict[str, Any] = history_page(args.customer, stored, window,
                                        served_by="replay").model_dump(mode="json")
    return page


def from_worker(args: argparse.Namespace) -> dict[str, Any]:
    from tierstream.cli.offline import _fetch  # the token and errors of `explain --url`

    base = f"{args.url.rstrip('/')}/customers/{quote(args.customer, safe='')}"
    if args.as_of is not None:
        return _fetch(f"{base}?{urlencode({'as_of': args.as_of.isoformat()})}")
    query: dict[str, str | int] = {"limit": args.limit, "offset": args.offset}
    if args.from_ is not None:
        query["from"] = args.from_.isoformat()
    if args.to is not None:
        query["to"] = args.to.isoformat()
    return _fetch(f"{base}/history?{urlencode(query)}")


def render_history(body: dict[str, Any]) -> str:
    changes = body["changes"]
    lines = [f"Customer {body['customer_id']}: {len(changes)} of {body['total']} "
             "tier change(s) in range"]
    for c in changes:
        before = f"{c['previous']['tier']}/{c['previous']['grade']}" if c["previous"] else "-"
        lines.append(f"{c['occurred_at']}  {before} -> {c['current']['tier']}/"
                     f"{c['current']['grade']}  (policy {c['policy_version']}, cause "
                     f"{c['cause_event_id']}, decided {c['decided_at']})")
        lines += [f"    - {r['code']}: {r['message']}" for r in c["reasons"]]
    if body["next_offset"] is not None:
        lines.append(f"More: --offset {body['next_offset']}")
    if body["kept_from"] is not None:
        lines.append(f"Changes before {body['kept_from']} are no longer kept (retention).")
    return "\n".join(lines)


def render_standing(body: dict[str, Any]) -> str:
    lines = [f"Customer {body['customer_id']} at {body['as_of']}: tier {body['tier']}, "
             f"grade {body['grade']}",
             f"In force since {body['occurred_at']} (cause {body['cause_event_id']}, "
             f"policy {body['policy_version']}, decided {body['decided_at']})", "Why:"]
    lines += [f"  - {r['code']}: {r['message']}" for r in body["reasons"]]
    return "\n".join(lines)


def _history_cmd(args: argparse.Namespace, settings: Settings | None) -> int:
    body = from_worker(args) if args.url else from_replay(args)
    if args.json:
        print(json.dumps(body, indent=2))
    else:
        print(render_standing(body) if args.as_of is not None else render_history(body))
    return 0


def register(sub: Any) -> None:
    hi = sub.add_parser("history", help="a customer's tier changes, or its tier at a time")
    hi.add_argument("customer", help="customer id")
    source = hi.add_mutually_exclusive_group(required=True)
    source.add_argument("--url", help="ask a running worker, e.g. http://127.0.0.1:6066 "
                        "(sends TIERSTREAM_API_TOKEN, else TIERSTREAM_API_TOKEN_FILE's first)")
    source.add_argument("--dir", help="read a `tierstream replay --out` folder")
    hi.add_argument("--as-of", dest="as_of", type=_time("--as-of"), metavar="TIME",
                    help="the standing in force at this event time, e.g. "
                    "2026-03-31T23:59:59+08:00")
    hi.add_argument("--from", dest="from_", type=_time("--from"), metavar="TIME",
                    help="oldest occurred_at shown (inclusive)")
    hi.add_argument("--to", type=_time("--to"), metavar="TIME",
                    help="occurred_at shown up to (exclusive)")
    hi.add_argument("--limit", type=_limit, default=DEFAULT_LIMIT,
                    help=f"changes per page (default {DEFAULT_LIMIT}, at most {MAX_LIMIT})")
    hi.add_argument("--offset", type=non_negative_int, default=0,
                    help="changes to skip: the previous page's next offset")
    hi.add_argument("--policy", default=str(DEFAULT_POLICY_FILE),
                    help="with --dir: the policy whose retention horizon bounds the history")
    hi.add_argument("--json", action="store_true", help="print the API's JSON answer")
    hi.set_defaults(func=_history_cmd, offline=True)
