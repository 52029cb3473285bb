"""Alert decisions (docs/domain.md "Default alerts"), before they are stamped as outputs.

Each draft carries a `discriminator` so that its id, derived from the cause event,
stays unique when one event raises several alerts of one type.
"""

from __future__ import annotations

from bisect import bisect_right
from decimal import Decimal

import msgspec

from schemas.outputs import ReasonValue
from schemas.vocabulary import AlertType, Grade, Severity, Tier
from tierstream.core.compiled import Compiled
from tierstream.core.history import History
from tierstream.core.reasons import money
from tierstream.core.state import CustomerState
from tierstream.policy import Policy


class AlertDraft(msgspec.Struct, frozen=True, gc=False):
    type: AlertType
    severity: Severity
    message: str
    details: dict[str, ReasonValue] = {}
    discriminator: str = ""


def overdue_alerts(h: History, c: Compiled, state: CustomerState) -> list[AlertDraft]:
    """Unpaid installments that entered a higher past-due bucket; marks them alerted (in
    `state`, whose history `h` is)."""
    drafts = []
    for view in h.current:
        bucket = bisect_right(c.bucket_days, view.days_past_due)  # buckets are ascending
        inst = view.inst
        if bucket <= inst.alerted_bucket:
            continue
        state.own_installment(f"{inst.loan_id}#{inst.number}").alerted_bucket = bucket
        drafts.append(AlertDraft(
            "repayment.overdue",
            c.bucket_severities[bucket - 1],
            f"Installment {inst.number} of loan {inst.loan_id} is "
            f"{view.days_past_due} days past due and unpaid.",
            {**view.describe(), "bucket_min_days": c.bucket_days[bucket - 1]},
            f"{inst.loan_id}#{inst.number}",
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


def downgrade_alerts(
    previous: tuple[Tier, Grade] | None, tier: Tier, grade: Grade, policy: Policy, c: Compiled
) -> list[AlertDraft]:
    """A later place in the policy's best-first tier or grade order is a downgrade."""
    if previous is None:
        return []  # a customer's first tier and grade are not downgrades
    old_tier, old_grade = previous
    sev = policy.alerts.severities
    drafts = []
    if c.tier_rank[tier] > c.tier_rank[old_tier]:
        drafts.append(AlertDraft(
            "tier.downgraded",
            sev.tier_downgraded_to_d if tier == "D" else sev.tier_downgraded,
            f"Tier went down from {old_tier} to {tier}.",
            {"from": old_tier, "to": tier},
        ))
    if c.grade_rank[grade] > c.grade_rank[old_grade]:
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
