"""`tierstream policy check|publish|default`: validate a policy file; roll it out to the
workers; print the packaged default policy (the starting point of a bank's own file)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from tierstream.cli.base import run_async
from tierstream.policy import DEFAULT_POLICY_FILE, load_policy, read_policy_bytes
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

    raw = read_policy_bytes(args.file)
    policy = run_async(publish_policy(settings, raw, str(args.file)), settings)
    if policy is not None:
        print(f"published {policy.version} to {settings.policy_topic}; running workers "
              "switch to it and re-evaluate their customers")
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
        "publish", help="validate a policy file, then make it active on every running worker")
    publish.add_argument("file", help="path to a policy YAML file")
    publish.set_defaults(func=_publish)
