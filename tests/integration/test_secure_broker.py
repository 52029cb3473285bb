"""tierstream against a real SASL_SSL broker (SCRAM-SHA-512 over TLS, scripts/kafka-secure.sh).

The worker and the operator's commands reach it with the TIERSTREAM_* security settings
only; a wrong password, an untrusted CA and a plaintext client each get one line and
exit status 2. Few tests on purpose: the broker is shared and CI time is counted.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from prometheus_client.parser import text_string_to_metric_families

from streams.kafka.security import client_kwargs
from tests.integration.harness import unique_settings, wait_for_async
from tests.integration.secure_broker import (
    SecureBroker,
    SecureWorker,
    make_ca,
    secured_broker,
    tierstream,
)
from tierstream.policy import DEFAULT_POLICY_FILE
from tierstream.settings import Settings

pytestmark = pytest.mark.integration

DAY_MS = 24 * 60 * 60 * 1000


@pytest.fixture(scope="session")
def secure() -> Iterator[SecureBroker]:
    with secured_broker() as broker:
        yield broker


def secure_settings(secure: SecureBroker, tmp_path: Path, **overrides: Any) -> Settings:
    return unique_settings(tmp_path, **{**secure.settings_fields(), **overrides})


async def topic_config(settings: Settings, topic: str) -> dict[str, str]:
    admin = AIOKafkaAdminClient(**client_kwargs(settings))
    await admin.start()
    try:
        described = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, topic)])
        error_code, _, _, _, entries = described[0].resources[0]
        return {} if error_code else {entry[0]: entry[1] for entry in entries}
    finally:
        await admin.close()


def renamed_policy(folder: Path) -> Path:
    raw = yaml.safe_load(DEFAULT_POLICY_FILE.read_text(encoding="utf-8"))
    raw["name"] = "secured"
    path = folder / "secured.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


async def policy_updates_applied(settings: Settings) -> float:
    """The worker's count of policies it switched to (0 before it serves /metrics)."""
    url = f"http://127.0.0.1:{settings.web_port}/metrics"
    try:
        async with aiohttp.ClientSession() as session, session.get(url) as resp:
            text = await resp.text()
    except aiohttp.ClientError:
        return 0.0
    return sum(sample.value for family in text_string_to_metric_families(text)
               for sample in family.samples
               if sample.name == "tierstream_policy_updates_total"
               and sample.labels.get("result") == "applied")


async def test_worker_and_commands_work_over_sasl_ssl(
    secure: SecureBroker, tmp_path: Path
) -> None:
    s = secure_settings(secure, tmp_path, dlq_retention_days=7)
    created = tierstream(s, "topics", "create")
    assert created.returncode == 0, created.stderr
    assert s.dlq_topic in created.stdout
    dlq = await wait_for_async(  # a fresh broker may not describe a new topic at once
        lambda: topic_config(s, s.dlq_topic), lambda c: "retention.ms" in c, timeout=30)
    assert dlq["retention.ms"] == str(7 * DAY_MS)  # rejected records do not stay forever

    worker = SecureWorker(s, tmp_path / "worker.log")
    try:
        sent = tierstream(s, "produce", "--customers", "6", "--limit", "60",
                          "--invalid-ratio", "0.1", "--id-prefix", "SEC-")
        assert sent.returncode == 0, sent.stderr
        assert f"sent 60 records to {s.input_topic}" in sent.stderr

        tail = tierstream(s, "tail", "--from-beginning", "--customer-prefix", "SEC-",
                          "--limit", "1")
        assert tail.returncode == 0, tail.stderr + worker.log_tail()
        assert "SEC-" in tail.stdout, tail.stdout
        assert "TIER" in tail.stdout, tail.stdout

        published = tierstream(s, "policy", "publish", str(renamed_policy(tmp_path)))
        assert published.returncode == 0, published.stderr
        assert "published secured@" in published.stdout
        await wait_for_async(lambda: policy_updates_applied(s), lambda n: n >= 1, timeout=60)

        metrics = f"http://127.0.0.1:{s.web_port}/metrics"
        books = await wait_for_async(
            lambda: _reconcile(s, metrics), lambda r: r.returncode == 0, timeout=60)
        assert "balanced" in books.stdout
    finally:
        worker.stop()


async def _reconcile(s: Settings, metrics: str) -> subprocess.CompletedProcess[str]:
    return tierstream(s, "reconcile", "--metrics", metrics, timeout=60)


def one_line_error(settings: Settings) -> str:
    done = tierstream(settings, "topics", "create", timeout=60)
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("tierstream: "), done.stderr
    return lines[0]


def test_a_wrong_password_is_one_line(secure: SecureBroker, tmp_path: Path) -> None:
    line = one_line_error(secure_settings(secure, tmp_path, sasl_password="not-it"))
    assert "refused the login of user 'tierstream'" in line
    assert "not-it" not in line


def test_an_untrusted_ca_is_one_line(secure: SecureBroker, tmp_path: Path) -> None:
    other_ca = make_ca(tmp_path / "ca")
    line = one_line_error(secure_settings(secure, tmp_path, ssl_cafile=str(other_ca)))
    assert "certificate" in line, line
    assert "not trusted" in line, line
    assert "TIERSTREAM_SSL_CAFILE" in line


def test_a_plaintext_client_is_refused_in_one_line(secure: SecureBroker, tmp_path: Path) -> None:
    line = one_line_error(secure_settings(secure, tmp_path, security_protocol="PLAINTEXT"))
    assert f"{secure.bootstrap} speaks TLS" in line
    assert "TIERSTREAM_SECURITY_PROTOCOL" in line
