"""The routes a worker serves are exactly those docs/http-routes.md lists.

The worker's app is built as `tierstream worker` builds it (no broker needed) and
its web server's routing table read back, so a page added by a new handler or by
a faust upgrade fails here until it is documented.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from streams.worker.app import create_app
from tests.paths import REPO
from tierstream.policy import DEFAULT_POLICY_FILE, load_policy
from tierstream.settings import Settings

ROUTES_DOC = REPO / "docs" / "http-routes.md"
ROW = re.compile(r"^\| `(GET|POST|PUT|PATCH|DELETE) (/[^`]*)` \|")


def documented() -> set[tuple[str, str]]:
    lines = ROUTES_DOC.read_text(encoding="utf-8").splitlines()
    return {(m[1], m[2]) for line in lines if (m := ROW.match(line))}


def served(tmp_path: Path, api_token_file: str = "") -> set[tuple[str, str]]:
    settings = Settings(store="memory://", data_dir=tmp_path, api_token_file=api_token_file)
    app = create_app(settings, load_policy(DEFAULT_POLICY_FILE)).app
    web: Any = app.web  # faust's aiohttp driver
    web.init_server()  # what the worker does before it listens
    return {(r.method, r.resource.canonical) for r in web.web_app.router.routes()
            if r.method != "HEAD" and r.resource is not None}


@pytest.mark.parametrize("token_file", [False, True])
def test_every_served_route_is_documented_and_none_more(
    tmp_path: Path, token_file: bool
) -> None:
    tokens = tmp_path / "tokens"
    tokens.write_text("t0ken\n")
    assert served(tmp_path, str(tokens) if token_file else "") == documented()


def test_no_faust_page_is_served(tmp_path: Path) -> None:
    paths = {path for _, path in served(tmp_path)}
    assert "/" not in paths  # faust's index or statistics page
    prefixes = {path.split("/")[1] for path in paths}
    assert not prefixes & {"table", "router", "graph", "performance", "assignment"}
