"""`tierstream` command line: one entry point, `--help` on every command.

Expected failures (bad policy file, bad settings, broker unreachable) print one
clear line and exit 2 without a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from pydantic import ValidationError

import tierstream
from tierstream.cli import (
    backfill,
    dlq,
    erase,
    generate,
    history,
    kafka_tools,
    offline,
    policy,
    schemas,
    serve,
    worker,
)
from tierstream.cli.base import CliError, settings_error
from tierstream.policy import PolicyError

if TYPE_CHECKING:
    from tierstream.settings import Settings


class _Version(argparse.Action):
    """`--version`, reading the version only when asked (see tierstream/__init__.py)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        print(f"tierstream {tierstream.__version__}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tierstream",
        description="Real-time bank customer tiering on Kafka. Settings come from "
        "TIERSTREAM_* environment variables (docs/configuration.md).",
    )
    parser.add_argument("--version", action=_Version, nargs=0,
                        help="show the installed version and exit")
    sub = parser.add_subparsers(dest="command", required=True)
    for group in (worker, serve, kafka_tools, generate, schemas, policy, offline, history,
                  backfill, dlq, erase):
        group.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = None if getattr(args, "offline", False) else _load_settings()
        status: int = args.func(args, settings)
        return status
    except (PolicyError, CliError) as exc:
        print(f"tierstream: {exc}", file=sys.stderr)
        return 2
    except ValidationError as exc:  # from load_settings: a TIERSTREAM_* value is wrong
        print(f"tierstream: {settings_error(exc)}", file=sys.stderr)
        return 2
    except OSError as exc:  # a file or folder the command cannot read or write
        where = f": {exc.filename}" if exc.filename else ""
        print(f"tierstream: {exc.strerror or exc}{where}", file=sys.stderr)
        return 2


def _load_settings() -> Settings:
    """Only the commands on Kafka read settings: the offline ones start without loading
    pydantic-settings (the command modules import heavy parts where they are used)."""
    from tierstream.settings import load_settings

    return load_settings()


if __name__ == "__main__":
    sys.exit(main())
