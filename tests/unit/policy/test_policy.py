"""The policy file: the default loads, its version is stable, a bad file fails loudly."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.unit.builders import changed, raw_default_policy
from tierstream.policy import DEFAULT_POLICY_FILE, PolicyError, load_policy, parse_policy


def write(tmp_path: Path, raw: Any, name: str = "bank-policy.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


def edited(path: str, value: Any) -> dict[str, Any]:
    """The default policy document with `path` (dotted) set, or removed if value is ...."""
    return changed(raw_default_policy(), path, value)


def load_error(tmp_path: Path, raw: Any) -> str:
    path = write(tmp_path, raw)
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    message = str(info.value)
    assert str(path) in message
    return message


def test_default_policy_loads_with_the_domain_defaults() -> None:
    policy = load_policy()
    assert policy.windows.episode_days == 730
    assert policy.windows.recent_serious_days == 365
    assert policy.windows.purchase_days == 182
    assert policy.windows.engagement_days == 90
    assert policy.tier.a.min_income == Decimal(20_000)
    assert policy.tier.b_criteria.high_income.min_income == Decimal(15_000)
    assert policy.hysteresis.a_cool_off_days == 30
    assert policy.alerts.income_drop_ratio == Decimal("0.70")
    assert policy.currencies["CNY"] == Decimal(1)


def test_version_is_name_and_a_12_hex_digit_hash() -> None:
    assert re.fullmatch(r"default@[0-9a-f]{12}", load_policy().version)


def test_version_is_stable_across_loads_and_file_layout(tmp_path: Path) -> None:
    version = load_policy(DEFAULT_POLICY_FILE).version
    assert load_policy().version == version
    # Same content, different layout (no comments, other key order): same version.
    relaid = write(tmp_path, dict(reversed(list(raw_default_policy().items()))))
    assert load_policy(relaid).version == version


def test_version_changes_when_a_threshold_changes() -> None:
    version = load_policy().version
    changed = parse_policy(edited("tier.b_criteria.high_income.min_income", 15_001))
    assert changed.version != version
    assert changed.version.startswith("default@")


def test_unknown_key_names_file_and_path(tmp_path: Path) -> None:
    message = load_error(tmp_path, edited("tier.b_criteria.high_income.max_income", 90_000))
    assert "tier.b_criteria.high_income.max_income" in message


def test_wrong_type_names_file_and_path(tmp_path: Path) -> None:
    message = load_error(tmp_path, edited("windows.episode_days", "two years"))
    assert "windows.episode_days" in message


def test_missing_value_names_file_and_path(tmp_path: Path) -> None:
    message = load_error(tmp_path, edited("grade.aaa.min_income", ...))
    assert "grade.aaa.min_income" in message


def test_recent_serious_window_longer_than_episode_window_is_refused(tmp_path: Path) -> None:
    message = load_error(tmp_path, edited("windows.recent_serious_days", 731))
    assert "windows" in message
    assert "recent_serious_days" in message


def test_missing_cny_is_refused(tmp_path: Path) -> None:
    message = load_error(tmp_path, edited("currencies.CNY", ...))
    assert "currencies" in message
    assert "CNY" in message


def test_cny_at_another_rate_is_refused(tmp_path: Path) -> None:
    message = load_error(tmp_path, edited("currencies.CNY", "1.01"))
    assert "CNY" in message


def test_parse_policy_names_its_source() -> None:
    with pytest.raises(PolicyError, match=r"bank-a\.yaml[\s\S]*windows\.purchase_days"):
        parse_policy(edited("windows.purchase_days", 0), "bank-a.yaml")


def test_missing_file_and_bad_yaml_are_policy_errors(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match=r"nowhere\.yaml"):
        load_policy(tmp_path / "nowhere.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("windows: [unclosed", encoding="utf-8")
    with pytest.raises(PolicyError, match=r"bad\.yaml"):
        load_policy(bad)
