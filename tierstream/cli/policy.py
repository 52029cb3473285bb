"""`tierstream policy check|publish`: validate a policy file; roll it out to the workers."""

from __future__ import annotations

import argparse
from typing import Any

from tierstream.cli.base import run_async
from tierstream.policy import load_policy, read_policy_bytes
from tierstream.settings import Settings


def _check(args: argparse.Namespace, settings: Settings | None) -> int:
    policy = load_policy(args.file)
    print(f"ok: {args.file} is policy {policy.version}")
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
    publish = policy_sub.add_parser(
        "publish", help="validate a policy file, then make it active on every running worker")
    publish.add_argument("file", help="path to a policy YAML file")
    publish.set_defaults(func=_publish)
