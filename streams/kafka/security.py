"""Broker security from settings: TLS and SASL (PLAIN, SCRAM) for every Kafka client.

One place turns `Settings.security_protocol` and friends into what the clients take:
keyword arguments for the aiokafka producer, consumer and admin client, and the TLS
context and checks that the worker's faust credentials (streams/worker/credentials.py)
are built from. So the worker and the tools never disagree on how to reach a cluster.
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import Iterator
from typing import Any

from tierstream.settings import Settings


class SecurityConfigError(ValueError):
    """The security settings are incomplete or contradict each other."""


def uses_tls(settings: Settings) -> bool:
    return settings.security_protocol in ("SSL", "SASL_SSL")


def uses_sasl(settings: Settings) -> bool:
    return settings.security_protocol in ("SASL_PLAINTEXT", "SASL_SSL")


def ssl_context(settings: Settings) -> ssl.SSLContext | None:
    """A verifying TLS context (CA file or system CAs, optional client certificate)."""
    if not uses_tls(settings):
        return None
    if settings.ssl_keyfile and not settings.ssl_certfile:
        raise SecurityConfigError("TIERSTREAM_SSL_KEYFILE needs TIERSTREAM_SSL_CERTFILE")
    with _naming("TIERSTREAM_SSL_CAFILE", settings.ssl_cafile):
        context = ssl.create_default_context(
            purpose=ssl.Purpose.SERVER_AUTH, cafile=settings.ssl_cafile or None
        )
    context.check_hostname = settings.ssl_check_hostname
    if settings.ssl_certfile:
        with _naming("TIERSTREAM_SSL_CERTFILE (and _KEYFILE)", settings.ssl_certfile):
            context.load_cert_chain(settings.ssl_certfile, settings.ssl_keyfile or None)
    return context


@contextlib.contextmanager
def _naming(variable: str, path: str) -> Iterator[None]:
    """A missing or unreadable PEM file is reported with the setting that names it
    (ssl's own errors say neither the file nor the setting)."""
    try:
        yield
    except OSError as exc:  # FileNotFoundError, PermissionError, ssl.SSLError (not PEM)
        reason = getattr(exc, "reason", None) or exc.strerror or str(exc)
        raise SecurityConfigError(f"{variable}: cannot use {path}: {reason}") from None


def check_sasl(settings: Settings) -> None:
    if not settings.sasl_username or not settings.sasl_password.get_secret_value():
        raise SecurityConfigError(
            f"security_protocol {settings.security_protocol} needs TIERSTREAM_SASL_USERNAME "
            "and TIERSTREAM_SASL_PASSWORD"
        )


def client_kwargs(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for AIOKafkaProducer/Consumer/AdminClient: servers and security."""
    kwargs: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_servers,
        "security_protocol": settings.security_protocol,
    }
    context = ssl_context(settings)
    if context is not None:
        kwargs["ssl_context"] = context
    if uses_sasl(settings):
        check_sasl(settings)
        kwargs["sasl_mechanism"] = settings.sasl_mechanism
        kwargs["sasl_plain_username"] = settings.sasl_username
        kwargs["sasl_plain_password"] = settings.sasl_password.get_secret_value()
    return kwargs
