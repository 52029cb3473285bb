"""Broker security settings reach every Kafka client the same way."""

from __future__ import annotations

import ssl

import faust
import pytest
from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth
from prometheus_client import CollectorRegistry

from streams.kafka.security import SecurityConfigError, client_kwargs
from streams.worker.app import create_app
from streams.worker.credentials import faust_credentials
from tierstream.policy import load_policy
from tierstream.settings import Settings


def test_plaintext_is_the_default_and_adds_no_credentials() -> None:
    s = Settings(bootstrap_servers="k1:9092,k2:9092")
    assert client_kwargs(s) == {"bootstrap_servers": "k1:9092,k2:9092",
                                "security_protocol": "PLAINTEXT"}
    assert faust_credentials(s) is None


def test_sasl_scram_over_tls_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIERSTREAM_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("TIERSTREAM_SASL_MECHANISM", "SCRAM-SHA-512")
    monkeypatch.setenv("TIERSTREAM_SASL_USERNAME", "tiering")
    monkeypatch.setenv("TIERSTREAM_SASL_PASSWORD", "s3cret")
    s = Settings()
    assert "s3cret" not in repr(s)  # the password never shows in logs of the settings

    kwargs = client_kwargs(s)
    assert kwargs["security_protocol"] == "SASL_SSL"
    assert kwargs["sasl_mechanism"] == "SCRAM-SHA-512"
    assert (kwargs["sasl_plain_username"], kwargs["sasl_plain_password"]) == ("tiering", "s3cret")
    assert isinstance(kwargs["ssl_context"], ssl.SSLContext)
    assert kwargs["ssl_context"].verify_mode == ssl.CERT_REQUIRED

    creds = faust_credentials(s)
    assert isinstance(creds, faust.SASLCredentials)
    worker_kwargs = credentials_to_aiokafka_auth(creds)
    for name in ("security_protocol", "sasl_mechanism", "sasl_plain_username",
                 "sasl_plain_password"):
        assert worker_kwargs[name] == kwargs[name], name


def test_sasl_plain_without_tls() -> None:
    s = Settings(security_protocol="SASL_PLAINTEXT", sasl_username="u", sasl_password="p")
    kwargs = client_kwargs(s)
    assert kwargs["sasl_mechanism"] == "PLAIN"
    assert "ssl_context" not in kwargs
    assert credentials_to_aiokafka_auth(faust_credentials(s))["security_protocol"] == (
        "SASL_PLAINTEXT")


def test_tls_only_uses_a_verifying_context() -> None:
    s = Settings(security_protocol="SSL", ssl_check_hostname=False)
    creds = faust_credentials(s)
    assert isinstance(creds, faust.SSLCredentials)
    assert credentials_to_aiokafka_auth(creds)["security_protocol"] == "SSL"
    assert client_kwargs(s)["ssl_context"].check_hostname is False


@pytest.mark.parametrize("fields", [
    {"security_protocol": "SASL_SSL"},
    {"security_protocol": "SASL_PLAINTEXT", "sasl_username": "u"},
])
def test_sasl_without_a_username_and_password_is_a_clear_error(
    fields: dict[str, str],
) -> None:
    s = Settings(**fields)  # type: ignore[arg-type]
    with pytest.raises(SecurityConfigError, match="TIERSTREAM_SASL_USERNAME"):
        client_kwargs(s)
    with pytest.raises(SecurityConfigError):
        faust_credentials(s)


def test_the_worker_app_carries_the_credentials() -> None:
    s = Settings(security_protocol="SASL_PLAINTEXT", sasl_mechanism="SCRAM-SHA-256",
                 sasl_username="u", sasl_password="p", store="memory://")
    tier_app = create_app(s, load_policy(), CollectorRegistry())
    creds = tier_app.app.conf.broker_credentials
    assert isinstance(creds, faust.SASLCredentials)
    assert creds.mechanism.value == "SCRAM-SHA-256"


@pytest.mark.parametrize(("fields", "variable"), [
    ({"ssl_cafile": "/no/such/ca.pem"}, "TIERSTREAM_SSL_CAFILE"),
    ({"ssl_certfile": "/no/such/client.pem"}, "TIERSTREAM_SSL_CERTFILE"),
])
def test_an_unreadable_pem_file_names_its_setting(fields: dict[str, str], variable: str) -> None:
    s = Settings(security_protocol="SASL_SSL", sasl_username="u", sasl_password="p",
                 **fields)  # type: ignore[arg-type]
    with pytest.raises(SecurityConfigError, match=variable) as raised:
        client_kwargs(s)
    assert "No such file" in str(raised.value)
