"""`tierstream schemas export`: write the JSON Schema files of the wire contracts."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from schemas.export import JSON_DIR, export
from tierstream.settings import Settings


def _schemas_export(args: argparse.Namespace, settings: Settings | None) -> int:
    for path in export(Path(args.dir) if args.dir else JSON_DIR):
        print(path)
    return 0


def register(sub: Any) -> None:
    schemas = sub.add_parser("schemas", help="JSON Schema files of the wire contracts")
    schemas_sub = schemas.add_subparsers(dest="schemas_command", required=True)
    export_cmd = schemas_sub.add_parser("export", help="write the JSON Schema files")
    export_cmd.add_argument("--dir", help="output folder (default: schemas/json)")
    export_cmd.set_defaults(func=_schemas_export, offline=True)
