"""The one policy reader: a YAML (or JSON) document, from a file or from bytes, validated.

A bad document fails with `PolicyError`, naming its source, the field path and what
was expected; the worker refuses to start on one and the live rollout keeps the old
policy. Files and published records go through the same `read_policy`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from tierstream.policy.model import FieldProblem, Policy

# Shipped inside the package, so an installed `tierstream` finds it without the source
# tree; policies/default.yaml is the same file, for readers of the repository.
DEFAULT_POLICY_FILE = Path(__file__).resolve().with_name("default.yaml")


class PolicyError(ValueError):
    """A policy file that cannot be used; the message names the file and the field."""


def parse_policy(raw: Any, source: str = "<policy>") -> Policy:
    try:
        return Policy.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = [str(p) for p in err["loc"]]
            message = err["msg"]
            problem = err.get("ctx", {}).get("error")
            if isinstance(problem, FieldProblem):  # a cross-field check names its field
                loc, message = [*loc, problem.field], problem.message
            problems.append(f"  {'.'.join(loc) or '(top level)'}: {message}")
        raise PolicyError(f"invalid policy {source}:\n" + "\n".join(problems)) from None


def read_policy(raw: bytes, source: str) -> Policy:
    """Parse and validate a policy document (YAML or JSON) from its bytes."""
    try:
        document = yaml.safe_load(raw.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise PolicyError(f"policy {source} is not valid YAML: {exc}") from None
    return parse_policy(document, source)


def read_policy_bytes(path: Path | str) -> bytes:
    """The raw bytes of a policy file (what `policy publish` sends), or PolicyError."""
    path = Path(path)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise PolicyError(f"cannot read policy {path}: {exc.strerror}") from None


def load_policy(path: Path | str = DEFAULT_POLICY_FILE) -> Policy:
    return read_policy(read_policy_bytes(path), str(path))

