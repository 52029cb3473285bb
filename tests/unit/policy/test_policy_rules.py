"""Rule order and tier/grade order as policy data: validated, and obeyed by the core."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.unit.builders import (
    CID,
    T,
    ago,
    final,
    paid_late,
    policy_with,
    raw_default_policy,
    salary,
    standing,
)
from tierstream.cli.main import main
from tierstream.policy import PolicyError


@pytest.mark.parametrize(("path", "value", "field", "expected"), [
    ("tier.order", ["A", "B", "C"], "tier.order", "exactly once"),
    ("tier.order", ["A", "B", "B", "D"], "tier.order", "total order"),
    ("grade.order", ["AAA", "AA", "A", "B", "B"], "grade.order", "exactly once"),
    ("grade.rules", ["aa", "aaa"], "grade.rules", "AAA would be unreachable"),
    ("grade.rules", ["aaa", "aaa"], "grade.rules", "more than once"),
    ("grade.rules", ["current_default", "bogus"], "grade.rules.1", "Input should be"),
    ("tier.rules", ["stable_relationship", "grade_c"], "tier.rules", "must start with grade_c"),
    ("tier.rules", ["grade_c", "b_criteria", "stable_relationship"], "tier.rules",
     "tier A would be unreachable"),
    ("tier.a.min_purchase_months", 9, "tier.a.min_purchase_months", "at most 8 months"),
    ("windows.recent_serious_days", 800, "windows.recent_serious_days",
     "must not exceed episode_days"),
    ("grade.serious_days_past_due", 95, "grade.serious_days_past_due", "must be below"),
    ("currencies", {"USD": "7.1"}, "currencies.CNY", "must be present with rate 1"),
])
def test_bad_policy_names_the_field_and_what_was_expected(
    path: str, value: object, field: str, expected: str
) -> None:
    with pytest.raises(PolicyError) as err:
        policy_with(path, value)
    assert f"  {field}: " in str(err.value)
    assert expected in str(err.value)
    assert "test-policy" in str(err.value)


def test_a_grade_rule_left_out_of_the_list_does_not_apply() -> None:
    events = [salary(CID, T, 16_000),
              *(paid_late(CID, ago(100 + 40 * n), 5, installment=n + 1) for n in range(3))]
    assert standing(final(events)) == ("B", "B")  # three episodes: grade B
    rules = [r for r in raw_default_policy()["grade"]["rules"] if r != "episodes"]
    assert standing(final(events, policy_with("grade.rules", rules))) == ("B", "A")


def test_without_the_b_criteria_rule_everyone_below_a_is_c() -> None:
    policy = policy_with("tier.rules", ["grade_c", "stable_relationship"])
    assert standing(final([salary(CID, T, 16_000)], policy)) == ("C", "A")


def test_policy_check_command_reports_file_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = raw_default_policy()
    raw["tier"]["a"]["min_income"] = "twenty thousand"
    raw["tier"]["color"] = "blue"
    bad = tmp_path / "bank.yaml"
    bad.write_text(yaml.safe_dump(raw), encoding="utf-8")
    assert main(["policy", "check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err
    assert "tier.a.min_income: " in err
    assert "tier.color: Extra inputs are not permitted" in err


def test_policy_check_command_accepts_the_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", "check", "policies/default.yaml"]) == 0
    assert "is policy default@" in capsys.readouterr().out
