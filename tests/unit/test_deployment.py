"""docker-compose.yml and the Dockerfile, checked by structure (no Docker engine here).

What `docker compose up` relies on: pinned images, the order given by health checks
and `depends_on` conditions, workers that scale (one consumer group, no fixed names
or host ports, Kafka by service name, settings the worker accepts), every mounted
file present, Prometheus finding every replica with the monitoring rules, Grafana
provisioned with the dashboard, and an image that is slim, pinned and unprivileged.
"""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.paths import REPO
from tierstream.settings import Settings

TIERSTREAM_SERVICES = ("topics", "worker", "producer")


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    doc: dict[str, Any] = _yaml(REPO / "docker-compose.yml")
    return doc


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = compose["services"]
    return found


def _env(service: dict[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in service.get("environment", {}).items()}


def test_every_part_of_the_deployment_is_there(services: dict[str, Any]) -> None:
    assert set(services) == {"kafka", "topics", "worker", "query", "producer", "prometheus",
                             "grafana"}


def test_images_are_official_and_pinned(services: dict[str, Any]) -> None:
    pom = (REPO / "kafka" / "pom.xml").read_text(encoding="utf-8")
    kafka_version = re.search(r"<kafka.version>([^<]+)</kafka.version>", pom)
    assert kafka_version is not None
    assert services["kafka"]["image"] == f"apache/kafka:{kafka_version.group(1)}"
    for name, svc in services.items():
        image = svc["image"]
        assert ":" in image, f"{name}: unpinned image {image}"
        assert not image.endswith(":latest"), name
    for name in TIERSTREAM_SERVICES:
        assert services[name]["build"] == "."
        assert services[name]["image"] == services["worker"]["image"]


def test_kafka_runs_in_kraft_mode_with_a_health_check(services: dict[str, Any]) -> None:
    kafka = services["kafka"]
    env = _env(kafka)
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert "zookeeper" not in str(kafka).lower()
    node = env["KAFKA_NODE_ID"]
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == f"{node}@kafka:9093"
    assert "PLAINTEXT://kafka:9092" in env["KAFKA_ADVERTISED_LISTENERS"]
    cluster_id = env["CLUSTER_ID"]  # a base64url UUID, as `kafka-storage random-uuid` prints
    assert len(base64.urlsafe_b64decode(cluster_id + "==")) == 16
    assert "kafka-data" in str(kafka["volumes"])
    assert kafka["healthcheck"]["test"]


def test_startup_order_follows_health_and_completion(services: dict[str, Any]) -> None:
    deps = {name: svc.get("depends_on", {}) for name, svc in services.items()}
    assert deps["topics"]["kafka"]["condition"] == "service_healthy"
    assert deps["worker"]["topics"]["condition"] == "service_completed_successfully"
    assert deps["producer"]["topics"]["condition"] == "service_completed_successfully"
    assert deps["grafana"]["prometheus"]["condition"] == "service_healthy"
    assert services["topics"]["restart"] == "no"
    for name, needs in deps.items():
        for target, rule in needs.items():
            assert target in services, f"{name} depends on unknown {target}"
            if rule["condition"] == "service_healthy":
                check = services[target].get("healthcheck", {})
                assert check.get("test"), (name, target)
                assert not check.get("disable"), (name, target)
    # No cycles: every service can be started after its dependencies.
    started: set[str] = set()
    while len(started) < len(services):
        ready = {n for n in services if n not in started and set(deps[n]) <= started}
        assert ready, f"dependency cycle among {set(services) - started}"
        started |= ready


def test_workers_scale_in_one_consumer_group(services: dict[str, Any]) -> None:
    worker = services["worker"]
    assert "container_name" not in worker
    assert worker["deploy"]["replicas"] >= 2
    for port in worker.get("ports", []):  # a fixed host port would clash between replicas
        parts = str(port).split(":")
        assert len(parts) == 3, f"give a host IP and an empty host port, got {port!r}"
        assert parts[1] == "", f"fixed host port {port!r} breaks --scale"
    data_dir = _env(worker)["TIERSTREAM_DATA_DIR"]
    for volume in worker.get("volumes", []):
        assert not str(volume).endswith(data_dir), "replicas must not share a state folder"
    app_ids = {_env(services[n])["TIERSTREAM_APP_ID"] for n in TIERSTREAM_SERVICES}
    assert len(app_ids) == 1
    partitions = {_env(services[n])["TIERSTREAM_PARTITIONS"] for n in TIERSTREAM_SERVICES}
    assert len(partitions) == 1


def test_tierstream_services_reach_kafka_by_service_name_with_valid_settings(
    services: dict[str, Any],
) -> None:
    for name in TIERSTREAM_SERVICES:
        env = _env(services[name])
        host, _, port = env["TIERSTREAM_BOOTSTRAP_SERVERS"].partition(":")
        assert host == "kafka"
        assert f"PLAINTEXT://:{port}" in _env(services["kafka"])["KAFKA_LISTENERS"]
        fields = {k.removeprefix("TIERSTREAM_").lower(): v
                  for k, v in env.items() if k.startswith("TIERSTREAM_")}
        Settings.model_validate(fields)  # raises on a name or value the worker would refuse


def test_workers_advertise_a_routable_address_and_check_their_health(
    services: dict[str, Any],
) -> None:
    worker = services["worker"]
    env = _env(worker)
    assert env["TIERSTREAM_WEB_BIND"] == "0.0.0.0"
    assert "TIERSTREAM_WEB_HOST=" in " ".join(worker["command"])  # the container's address
    port = env["TIERSTREAM_WEB_PORT"]
    assert port in [str(p) for p in worker["expose"]]
    check = " ".join(worker["healthcheck"]["test"])
    assert f"127.0.0.1:{port}/healthz" in check
    served = (REPO / "streams" / "worker" / "app.py").read_text(encoding="utf-8")
    assert '"/healthz": health.healthz' in served, "the health check must hit a served path"


def test_every_mounted_file_exists_and_named_volumes_are_declared(
    compose: dict[str, Any], services: dict[str, Any],
) -> None:
    declared = set(compose.get("volumes") or {})
    for name, svc in services.items():
        for volume in svc.get("volumes", []):
            source = str(volume).split(":")[0]
            if source.startswith("."):
                assert (REPO / source).exists(), f"{name} mounts missing {source}"
            else:
                assert source in declared, f"{name} uses undeclared volume {source}"


def _mounts(service: dict[str, Any]) -> dict[str, Path]:
    """container path -> host path of the service's bind mounts."""
    out = {}
    for volume in service.get("volumes", []):
        source, target, *_ = str(volume).split(":")
        if source.startswith("."):
            out[target] = REPO / source
    return out


def test_prometheus_scrapes_every_worker_and_query_replica_with_the_monitoring_rules(
    services: dict[str, Any], tmp_path: Path,
) -> None:
    prom = services["prometheus"]
    mounts = _mounts(prom)
    config_path = mounts["/etc/prometheus/prometheus.yml"]
    assert mounts["/etc/prometheus/rules"] == REPO / "monitoring" / "rules"
    config = _yaml(config_path)
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    [sd] = jobs["tierstream"]["dns_sd_configs"]
    assert sd["names"] == ["worker"]
    assert str(sd["port"]) == _env(services["worker"])["TIERSTREAM_WEB_PORT"]
    [sd] = jobs["tierstream-query"]["dns_sd_configs"]
    assert sd["names"] == ["query"]
    assert str(sd["port"]) == _env(services["query"]).get("TIERSTREAM_QUERY_PORT", "6067")
    assert config["rule_files"] == ["rules/*.yml"]
    assert list((REPO / "monitoring" / "rules").glob("*.yml"))
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool not installed (CI installs it)")
    shutil.copy(config_path, tmp_path / "prometheus.yml")  # the container's layout
    shutil.copytree(REPO / "monitoring" / "rules", tmp_path / "rules")
    checked = subprocess.run([promtool, "check", "config", str(tmp_path / "prometheus.yml")],
                             capture_output=True, text=True, timeout=60, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_grafana_is_provisioned_with_the_datasource_and_the_dashboard(
    services: dict[str, Any],
) -> None:
    mounts = _mounts(services["grafana"])
    [datasource] = _yaml(mounts["/etc/grafana/provisioning/datasources"] / "prometheus.yml")[
        "datasources"]
    assert datasource["url"] == "http://prometheus:9090"
    providers_dir = mounts["/etc/grafana/provisioning/dashboards"]
    paths = [p["options"]["path"] for f in providers_dir.glob("*.yml")
             for p in _yaml(f)["providers"]]
    assert paths
    for path in paths:
        assert path in mounts, f"dashboard provider reads {path}, which is not mounted"
        assert list(mounts[path].glob("*.json")), f"no dashboard in {mounts[path]}"


def _dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) of the Dockerfile, continuation lines joined."""
    text = (REPO / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    return [(ln.split()[0].upper(), ln.partition(" ")[2].strip()) for ln in lines]


def test_the_image_is_slim_pinned_and_unprivileged() -> None:
    steps = _dockerfile()
    bases = [args.split()[0] for op, args in steps if op == "FROM"]
    assert bases
    assert all(b.startswith("python:3.11-slim") for b in bases)
    users = [args for op, args in steps if op == "USER"]
    assert users
    assert users[-1] not in ("root", "0")
    assert any(op == "HEALTHCHECK" and "/healthz" in args for op, args in steps)
    installs = " ".join(args for op, args in steps if op == "RUN")
    assert "-r requirements.lock" in installs
    assert "--no-deps" in installs
    ignored = [ln.strip() for ln in (REPO / ".dockerignore").read_text(encoding="utf-8")
               .splitlines() if ln.strip() and not ln.startswith("#")]
    for op, args in steps:
        if op == "COPY" and "--from" not in args:
            *sources, _ = [a for a in args.split() if not a.startswith("--")]
            for source in sources:
                assert (REPO / source).exists(), f"COPY of missing {source}"
                assert source.split("/")[0] not in ignored, f"{source} is in .dockerignore"
    assert ".venv" in ignored
    assert ".cache" in ignored


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_the_lock_pins_every_dependency_as_pyproject_does() -> None:
    lock_lines = [ln for ln in (REPO / "deploy" / "requirements.lock").read_text(
        encoding="utf-8").splitlines() if ln and not ln.startswith("#")]
    locked = {}
    for line in lock_lines:
        name, sep, version = line.partition("==")
        assert sep, f"not pinned: {line}"
        assert version, f"not pinned: {line}"
        locked[_normalize(name)] = version
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for dep in project["dependencies"]:
        name, _, version = dep.partition("==")
        assert locked.get(_normalize(name)) == version.strip(), f"{dep} differs in the lock"
