"""`tierstream schemas export`: write the JSON Schema files of the wire contracts and
the query API's OpenAPI document, all generated from the pydantic models."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from schemas.export import export_all

if TYPE_CHECKING:
    from tierstream.settings import Settings


def _schemas_export(args: argparse.Namespace, settings: Settings | None) -> int:
    # Relative to where the command runs: an installed package's folder is not the
    # user's to write into.
    written = (export_all(Path(args.dir)) if args.dir
               else export_all(root=Path("schemas")))
    for path in written:
        print(path)
    return 0


def register(sub: Any) -> None:
    schemas = sub.add_parser("schemas", help="JSON Schema and OpenAPI files of the contracts")
    schemas_sub = schemas.add_subparsers(dest="schemas_command", required=True)
    export_cmd = schemas_sub.add_parser(
        "export", help="write ./schemas/json/*.schema.json and ./schemas/openapi.yaml "
        "(relative to the current folder)")
    export_cmd.add_argument("--dir", help="write every file into this folder instead")
    export_cmd.set_defaults(func=_schemas_export, offline=True)
