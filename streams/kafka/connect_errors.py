"""Why a Kafka client could not connect, in one line an operator can act on.

aiokafka reports every failed bootstrap as the same `KafkaConnectionError("Unable to
bootstrap from ...")`; the cause (refused password, untrusted certificate, a TLS
listener spoken to in plaintext) is only in its log. `ClientErrors` keeps those log
records instead of printing them, and `connection_failure` turns the last cause into
a message naming the setting to fix. A listener that just closes the connection is
probed once with a TLS handshake, to tell "this port wants TLS" from other refusals.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
from collections.abc import Iterator

from aiokafka.errors import (
    IllegalSaslStateError,
    KafkaConnectionError,
    SaslAuthenticationFailed,
    UnsupportedSaslMechanismError,
)

from streams.kafka.security import uses_sasl, uses_tls
from tierstream.settings import Settings

PROBE_TIMEOUT_SECONDS = 3.0
HOSTNAME_MISMATCH = 62  # X509_V_ERR_HOSTNAME_MISMATCH


class ClientErrors(logging.Handler):
    """Collects the exceptions the Kafka client logs while it connects."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.causes: list[BaseException] = []

    def emit(self, record: logging.LogRecord) -> None:
        args = record.args if isinstance(record.args, tuple) else ()
        self.causes.extend(a for a in args if isinstance(a, BaseException))
        if record.exc_info and record.exc_info[1] is not None:
            self.causes.append(record.exc_info[1])

    @contextlib.contextmanager
    def capture(self) -> Iterator[ClientErrors]:
        """Hide the client's own log lines while a command runs (the command reports
        a failure itself, in one line) and keep their causes."""
        logger = logging.getLogger("aiokafka")
        level, propagate = logger.level, logger.propagate
        logger.setLevel(logging.WARNING)
        logger.propagate = False
        logger.addHandler(self)
        try:
            yield self
        finally:
            logger.removeHandler(self)
            logger.setLevel(level)
            logger.propagate = propagate


def connection_failure(settings: Settings, causes: list[BaseException],
                       exc: BaseException) -> str:
    """One line for a failed connection; `causes` as collected by `ClientErrors`."""
    servers = settings.bootstrap_servers
    cause = _most_telling(causes)
    if isinstance(cause, SaslAuthenticationFailed):
        return (f"Kafka at {servers} refused the login of user {settings.sasl_username!r} "
                f"({settings.sasl_mechanism}): check TIERSTREAM_SASL_USERNAME and "
                "TIERSTREAM_SASL_PASSWORD")
    if isinstance(cause, (IllegalSaslStateError, UnsupportedSaslMechanismError)):
        return (f"Kafka at {servers} does not take a {settings.sasl_mechanism} login on that "
                "listener: check TIERSTREAM_SECURITY_PROTOCOL and TIERSTREAM_SASL_MECHANISM")
    if isinstance(cause, ssl.SSLCertVerificationError):
        if cause.verify_code == HOSTNAME_MISMATCH:
            return (f"TLS: the certificate of Kafka at {servers} is not for that host name "
                    f"({cause.verify_message}); connect by a name the certificate lists")
        return (f"TLS: the certificate of Kafka at {servers} is not trusted "
                f"({cause.verify_message}); set TIERSTREAM_SSL_CAFILE to the CA that signed it")
    if isinstance(cause, ssl.SSLError):
        return (f"TLS handshake with Kafka at {servers} failed ({cause.reason or cause}): "
                f"is TIERSTREAM_SECURITY_PROTOCOL={settings.security_protocol} right for "
                "that listener?")
    if isinstance(cause, ConnectionResetError) or (
            isinstance(cause, KafkaConnectionError) and "closed" in str(cause)):
        return _closed_on_us(settings)
    return f"cannot reach Kafka at {servers}: {_text(cause or exc)}"


def _text(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def _most_telling(causes: list[BaseException]) -> BaseException | None:
    """A security cause if there is one (they explain the rest), else the last."""
    for cause in reversed(causes):
        if isinstance(cause, (SaslAuthenticationFailed, IllegalSaslStateError,
                              UnsupportedSaslMechanismError, ssl.SSLError)):
            return cause
    return causes[-1] if causes else None


def _closed_on_us(settings: Settings) -> str:
    """The broker hung up: most often the client speaks another security protocol."""
    servers, protocol = settings.bootstrap_servers, settings.security_protocol
    speaks_tls = _speaks_tls(servers)
    if speaks_tls and not uses_tls(settings):
        return (f"Kafka at {servers} speaks TLS, but TIERSTREAM_SECURITY_PROTOCOL is "
                f"{protocol}: set it to SSL or SASL_SSL (and TIERSTREAM_SSL_CAFILE)")
    if not speaks_tls and uses_tls(settings):
        return (f"Kafka at {servers} does not speak TLS, but TIERSTREAM_SECURITY_PROTOCOL "
                f"is {protocol}: set it to PLAINTEXT or SASL_PLAINTEXT for that listener")
    if not uses_sasl(settings):
        return (f"Kafka at {servers} closed the connection of a client without SASL "
                f"({protocol}): the listener probably wants TIERSTREAM_SECURITY_PROTOCOL="
                f"{'SASL_SSL' if speaks_tls else 'SASL_PLAINTEXT'}")
    return (f"Kafka at {servers} closed the connection of a {protocol} client: check "
            "TIERSTREAM_SECURITY_PROTOCOL and TIERSTREAM_SASL_MECHANISM for that listener")


def _speaks_tls(servers: str) -> bool:
    """True if the first bootstrap server completes a TLS handshake (nothing verified:
    the question is only which protocol the port speaks)."""
    host, _, port = servers.split(",")[0].strip().rpartition(":")
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with socket.create_connection((host.strip("[]"), int(port)),
                                      timeout=PROBE_TIMEOUT_SECONDS) as sock, \
                context.wrap_socket(sock, server_hostname=host.strip("[]")):
            return True
    except (OSError, ValueError):
        return False
