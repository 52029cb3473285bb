"""The shared words of every contract: tiers, grades, severities, alert types, dead-letter reasons.

Defined once here and imported by the contracts, the rules, the metrics and the CLI,
so a new grade or reason cannot be added in one place and forgotten in another.
Orders are best first, as the default policy ranks them.
"""

from __future__ import annotations

from typing import Literal, get_args

Tier = Literal["A", "B", "C", "D"]
Grade = Literal["AAA", "AA", "A", "B", "C"]
Severity = Literal["info", "warning", "high", "critical"]
AlertType = Literal[
    "repayment.overdue",
    "income.drop",
    "tier.downgraded",
    "grade.downgraded",
    "upgrade.candidate",
]
DeadLetterReason = Literal[
    "empty_value",
    "too_large",
    "not_json",
    "not_an_object",
    "unknown_type",
    "missing_field",
    "invalid_field",
    "negative_amount",
    "non_finite_amount",
    "naive_timestamp",
    "key_mismatch",
    "unsupported_currency",
    "beyond_retention",  # older than the state still kept (tierstream/core/retention.py)
    "implausible_timestamp",
    "processing_error",
]

TIERS: tuple[Tier, ...] = get_args(Tier)
GRADES: tuple[Grade, ...] = get_args(Grade)
SEVERITIES: tuple[Severity, ...] = get_args(Severity)
ALERT_TYPES: tuple[AlertType, ...] = get_args(AlertType)
DEAD_LETTER_REASONS: tuple[DeadLetterReason, ...] = get_args(DeadLetterReason)
