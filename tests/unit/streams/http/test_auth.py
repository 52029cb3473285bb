"""The query API's bearer tokens: who gets in, rotation through the file, what is sent."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from streams.http.auth import TokenFile, bearer, parse_tokens, require_token
from streams.http.replies import Reply, Request
from tests.openapi_contract import check_response

OLD, NEW = "old-token-4f1c", "new-token-9a2b"


async def secret(request: Request) -> Reply:
    return Reply(200, b'{"customer": "data"}')


def token_file(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "tokens"
    path.write_text("".join(f"{line}\n" for line in lines))
    return path


def rewrite(path: Path, *lines: str) -> None:
    """Change the file and make sure its mtime moves (coarse file-system clocks)."""
    before = path.stat().st_mtime_ns
    path.write_text("".join(f"{line}\n" for line in lines))
    os.utime(path, ns=(before + 1_000_000_000, before + 1_000_000_000))


def get(token: str | None = None, scheme: str = "Bearer") -> Request:
    headers = {"Authorization": f"{scheme} {token}"} if token is not None else {}
    return Request("/customers/C1", "/customers/C1", {"customer_id": "C1"}, {}, headers)


async def test_a_valid_token_passes_and_anything_else_is_401_with_a_challenge(
    tmp_path: Path,
) -> None:
    guarded = require_token(secret, TokenFile(token_file(tmp_path, OLD)))
    assert (await guarded(get(OLD))).status == 200
    for request in (get(), get("wrong"), get(OLD[:-1]), get(OLD, scheme="Basic"), get("")):
        reply = await guarded(request)
        assert reply.status == 401
        assert reply.headers["WWW-Authenticate"].startswith("Bearer")
        body = json.loads(reply.body)
        assert body["error"] == "unauthorized"
        assert OLD not in reply.body.decode()
        check_response("/customers/{customer_id}", 401, body)


async def test_rotation_adds_a_line_then_removes_the_old_one_without_restart(
    tmp_path: Path,
) -> None:
    path = token_file(tmp_path, OLD)
    tokens = TokenFile(path)
    guarded = require_token(secret, tokens)
    rewrite(path, OLD, NEW)
    assert (await guarded(get(OLD))).status == 200
    assert (await guarded(get(NEW))).status == 200
    assert tokens.outgoing() == OLD  # peers still on the old file accept it
    rewrite(path, NEW)
    assert (await guarded(get(OLD))).status == 401
    assert (await guarded(get(NEW))).status == 200
    assert tokens.outgoing() == NEW


async def test_a_file_gone_mid_rotation_keeps_the_last_tokens(tmp_path: Path) -> None:
    path = token_file(tmp_path, OLD)
    guarded = require_token(secret, TokenFile(path))
    path.unlink()
    assert (await guarded(get(OLD))).status == 200


def test_a_missing_file_fails_the_start(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        TokenFile(tmp_path / "absent")


def test_file_format_one_token_a_line_comments_and_blanks_ignored() -> None:
    assert parse_tokens(f"# rotated 2026-12\n\n  {OLD}  \n{NEW}\n") == (OLD, NEW)


def test_bearer_header_is_read_whatever_its_case() -> None:
    assert bearer({"authorization": f"bearer {OLD}"}) == OLD
    assert bearer({"Authorization": f"Basic {OLD}"}) is None
    assert bearer({}) is None
