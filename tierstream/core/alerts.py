"""Alert decisions (docs/domain.md "Default alerts"), before they are stamped as outputs.

Each draft carries a `discriminator` so that its id, derived from the cause event,
stays unique when one event raises several alerts of one type.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from schemas.outputs import ReasonValue
from schemas.vocabulary import AlertType, Grade, Severity, Tier
from tierstream.core.history import installment_views
from tierstream.core.reasons import money
from tierstream.core.state import CustomerState
from tierstream.policy import Policy


@dataclass(frozen=True)
class AlertDraft:
    type: AlertType
    severity: Severity
    message: str
    details: dict[str, ReasonValue] = field(default_factory=dict)
    discriminator: str = ""


def overdue_alerts(state: CustomerState, policy: Policy) -> list[AlertDraft]:
    """Unpaid installments that entered a higher past-due bucket; marks them alerted."""
    buckets = policy.alerts.overdue_buckets
    drafts = []
    for view in installment_views(state):
        if not view.current:
            continue
        bucket = sum(1 for b in buckets if view.days_past_due >= b.min_days)
        if bucket <= view.inst.alerted_bucket:
            continue
        view.inst.alerted_bucket = bucket
        severity = buckets[bucket - 1].severity
        drafts.append(AlertDraft(
            "repayment.overdue",
            severity,
            f"Installment {view.inst.number} of loan {view.inst.loan_id} is "
            f"{view.days_past_due} days past due and unpaid.",
            {**view.describe(), "bucket_min_days": buckets[bucket - 1].min_days},
            f"{view.inst.loan_id}#{view.inst.number}",
        ))
    return drafts


def income_drop_alert(
    replaced: Decimal | None, state: CustomerState, policy: Policy
) -> AlertDraft | None:
    income = state.income
    ratio = policy.alerts.income_drop_ratio
    if replaced is None or income is None or replaced <= 0 or income > replaced * ratio:
        return None
    return AlertDraft(
        "income.drop",
        policy.alerts.severities.income_drop,
        f"Monthly income fell from {money(replaced)} to {money(income)} CNY "
        f"({money(income / replaced * 100)}% of before; alert at {money(ratio * 100)}% or less).",
        {"income": money(income), "previous_income": money(replaced), "ratio": money(ratio)},
    )


def _worse(best_first: Sequence[str], new: str, old: str) -> bool:
    """In a best-first order (the policy's tier or grade order), later is worse."""
    return best_first.index(new) > best_first.index(old)


def downgrade_alerts(
    previous: tuple[Tier, Grade] | None, tier: Tier, grade: Grade, policy: Policy
) -> list[AlertDraft]:
    if previous is None:
        return []  # a customer's first tier and grade are not downgrades
    old_tier, old_grade = previous
    sev = policy.alerts.severities
    drafts = []
    if _worse(policy.tier.order, tier, old_tier):
        drafts.append(AlertDraft(
            "tier.downgraded",
            sev.tier_downgraded_to_d if tier == "D" else sev.tier_downgraded,
            f"Tier went down from {old_tier} to {tier}.",
            {"from": old_tier, "to": tier},
        ))
    if _worse(policy.grade.order, grade, old_grade):
        drafts.append(AlertDraft(
            "grade.downgraded",
            sev.grade_downgraded_to_c if grade == "C" else sev.grade_downgraded,
            f"Credit grade went down from {old_grade} to {grade}.",
            {"from": old_grade, "to": grade},
        ))
    return drafts


def upgrade_candidate_alert(state: CustomerState, policy: Policy) -> AlertDraft:
    since = state.a_qualified_since
    return AlertDraft(
        "upgrade.candidate",
        policy.alerts.severities.upgrade_candidate,
        f"Now qualifies for tier A; upgrade after {policy.hysteresis.a_cool_off_days} days "
        "if it still qualifies.",
        {
            "qualified_since": since.isoformat() if since else None,
            "cool_off_days": policy.hysteresis.a_cool_off_days,
        },
    )
