"""The input events as the core reads them: msgspec structs, decoded straight from JSON.

The wire contract is schemas/events.py (pydantic: the JSON Schemas, the dead-letter
reasons). These structs mirror it field for field (a test holds them equal) so the hot
path decodes an event in one pass, without building a dict and validating it again.
The constraints msgspec checks here are never looser than the contract's; what the
contract checks beyond them (amounts, long second fractions) is checked by
`tierstream.intake` before it trusts a struct, and anything in doubt is read again the
contract's way. Class names are the contract's, so the rules read the same.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

import msgspec

from schemas.events import Education, EmploymentType
from schemas.vocabulary import Tier

# The contract's patterns are anchored at the end of the text; Python's `$` would also
# match before a final newline, so these end in `\Z`.
CustomerId = Annotated[str, msgspec.Meta(pattern=r"\A[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}\Z")]
EventId = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
LoanId = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
ShortText = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Currency = Annotated[str, msgspec.Meta(pattern=r"\A[A-Z]{3}\Z")]
Count = Annotated[int, msgspec.Meta(ge=1)]
Aware = Annotated[datetime, msgspec.Meta(tz=True)]
Money = Decimal  # bounds and digits: `tierstream.intake` (the contract's exact rules)


class _Data(msgspec.Struct, frozen=True, gc=False):
    """A payload; unknown fields are ignored, as the contract does."""


class ProfileData(_Data, frozen=True):
    education: Education | None = None
    occupation: ShortText | None = None
    employer_id: ShortText | None = None
    employment_type: EmploymentType | None = None


class SalaryData(_Data, frozen=True):
    monthly_income: Money
    currency: Currency = "CNY"


class MortgageOpenedData(_Data, frozen=True):
    loan_id: LoanId
    principal: Money


class MortgageClosedData(_Data, frozen=True):
    loan_id: LoanId


class RepaymentData(_Data, frozen=True):
    loan_id: LoanId
    installment: Count
    due_date: date
    paid_date: date
    amount_due: Money
    amount_paid: Money


class OverdueData(_Data, frozen=True):
    loan_id: LoanId
    installment: Count
    due_date: date
    days_past_due: Count
    amount_overdue: Money


class PurchaseData(_Data, frozen=True):
    product: ShortText
    amount: Money


class EngagementData(_Data, frozen=True):
    channel: Literal["phone", "sms", "email", "branch", "app"]
    outcome: Literal["responded", "ignored", "complained"]


class OverrideData(_Data, frozen=True):
    tier: Tier | None
    reason: ShortText
    approved_by: ShortText
    expires_at: Aware | None = None


class ErasureData(_Data, frozen=True):
    requested_by: ShortText
    request_id: ShortText | None = None
    reason: ShortText | None = None


class _Envelope(msgspec.Struct, frozen=True, gc=False, tag_field="type", kw_only=True):
    type: ClassVar[str]  # the tag, "loan.repayment", ...: set below for every class
    event_id: EventId
    customer_id: CustomerId
    occurred_at: Aware
    schema_version: Literal[1] = 1


class ProfileUpdated(_Envelope, frozen=True, tag="profile.updated"):
    data: ProfileData


class SalaryChanged(_Envelope, frozen=True, tag="salary.changed"):
    data: SalaryData


class MortgageOpened(_Envelope, frozen=True, tag="mortgage.opened"):
    data: MortgageOpenedData


class MortgageClosed(_Envelope, frozen=True, tag="mortgage.closed"):
    data: MortgageClosedData


class LoanRepayment(_Envelope, frozen=True, tag="loan.repayment"):
    data: RepaymentData


class LoanOverdue(_Envelope, frozen=True, tag="loan.overdue"):
    data: OverdueData


class PurchaseMade(_Envelope, frozen=True, tag="purchase.made"):
    data: PurchaseData


class EngagementRecorded(_Envelope, frozen=True, tag="engagement.recorded"):
    data: EngagementData


class TierOverride(_Envelope, frozen=True, tag="tier.override"):
    data: OverrideData


class CustomerErased(_Envelope, frozen=True, tag="customer.erased"):
    data: ErasureData


CustomerEvent = (ProfileUpdated | SalaryChanged | MortgageOpened | MortgageClosed
                 | LoanRepayment | LoanOverdue | PurchaseMade | EngagementRecorded
                 | TierOverride | CustomerErased)

EVENT_CLASSES: tuple[type[_Envelope], ...] = (
    ProfileUpdated, SalaryChanged, MortgageOpened, MortgageClosed, LoanRepayment,
    LoanOverdue, PurchaseMade, EngagementRecorded, TierOverride, CustomerErased,
)

for _cls in EVENT_CLASSES:
    _cls.type = str(_cls.__struct_config__.tag)

MONEY_FIELDS: dict[type[_Data], tuple[tuple[str, bool], ...]] = {
    SalaryData: (("monthly_income", False),),
    MortgageOpenedData: (("principal", True),),
    RepaymentData: (("amount_due", False), ("amount_paid", False)),
    OverdueData: (("amount_overdue", True),),
    PurchaseData: (("amount", True),),
}
"""Per payload, its amounts and whether each must be above zero (else: not below):
what `tierstream.intake` checks after decoding."""


def from_contract(event: Any) -> CustomerEvent:
    """The struct of an event the contract models validated (schemas/events.py)."""
    converted: CustomerEvent = msgspec.convert(event.model_dump(), CustomerEvent)
    return converted
