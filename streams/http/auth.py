"""Bearer tokens for the query API: a file of accepted tokens, re-read when it changes.

One token a line (blank lines and `#` comments ignored), so a token is rotated by
adding a line, moving every client to it, then removing the old line; no restart.
The file is checked on each request (a `stat`: its mtime and size) and re-read when
either moved. A presented token is compared with every accepted one in constant
time, so the answer's timing says nothing about how much of a token was right.
Requests between workers carry the file's first token (streams/http/peers.py).
"""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Mapping
from pathlib import Path

from streams.http.replies import Handler, Reply, Request, error_reply

log = logging.getLogger(__name__)

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="tierstream"'}


def parse_tokens(text: str) -> tuple[str, ...]:
    lines = (line.strip() for line in text.splitlines())
    return tuple(line for line in lines if line and not line.startswith("#"))


def read_tokens(path: Path) -> tuple[str, ...]:
    """The tokens of a token file (raises OSError when it cannot be read)."""
    return parse_tokens(path.read_text(encoding="utf-8"))


class TokenFile:
    """The accepted tokens of one file, kept in step with it."""

    def __init__(self, path: Path) -> None:
        """Reads the file now: a missing or unreadable file fails the start (OSError)."""
        self.path = path
        self._seen = self._stamp()
        self._tokens = read_tokens(path)
        if not self._tokens:
            log.warning("API token file %s holds no token: every query is refused", path)

    def _stamp(self) -> tuple[int, int]:
        st = os.stat(self.path)
        return st.st_mtime_ns, st.st_size

    def tokens(self) -> tuple[str, ...]:
        """The current tokens; the last good ones while the file cannot be read."""
        try:
            stamp = self._stamp()
            if stamp != self._seen:
                self._tokens, self._seen = read_tokens(self.path), stamp
                log.info("API token file %s re-read: %d token(s)", self.path,
                         len(self._tokens))
        except OSError as exc:  # being replaced right now, or removed by mistake
            log.warning("API token file %s unreadable (%s); keeping the previous tokens",
                        self.path, exc.strerror or type(exc).__name__)
        return self._tokens

    def accepts(self, presented: str) -> bool:
        given = presented.encode()
        # every token is compared, so the time taken does not say which one matched
        matches = [hmac.compare_digest(given, t.encode()) for t in self.tokens()]
        return any(matches)

    def outgoing(self) -> str | None:
        """The token this worker sends its peers: the file's first."""
        tokens = self.tokens()
        return tokens[0] if tokens else None


def bearer(headers: Mapping[str, str]) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, if any."""
    value = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def require_token(handler: Handler, tokens: TokenFile) -> Handler:
    """`handler` behind the token check: 401 with a Bearer challenge without a valid one."""

    async def guarded(request: Request) -> Reply:
        token = bearer(request.headers)
        if token is None or not tokens.accepts(token):
            reason = "missing bearer token" if token is None else "invalid bearer token"
            return error_reply(401, "unauthorized", reason, headers=CHALLENGE)
        return await handler(request)

    guarded.__name__ = getattr(handler, "__name__", type(handler).__name__)
    return guarded
