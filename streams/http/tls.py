"""HTTPS for the worker's web server and for the requests workers send each other.

With `TIERSTREAM_WEB_CERTFILE` set the server speaks only HTTPS (faust hands the
context to aiohttp's site), the worker's advertised URL becomes `https://` (other
workers forward to it), and peers are verified against `TIERSTREAM_WEB_CAFILE` (or
the system CAs), host names checked.
"""

from __future__ import annotations

import ssl

from tierstream.settings import Settings


def server_context(settings: Settings) -> ssl.SSLContext | None:
    """The server's TLS context, or None to serve plain HTTP (no certificate set)."""
    if not settings.web_certfile:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(settings.web_certfile, settings.web_keyfile or None)
    return context


def peer_context(settings: Settings) -> ssl.SSLContext | None:
    """How this worker verifies its peers' HTTPS (None: plain HTTP between workers)."""
    if not settings.web_certfile:
        return None
    return ssl.create_default_context(cafile=settings.web_cafile or None)


def canonical_url(settings: Settings) -> str:
    """The URL other workers (and `served_by`) use for this worker."""
    scheme = "https" if settings.web_certfile else "http"
    return f"{scheme}://{settings.web_host}:{settings.web_port}"
