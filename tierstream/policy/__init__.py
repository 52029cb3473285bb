"""The policy: its validated model, its one reader, and the one active in a worker."""

from tierstream.policy.active import ActivePolicy
from tierstream.policy.model import (
    GRADE_RULES,
    TIER_RULES,
    FieldProblem,
    GradeRuleId,
    Policy,
    TierRuleId,
)
from tierstream.policy.reader import (
    DEFAULT_POLICY_FILE,
    PolicyError,
    load_policy,
    parse_policy,
    read_policy,
    read_policy_bytes,
)

__all__ = [
    "DEFAULT_POLICY_FILE",
    "GRADE_RULES",
    "TIER_RULES",
    "ActivePolicy",
    "FieldProblem",
    "GradeRuleId",
    "Policy",
    "PolicyError",
    "TierRuleId",
    "load_policy",
    "parse_policy",
    "read_policy",
    "read_policy_bytes",
]
