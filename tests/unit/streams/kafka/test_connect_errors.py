"""A failed connection is explained by its cause, naming the setting to fix."""

from __future__ import annotations

import logging
import socket
import ssl
import threading
from collections.abc import Iterator

import pytest
from aiokafka.errors import KafkaConnectionError, SaslAuthenticationFailed

from streams.kafka.connect_errors import ClientErrors, connection_failure
from tierstream.settings import Settings

BOOTSTRAP_FAILED = KafkaConnectionError("Unable to bootstrap from [('127.0.0.1', 9094)]")
SECURED = Settings(bootstrap_servers="127.0.0.1:9094", security_protocol="SASL_SSL",
                   sasl_mechanism="SCRAM-SHA-512", sasl_username="tiering",
                   sasl_password="s3cret")


def cert_error(code: int, message: str) -> ssl.SSLCertVerificationError:
    exc = ssl.SSLCertVerificationError(1, "certificate verify failed")
    exc.verify_code, exc.verify_message = code, message
    return exc


def test_the_client_log_is_kept_not_printed(capsys: pytest.CaptureFixture[str]) -> None:
    refused = SaslAuthenticationFailed("invalid credentials")
    errors = ClientErrors()
    with errors.capture():
        logging.getLogger("aiokafka.conn").error('Unable connect to "%s": %s', "k:9094", refused)
    assert errors.causes == [refused]
    assert capsys.readouterr().err == ""


def test_a_refused_login_names_the_user_never_the_password() -> None:
    line = connection_failure(SECURED, [SaslAuthenticationFailed("x")], BOOTSTRAP_FAILED)
    assert "refused the login of user 'tiering' (SCRAM-SHA-512)" in line
    assert "TIERSTREAM_SASL_PASSWORD" in line
    assert "s3cret" not in line


def test_an_untrusted_certificate_points_at_the_ca_setting() -> None:
    causes: list[BaseException] = [
        cert_error(19, "self-signed certificate in certificate chain"),
        KafkaConnectionError("later noise")]
    line = connection_failure(SECURED, causes, BOOTSTRAP_FAILED)
    assert line == ("TLS: the certificate of Kafka at 127.0.0.1:9094 is not trusted "
                    "(self-signed certificate in certificate chain); set "
                    "TIERSTREAM_SSL_CAFILE to the CA that signed it")


def test_a_certificate_for_another_host_says_so() -> None:
    line = connection_failure(SECURED, [cert_error(62, "Hostname mismatch")], BOOTSTRAP_FAILED)
    assert "not for that host name" in line


@pytest.fixture
def hangs_up() -> Iterator[str]:
    """A listener that closes every connection at once, speaking nothing."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(5)

    def serve() -> None:
        try:
            while True:
                conn, _ = server.accept()
                conn.close()
        except OSError:
            return

    threading.Thread(target=serve, daemon=True).start()
    yield f"127.0.0.1:{server.getsockname()[1]}"
    server.close()


def test_a_tls_client_hung_up_on_is_told_the_port_has_no_tls(hangs_up: str) -> None:
    s = SECURED.model_copy(update={"bootstrap_servers": hangs_up})
    line = connection_failure(s, [ConnectionResetError()], BOOTSTRAP_FAILED)
    assert line == (f"Kafka at {hangs_up} does not speak TLS, but "
                    "TIERSTREAM_SECURITY_PROTOCOL is SASL_SSL: set it to PLAINTEXT or "
                    "SASL_PLAINTEXT for that listener")


def test_an_unreachable_broker_keeps_its_plain_message() -> None:
    refused = ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 9)")
    line = connection_failure(Settings(bootstrap_servers="127.0.0.1:9"), [refused],
                              BOOTSTRAP_FAILED)
    assert line.startswith("cannot reach Kafka at 127.0.0.1:9: ")
    assert "Connect call failed" in line
