"""monitoring/: Prometheus config, alert rules and their promtool tests, Grafana dashboard.

promtool (Debian package `prometheus`, installed by `make install` and CI) checks the
config and rules and runs the rule unit tests. The dashboard's queries are checked
the same way (promtool parses them as recording rules) and must only name metrics
the worker exports, so a renamed metric breaks this test instead of a panel.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import CollectorRegistry

from streams.telemetry.metrics import Metrics
from tests.paths import REPO

MONITORING = REPO / "monitoring"
RULES = sorted((MONITORING / "rules").glob("*.yml"))
RULE_TESTS = sorted((MONITORING / "tests").glob("*.yml"))
DASHBOARD = MONITORING / "grafana" / "dashboards" / "tierstream.json"
GRAFANA_VARIABLES = {"$__rate_interval": "5m", "$__interval": "1m", "$job": ".+"}


def promtool(*args: str | Path) -> str:
    binary = shutil.which("promtool")
    if binary is None:
        pytest.fail("promtool not found: install the Debian package 'prometheus' (make install)")
    done = subprocess.run([binary, *map(str, args)], capture_output=True, text=True,
                          cwd=REPO, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def alert_rules() -> list[dict[str, Any]]:
    return [rule for path in RULES for group in yaml.safe_load(path.read_text())["groups"]
            for rule in group["rules"] if "alert" in rule]


def exported_names() -> set[str]:
    """Every sample name a worker's /metrics page can carry (faust's hooks feed ours)."""
    registry = CollectorRegistry()
    Metrics.create(registry)
    names: set[str] = set()
    for family in registry.collect():  # a counter's family name is no series: `x_total` is
        suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_count", "_sum"],
                    "gauge": [""], "info": ["_info"]}.get(family.type, [""])
        names.update(family.name + s for s in suffixes)
    return names


def test_prometheus_config_and_its_rule_files_are_valid() -> None:
    out = promtool("check", "config", MONITORING / "prometheus.yml")
    assert f"{len(RULES)} rule files found" in out


def test_rules_are_valid() -> None:
    promtool("check", "rules", *RULES)


def test_every_alert_fires_in_the_promtool_unit_tests() -> None:
    promtool("test", "rules", *RULE_TESTS)
    fired = {
        case["alertname"]
        for path in RULE_TESTS for test in yaml.safe_load(path.read_text())["tests"]
        for case in test.get("alert_rule_test", []) if case.get("exp_alerts")
    }
    assert {rule["alert"] for rule in alert_rules()} <= fired


def test_every_alert_has_a_runbook_line_a_summary_and_a_severity() -> None:
    for rule in alert_rules():
        assert rule["annotations"].get("runbook"), rule["alert"]
        assert rule["annotations"].get("summary"), rule["alert"]
        assert rule["labels"]["severity"] in {"critical", "high", "warning"}, rule["alert"]


def dashboard_queries() -> list[tuple[str, str]]:
    panels = json.loads(DASHBOARD.read_text())["panels"]
    return [(panel["title"], target["expr"]) for panel in panels if panel["type"] != "row"
            for target in panel["targets"]]


def test_every_dashboard_panel_has_a_description_and_queries() -> None:
    panels = json.loads(DASHBOARD.read_text())["panels"]
    readme = (MONITORING / "README.md").read_text()
    for panel in panels:
        if panel["type"] == "row":
            continue
        assert panel["description"], panel["title"]
        assert panel["targets"], panel["title"]
        assert panel["title"] in readme, f"monitoring/README.md does not describe {panel['title']}"


def test_dashboard_queries_parse_and_name_only_exported_metrics(tmp_path: Path) -> None:
    rules = []
    for n, (_, expr) in enumerate(dashboard_queries()):
        for variable, value in GRAFANA_VARIABLES.items():
            expr = expr.replace(variable, value)
        rules.append({"record": f"dashboard:query_{n}", "expr": expr})
    path = tmp_path / "dashboard-queries.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    promtool("check", "rules", path)

    known = exported_names() | {"up", "ALERTS"}
    used = set()
    for title, expr in dashboard_queries():
        for name in re.findall(r"\b(tierstream_[a-z_]+|up|ALERTS)\b(?=\{|\[|\))", expr):
            assert name in known, f"panel {title!r} queries {name}, which no worker exports"
            used.add(name)
    assert {"tierstream_customers", "tierstream_consumer_lag", "up"} <= used
