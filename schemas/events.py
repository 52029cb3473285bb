"""Input events on `customer-events`: the wire contract upstream banking systems publish.

One pydantic model per event type, joined in a union discriminated by `type`, so
`CUSTOMER_EVENT.validate_python` checks the whole envelope and its `data` at once.
Money is `Decimal` (never float); timestamps must carry a UTC offset.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter

from schemas.vocabulary import Tier

SCHEMA_VERSION: Literal[1] = 1

CustomerId = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}$")
]
EventId = Annotated[str, StringConstraints(min_length=1, max_length=128)]
LoanId = Annotated[str, StringConstraints(min_length=1, max_length=64)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200)]
# Amounts: finite decimals; `gt`/`ge` give the "negative amount" rejection.
# Below 10^18: "1e45" has one digit but is no amount a bank books.
PositiveMoney = Annotated[Decimal, Field(gt=0, lt=10**18, allow_inf_nan=False, max_digits=38)]
NonNegativeMoney = Annotated[
    Decimal, Field(ge=0, lt=10**18, allow_inf_nan=False, max_digits=38)
]

Education = Literal["high_school", "associate", "bachelor", "master", "doctorate"]
EmploymentType = Literal["formal", "informal"]


class _Data(BaseModel):
    """Event payloads ignore unknown fields (tolerant reader) but are otherwise strict."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class ProfileData(_Data):
    education: Education | None = None
    occupation: ShortText | None = None
    employer_id: ShortText | None = None
    employment_type: EmploymentType | None = None


class SalaryData(_Data):
    monthly_income: NonNegativeMoney
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] = "CNY"


class MortgageOpenedData(_Data):
    loan_id: LoanId
    principal: PositiveMoney


class MortgageClosedData(_Data):
    loan_id: LoanId


class RepaymentData(_Data):
    loan_id: LoanId
    installment: Annotated[int, Field(ge=1)]
    due_date: date
    paid_date: date
    amount_due: NonNegativeMoney
    amount_paid: NonNegativeMoney


class OverdueData(_Data):
    loan_id: LoanId
    installment: Annotated[int, Field(ge=1)]
    due_date: date
    days_past_due: Annotated[int, Field(ge=1)]
    amount_overdue: PositiveMoney


class PurchaseData(_Data):
    product: ShortText
    amount: PositiveMoney


class EngagementData(_Data):
    channel: Literal["phone", "sms", "email", "branch", "app"]
    outcome: Literal["responded", "ignored", "complained"]


class OverrideData(_Data):
    tier: Tier | None
    reason: ShortText
    approved_by: ShortText
    expires_at: AwareDatetime | None = None


class ErasureData(_Data):
    """Who asked for the erasure (and under which request): what an audit must show."""

    requested_by: ShortText
    request_id: ShortText | None = None
    reason: ShortText | None = None


class _Envelope(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    event_id: EventId
    customer_id: CustomerId
    occurred_at: AwareDatetime
    schema_version: Literal[1] = SCHEMA_VERSION


class ProfileUpdated(_Envelope):
    type: Literal["profile.updated"]
    data: ProfileData


class SalaryChanged(_Envelope):
    type: Literal["salary.changed"]
    data: SalaryData


class MortgageOpened(_Envelope):
    type: Literal["mortgage.opened"]
    data: MortgageOpenedData


class MortgageClosed(_Envelope):
    type: Literal["mortgage.closed"]
    data: MortgageClosedData


class LoanRepayment(_Envelope):
    type: Literal["loan.repayment"]
    data: RepaymentData


class LoanOverdue(_Envelope):
    type: Literal["loan.overdue"]
    data: OverdueData


class PurchaseMade(_Envelope):
    type: Literal["purchase.made"]
    data: PurchaseData


class EngagementRecorded(_Envelope):
    type: Literal["engagement.recorded"]
    data: EngagementData


class TierOverride(_Envelope):
    type: Literal["tier.override"]
    data: OverrideData


class CustomerErased(_Envelope):
    """A request to erase the customer's data, ordered with the customer's other events
    on the input topic (tierstream/pipeline/erasure.py, docs/security.md)."""

    type: Literal["customer.erased"]
    data: ErasureData


CustomerEvent = Annotated[
    ProfileUpdated
    | SalaryChanged
    | MortgageOpened
    | MortgageClosed
    | LoanRepayment
    | LoanOverdue
    | PurchaseMade
    | EngagementRecorded
    | TierOverride
    | CustomerErased,
    Field(discriminator="type"),
]

EVENT_TYPES: tuple[str, ...] = (
    "profile.updated",
    "salary.changed",
    "mortgage.opened",
    "mortgage.closed",
    "loan.repayment",
    "loan.overdue",
    "purchase.made",
    "engagement.recorded",
    "tier.override",
    "customer.erased",
)

CUSTOMER_EVENT: TypeAdapter[CustomerEvent] = TypeAdapter(CustomerEvent)
