"""docs/configuration.md lists every `Settings` field, and only those, with its default."""

from __future__ import annotations

import re

from pydantic import SecretStr

from tests.paths import REPO
from tierstream.settings import Settings

DOC = REPO / "docs" / "configuration.md"
ROW = re.compile(r"^\|\s*`TIERSTREAM_([A-Z0-9_]+)`\s*\|([^|]*)\|")


def documented() -> dict[str, str]:
    """Variable name (without the prefix) -> its default cell, from the tables' rows."""
    rows: dict[str, str] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if match := ROW.match(line):
            rows[match.group(1).lower()] = match.group(2).strip()
    return rows


def shown(value: object) -> str:
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`{value}`" if str(value) else "empty"


def test_every_settings_field_has_a_row() -> None:
    missing = sorted(set(Settings.model_fields) - set(documented()))
    assert not missing, "docs/configuration.md lacks: " + ", ".join(
        f"TIERSTREAM_{name.upper()}" for name in missing)


def test_every_row_is_a_settings_field() -> None:
    unknown = sorted(set(documented()) - set(Settings.model_fields))
    assert not unknown, "docs/configuration.md documents no such setting: " + ", ".join(
        f"TIERSTREAM_{name.upper()}" for name in unknown)


def test_defaults_match_the_code() -> None:
    rows = documented()
    wrong = [
        f"TIERSTREAM_{name.upper()}: doc says {rows[name]}, code has {shown(field.default)}"
        for name, field in Settings.model_fields.items()
        if name in rows and name != "policy_file"  # a path inside the installed package
        and rows[name] != shown(field.default)
    ]
    assert not wrong, "\n".join(wrong)
