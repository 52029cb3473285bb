"""The offline decisions must not change: every case's outputs match `digests.json`.

The digests were recorded before the core's performance rewrite; a rewrite that keeps
the behaviour keeps every hash. Only `decided_at` is excluded (and fixed anyway).
"""

from __future__ import annotations

from typing import Any

import pytest

from tierstream.policy import load_policy

from .corpus import CASES, Case, digest_case, load_digests, replay_under_test

HOW_TO_INVESTIGATE = (
    "Golden outputs changed for case {name!r}. If `input_sha256` differs, the generator "
    "changed, not the decisions. Otherwise find the first differing output: run "
    "`python -m tests.golden.record --dump OLD --output OLD/digests.json` on the reference "
    "commit (copy tests/golden there if it lacks it: it runs on either package layout), "
    "the same with NEW on this commit, then diff the folders OLD and NEW. Re-record "
    "digests.json only for an intended change of behaviour (editing the default policy "
    "changes policy_version, hence every output)."
)


@pytest.fixture(scope="module")
def recorded() -> dict[str, Any]:
    return load_digests()


def test_every_case_is_recorded(recorded: dict[str, Any]) -> None:
    assert sorted(recorded) == sorted(case.name for case in CASES), (
        "digests.json and CASES list different cases: run `python -m tests.golden.record`"
    )


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_outputs_match_the_golden_digests(case: Case, recorded: dict[str, Any]) -> None:
    expected = recorded.get(case.name)
    assert expected is not None, f"case {case.name!r} is not in digests.json"
    actual = digest_case(case, replay_under_test(), load_policy())
    assert actual == expected, HOW_TO_INVESTIGATE.format(name=case.name)
