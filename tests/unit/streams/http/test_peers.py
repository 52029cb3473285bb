"""What a worker sends when it forwards a query: routed once, with its token."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any

from streams.http.auth import TokenFile
from streams.http.peers import ROUTED_HEADER, peer_fetch

ME, PEER = "http://w1:6066", "http://w2:6066"


class Session:
    """Records the GETs an aiohttp session would send."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, str]]] = []

    def get(self, url: str, headers: dict[str, str], **_: Any) -> Session:
        self.sent.append((url, headers))
        return self

    async def __aenter__(self) -> Session:
        return self

    async def __aexit__(self, *exc: type[BaseException] | BaseException | TracebackType | None
                        ) -> None:
        return None

    status = 200

    async def read(self) -> bytes:
        return b"{}"


async def test_a_forwarded_query_carries_the_first_token_of_the_file(tmp_path: Path) -> None:
    (tmp_path / "tokens").write_text("first\nsecond\n")
    session = Session()
    fetch = peer_fetch(lambda: session, ME, TokenFile(tmp_path / "tokens"))  # type: ignore[arg-type, return-value]
    assert await fetch(f"{PEER}/customers/C1") == (200, b"{}")
    [(url, headers)] = session.sent
    assert url == f"{PEER}/customers/C1"
    assert headers == {ROUTED_HEADER: ME, "Authorization": "Bearer first"}


async def test_without_a_token_file_no_authorization_is_sent() -> None:
    session = Session()
    fetch = peer_fetch(lambda: session, ME)  # type: ignore[arg-type, return-value]
    await fetch(f"{PEER}/tiers/summary?scope=local")
    assert session.sent[0][1] == {ROUTED_HEADER: ME}
