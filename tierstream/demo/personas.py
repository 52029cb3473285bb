"""Customer personas: each writes about twelve months of one customer's events.

A persona is a small script over a `Timeline`: it decides, with the customer's own
seeded random generator, when the customer is onboarded, paid, lends, repays, buys
and is contacted. Under the default policy each persona tends towards a known
outcome (noted in its description), which is what makes the demo tell a story.
Months are counted from the customer's own origin (the first day of its timeline).
"""

from __future__ import annotations

import calendar
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

JsonObject = dict[str, Any]

MONTHS = 12  # length of every customer's timeline
SOE_EMPLOYERS = ("SOE-STATEGRID", "SOE-SINOPEC", "SOE-CHINAMOBILE", "SOE-ICBC")
PRODUCTS = ("wealth_management", "fund", "insurance", "deposit")
CHANNELS = ("phone", "sms", "email", "branch", "app")


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the length of the target month."""
    year, month0 = divmod(day.month - 1 + months, 12)
    year += day.year
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last))


def cents(amount: int) -> str:
    """Whole cents as a decimal string: 123456 -> "1234.56"."""
    return f"{amount // 100}.{amount % 100:02d}"


@dataclass
class Timeline:
    """One customer's events, in the order they were written (sorted on output)."""

    customer_id: str
    rng: random.Random
    origin: datetime  # aware; its offset is the offset of every occurred_at
    entries: list[tuple[datetime, int, str, JsonObject]] = field(default_factory=list)
    loans: int = 0

    @property
    def end(self) -> date:
        return add_months(self.origin.date(), MONTHS)

    def day(self, month: int, first: int = 0, last: int = 27) -> date:
        """A random day of the customer's `month`-th month (0-based)."""
        return add_months(self.origin.date(), month) + timedelta(
            days=self.rng.randint(first, last)
        )

    def add(self, when: date, type_: str, data: JsonObject, hour: int | None = None) -> datetime:
        """Record an event on `when` at a business hour; events past the timeline are dropped."""
        clock = time(
            self.rng.randint(8, 19) if hour is None else hour,
            self.rng.randint(0, 59),
            self.rng.randint(0, 59),
        )
        at = datetime.combine(when, clock, tzinfo=self.origin.tzinfo)
        at = max(at, self.origin)
        if when < self.end:
            self.entries.append((at, len(self.entries), type_, data))
        return at

    def new_loan(self) -> str:
        self.loans += 1
        return f"L-{self.customer_id}-{self.loans}"

    def employer(self) -> str:
        return f"ENT-{self.rng.randint(10000, 99999)}"

    def income(self, low: int, high: int, step: int = 500) -> int:
        return self.rng.randrange(low, high + 1, step)

    # -- event helpers -------------------------------------------------------------

    def profile(self, when: date, hour: int | None = None, **fields: str) -> None:
        self.add(when, "profile.updated", dict(fields), hour)

    def salary(self, when: date, income: int, currency: str = "CNY") -> None:
        self.add(when, "salary.changed", {"monthly_income": income, "currency": currency})

    def onboard(self, income: int, currency: str = "CNY", **fields: str) -> None:
        """Account opening: the profile, then the first salary a few days later."""
        self.profile(self.origin.date(), hour=self.origin.hour, **fields)
        self.salary(self.day(0, 1, 5), income, currency)

    def campaigns(self) -> None:
        """The bank's quarterly mass campaigns, which most customers ignore."""
        for month in (1, 4, 7, 10):
            self.engage(self.day(month), "ignored", self.rng.choice(["sms", "email", "app"]))

    def purchase(self, when: date, product: str | None = None) -> None:
        product = product or self.rng.choice(PRODUCTS)
        amount: int | str = self.rng.randrange(5_000, 200_001, 1_000)
        if self.rng.random() < 0.5:
            amount = cents(self.rng.randrange(500_000, 20_000_000))
        self.add(when, "purchase.made", {"product": product, "amount": amount})

    def purchases(self, months: list[int]) -> None:
        for month in months:
            self.purchase(self.day(month))

    def engage(self, when: date, outcome: str, channel: str | None = None) -> None:
        channel = channel or self.rng.choice(CHANNELS)
        self.add(when, "engagement.recorded", {"channel": channel, "outcome": outcome})

    def repay(self, loan: str, number: int, due: date, paid: date, due_cents: int,
              paid_cents: int | None = None) -> None:
        self.add(paid, "loan.repayment", {
            "loan_id": loan,
            "installment": number,
            "due_date": due.isoformat(),
            "paid_date": paid.isoformat(),
            "amount_due": cents(due_cents),
            "amount_paid": cents(due_cents if paid_cents is None else paid_cents),
        })

    def overdue(self, loan: str, number: int, due: date, days: int, due_cents: int) -> None:
        self.add(due + timedelta(days=days), "loan.overdue", {
            "loan_id": loan,
            "installment": number,
            "due_date": due.isoformat(),
            "days_past_due": days,
            "amount_overdue": cents(due_cents),
        })

    def repay_on_time(self, loan: str, first_due: date, numbers: range, due_cents: int) -> None:
        """Installments in `numbers` (1-based), each paid 0-3 days before it is due."""
        for n in numbers:
            due = add_months(first_due, n - 1)
            self.repay(loan, n, due, due - timedelta(days=self.rng.randint(0, 3)), due_cents)

    def mortgage(self, month: int, principal: int) -> tuple[str, date, int]:
        """Open a mortgage; returns its loan id, first due date and monthly installment."""
        loan = self.new_loan()
        opened = self.day(month, 0, 10)
        self.add(opened, "mortgage.opened", {"loan_id": loan, "principal": principal})
        monthly = principal * 100 * 55 // 10_000  # ~0.55% of principal a month, in cents
        return loan, add_months(opened, 1), monthly


# -- personas ---------------------------------------------------------------------------


def rising_star(t: Timeline) -> None:
    """Income 25-40k, a consumer loan repaid on time, buys most months: B, candidate, A."""
    t.onboard(
        t.income(25_000, 40_000),
        education=t.rng.choice(["bachelor", "bachelor", "master"]),
        occupation=t.rng.choice(["software engineer", "product manager", "architect", "doctor"]),
        employer_id=t.employer(),
        employment_type="formal",
    )
    loan = t.new_loan()
    first_due = t.day(0, 10, 20)
    t.repay_on_time(loan, first_due, range(1, 13), t.rng.randrange(200_000, 600_000, 100))
    t.purchases([m for m in range(MONTHS) if 2 <= m <= 5 or t.rng.random() < 0.85])
    t.engage(t.day(1), "responded", "app")
    t.engage(t.day(8), t.rng.choice(["responded", "ignored"]))
    if t.rng.random() < 0.7:
        t.salary(t.day(t.rng.randint(6, 9)), t.income(36_000, 45_000))  # promotion


def mortgage_holder(t: Timeline) -> None:
    """A home loan repaid on time and a modest income: B (mortgage_clean)."""
    t.onboard(
        t.income(8_000, 14_000),
        education=t.rng.choice(["associate", "bachelor"]),
        occupation=t.rng.choice(["teacher", "nurse", "civil servant", "engineer"]),
        employer_id=t.employer(),
        employment_type="formal",
    )
    loan, first_due, monthly = t.mortgage(0, t.rng.randrange(600_000, 2_500_001, 10_000))
    t.repay_on_time(loan, first_due, range(1, 12), monthly)
    t.purchases(t.rng.sample(range(MONTHS), 2))
    t.engage(t.day(4), t.rng.choice(["responded", "ignored"]))


def mortgage_payoff(t: Timeline) -> None:
    """A small mortgage paid off early and closed: B, then C once the mortgage is gone."""
    t.onboard(
        t.income(7_000, 13_000),
        education="bachelor",
        occupation=t.rng.choice(["bookkeeper", "designer", "pharmacist"]),
        employer_id=t.employer(),
        employment_type="formal",
    )
    principal = t.rng.randrange(150_000, 400_001, 10_000)
    loan, first_due, monthly = t.mortgage(0, principal)
    paid = t.rng.randint(5, 7)
    t.repay_on_time(loan, first_due, range(1, paid + 1), monthly)
    due = add_months(first_due, paid)
    payoff = due - timedelta(days=t.rng.randint(3, 10))
    balance = principal * (300 - paid) // 3  # the rest of a 25-year loan, in cents
    t.add(payoff, "loan.repayment", {
        "loan_id": loan, "installment": paid + 1, "due_date": due.isoformat(),
        "paid_date": payoff.isoformat(), "amount_due": cents(balance),
        "amount_paid": cents(balance),
    }, hour=10)
    t.add(payoff, "mortgage.closed", {"loan_id": loan}, hour=15)
    t.purchase(t.day(paid + 2), "deposit")
    t.engage(t.day(paid + 3), "ignored", "sms")


def late_payer(t: Timeline) -> None:
    """A mortgage holder who pays one installment 10-20 days late: B, then C."""
    t.onboard(
        t.income(8_000, 13_000),
        education="associate",
        occupation=t.rng.choice(["driver", "technician", "shop owner"]),
        employer_id=t.employer(),
        employment_type="formal",
    )
    loan, first_due, monthly = t.mortgage(0, t.rng.randrange(500_000, 1_500_001, 10_000))
    late = t.rng.randint(3, 6)
    t.repay_on_time(loan, first_due, range(1, late), monthly)
    due = add_months(first_due, late - 1)
    t.overdue(loan, late, due, t.rng.randint(3, 8), monthly)
    t.repay(loan, late, due, due + timedelta(days=t.rng.randint(10, 20)), monthly)
    t.repay_on_time(loan, first_due, range(late + 1, 12), monthly)
    t.engage(t.day(late + 1), "complained", "phone")


def professional(t: Timeline) -> None:
    """A lawyer or accountant below the income threshold: B (professional_occupation)."""
    hkd = t.rng.random() < 0.15  # works for a Hong Kong firm, paid in HKD
    t.onboard(
        t.income(11_000, 15_500) if hkd else t.income(9_000, 14_500),
        "HKD" if hkd else "CNY",
        education=t.rng.choice(["bachelor", "bachelor", "master"]),
        occupation=t.rng.choice(["lawyer", "Lawyer", "accountant", "Accountant"]),
        employer_id=t.rng.choice(["LAW-", "CPA-"]) + str(t.rng.randint(100, 999)),
        employment_type="formal",
    )
    t.purchases(t.rng.sample(range(MONTHS), t.rng.randint(1, 3)))
    t.engage(t.day(t.rng.randint(1, 10)), t.rng.choice(["responded", "ignored"]), "email")


def soe_informal(t: Timeline) -> None:
    """Informal staff of an approved state-owned enterprise: B (soe_informal_staff)."""
    joins_later = t.rng.random() < 0.5  # starts elsewhere (C), then joins the SOE (B)
    soe = t.rng.choice(SOE_EMPLOYERS)
    t.onboard(
        t.income(5_000, 9_000),
        education=t.rng.choice(["high_school", "associate"]),
        occupation=t.rng.choice(["customer service", "field technician", "clerk", "driver"]),
        employer_id=t.employer() if joins_later else soe,
        employment_type="formal" if joins_later else "informal",
    )
    if joins_later:
        t.profile(t.day(t.rng.randint(2, 4)), employer_id=soe, employment_type="informal")
    t.purchases([t.rng.randint(0, 11)])
    t.engage(t.day(t.rng.randint(1, 10)), "ignored", "sms")


def engaged_irregular(t: Timeline) -> None:
    """Responds to the bank every two months and buys now and then: C, then B."""
    t.onboard(
        t.income(5_000, 10_000),
        education=t.rng.choice(["associate", "bachelor"]),
        occupation=t.rng.choice(["freelancer", "shop owner", "designer", "tutor"]),
        employer_id=t.employer(),
        employment_type=t.rng.choice(["formal", "informal"]),
    )
    t.engage(t.day(1), "ignored", "sms")
    for month in (2, 4, 6, 8, 10):
        contacted = t.day(month, 3, 18)
        t.engage(contacted, "responded", t.rng.choice(["phone", "branch", "app"]))
        if month in (2, 6, 10):  # purchases in at most two months of any six
            t.purchase(contacted + timedelta(days=t.rng.randint(1, 8)))


def ordinary(t: Timeline) -> None:
    """Low income, nothing special, ignores the bank's campaigns: C."""
    t.onboard(
        t.income(3_500, 9_000),
        education=t.rng.choice(["high_school", "associate", "bachelor"]),
        occupation=t.rng.choice(["shop clerk", "factory worker", "courier", "chef"]),
        employer_id=t.employer(),
        employment_type=t.rng.choice(["formal", "informal"]),
    )
    if t.rng.random() < 0.4:  # a small consumer loan, repaid on time (grade AA, still C)
        loan = t.new_loan()
        t.repay_on_time(loan, t.day(1), range(1, 10), t.rng.randrange(50_000, 150_000, 100))
    t.purchases(t.rng.sample(range(MONTHS), t.rng.randint(0, 2)))
    for month in t.rng.sample(range(1, MONTHS), 3):
        t.engage(t.day(month), t.rng.choice(["ignored", "ignored", "complained"]))
    if t.rng.random() < 0.5:
        t.salary(t.day(t.rng.randint(3, 8)), t.income(4_000, 9_500))


def struggler(t: Timeline) -> None:
    """Fine at first, then an installment goes 5, 35 and 95 days overdue: B, grade C, D."""
    t.onboard(
        t.income(15_500, 19_500),
        education="bachelor",
        occupation=t.rng.choice(["sales manager", "business owner", "contractor"]),
        employer_id=t.employer(),
        employment_type="formal",
    )
    loan = t.new_loan()
    first_due = t.day(0, 8, 20)
    monthly = t.rng.randrange(300_000, 800_000, 100)
    good = t.rng.randint(3, 5)
    t.repay_on_time(loan, first_due, range(1, good + 1), monthly)
    stuck = add_months(first_due, good)
    for days in (5, 35, 95):
        t.overdue(loan, good + 1, stuck, days, monthly)
    following = add_months(first_due, good + 1)
    for days in (5, 35):
        t.overdue(loan, good + 2, following, days, monthly)
    t.purchase(t.day(1))
    t.engage(stuck + timedelta(days=40), t.rng.choice(["ignored", "complained"]), "phone")
    t.engage(stuck + timedelta(days=t.rng.randint(100, 130)), "ignored", "phone")


def income_drop(t: Timeline) -> None:
    """Salary falls by about 40%: income.drop; B to C unless a degree keeps it B."""
    t.onboard(
        t.income(17_000, 24_000),
        education=t.rng.choice(["bachelor", "master"]),
        occupation=t.rng.choice(["sales manager", "real estate agent", "trader"]),
        employer_id=t.employer(),
        employment_type="formal",
    )
    t.purchases(t.rng.sample(range(MONTHS), 2))
    drop = t.rng.randint(4, 7)
    t.salary(t.day(drop), t.income(17_000, 24_000))  # a small change first
    t.salary(t.day(drop + 1), t.income(8_000, 11_000))  # then the cut
    t.engage(t.day(drop + 2), "ignored", "phone")
    t.engage(t.day(drop + 4), "ignored", "app")


def override(t: Timeline) -> None:
    """A relationship manager pins tier B for 90 days; after it expires (or is cleared): C."""
    t.onboard(
        t.income(6_000, 12_000),
        education=t.rng.choice(["associate", "bachelor"]),
        occupation=t.rng.choice(["entrepreneur", "shop owner", "consultant"]),
        employer_id=t.employer(),
        employment_type="formal",
    )
    manager = f"RM-{t.rng.randint(1, 80):04d}"
    pinned = t.day(2)
    expires = datetime.combine(pinned + timedelta(days=90), time(23, 59, 59), t.origin.tzinfo)
    t.add(pinned, "tier.override", {
        "tier": "B",
        "reason": "Payroll relationship with the customer's company under negotiation",
        "approved_by": manager,
        "expires_at": expires.isoformat(),
    })
    if t.rng.random() < 0.3:
        t.add(pinned + timedelta(days=45), "tier.override", {
            "tier": None, "reason": "Negotiation ended", "approved_by": manager,
        })
    for month in range(1, MONTHS, 2):
        t.engage(t.day(month), "ignored", "email")
    t.purchases([t.rng.randint(1, 11)])


@dataclass(frozen=True)
class Persona:
    name: str
    weight: int  # slots in every deck of `DECK_SIZE` customers
    build: Callable[[Timeline], None]

    @property
    def description(self) -> str:
        return (self.build.__doc__ or "").strip()


PERSONAS: tuple[Persona, ...] = (
    Persona("ordinary", 4, ordinary),
    Persona("rising_star", 3, rising_star),
    Persona("mortgage_holder", 2, mortgage_holder),
    Persona("professional", 2, professional),
    Persona("engaged_irregular", 2, engaged_irregular),
    Persona("struggler", 2, struggler),
    Persona("soe_informal", 1, soe_informal),
    Persona("income_drop", 1, income_drop),
    Persona("override", 1, override),
    Persona("mortgage_payoff", 1, mortgage_payoff),
    Persona("late_payer", 1, late_payer),
)
DECK_SIZE = sum(p.weight for p in PERSONAS)
