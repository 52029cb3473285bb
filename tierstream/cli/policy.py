"""`tierstream policy check|publish|promote|default`: validate a policy file; roll it out
to the workers (or run it beside the active one as a challenger, then promote it);
print the packaged default policy (the starting point of a bank's own file)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from tierstream.cli.base import CliError, run_async
from tierstream.policy import DEFAULT_POLICY_FILE, load_policy, read_policy_bytes

if TYPE_CHECKING:
    from tierstream.settings import Settings


def _check(args: argparse.Namespace, settings: Settings | None) -> int:
    policy = load_policy(args.file)
    print(f"ok: {args.file} is policy {policy.version}")
    return 0


def _default(args: argparse.Namespace, settings: Settings | None) -> int:
    sys.stdout.write(DEFAULT_POLICY_FILE.read_text(encoding="utf-8"))
    return 0


def _publish(args: argparse.Namespace, settings: Settings) -> int:
    from streams.kafka.policy_feed import publish_policy

    if args.clear and not args.challenger:
        raise CliError("--clear stops a challenger: use it with --challenger")
    if (args.file is None) != args.clear:
        raise CliError("--clear takes no FILE" if args.clear else "a policy FILE is needed")
    if args.challenger:
        return _publish_challenger(args, settings)
    raw = read_policy_bytes(args.file)
    policy = run_async(publish_policy(settings, raw, str(args.file)), settings)
    if policy is not None:
        print(f"published {policy.version} to {settings.policy_topic}; running workers "
              "switch to it and re-evaluate their customers")
    return 0


def _publish_challenger(args: argparse.Namespace, settings: Settings) -> int:
    from streams.kafka.policy_feed import publish_challenger

    raw = None if args.clear else read_policy_bytes(args.file)
    source = "--clear" if args.clear else str(args.file)
    policy = run_async(publish_challenger(settings, raw, source), settings)
    if raw is None:
        print(f"cleared the challenger on {settings.policy_topic}; running workers stop "
              "deciding under it")
    elif policy is not None:
        print(f"published challenger {policy.version} to {settings.policy_topic}; running "
              f"workers decide under it too, to {settings.challenger_tier_changes_topic} "
              f"and {settings.challenger_alerts_topic}")
    return 0


def _promote(args: argparse.Namespace, settings: Settings) -> int:
    from streams.kafka.policy_feed import NoChallenger, promote_challenger

    try:
        policy = run_async(promote_challenger(settings), settings)
    except NoChallenger as exc:
        raise CliError(str(exc)) from None
    if policy is not None:
        print(f"promoted challenger {policy.version} to champion on {settings.policy_topic}; "
              "running workers switch to it, re-evaluate their customers and stop the "
              "challenger")
    return 0


def register(sub: Any) -> None:
    policy = sub.add_parser("policy", help="validate and roll out policy files")
    policy_sub = policy.add_subparsers(dest="policy_command", required=True)
    check = policy_sub.add_parser(
        "check", help="validate a policy file and print its version (no Kafka needed)")
    check.add_argument("file", help="path to a policy YAML file")
    check.set_defaults(func=_check, offline=True)
    policy_sub.add_parser(
        "default", help="print the default policy (copy it to start your own: "
        "tierstream policy default > my-policy.yaml)").set_defaults(func=_default, offline=True)
    publish = policy_sub.add_parser(
        "publish", help="validate a policy file, then make it active on every running worker "
        "(or, with --challenger, decide under it beside the active one)")
    publish.add_argument("file", nargs="?", help="path to a policy YAML file")
    publish.add_argument("--challenger", action="store_true",
                         help="run it as the challenger (shadow) policy: decisions go to "
                         "the challenger topics only (docs/policies.md)")
    publish.add_argument("--clear", action="store_true",
                         help="with --challenger and no FILE: stop the challenger")
    publish.set_defaults(func=_publish)
    policy_sub.add_parser(
        "promote", help="make the running challenger the active policy (every customer "
        "is re-evaluated under it) and stop it as a challenger").set_defaults(func=_promote)
