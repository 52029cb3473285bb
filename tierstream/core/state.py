"""Per-customer state: the facts derived from events, plus the last decision.

Facts are merged so that arrival order does not matter (see `facts.py`); only the
decision bookkeeping at the bottom (`tier`, `grade`, `a_qualified_since`, alerted
buckets) depends on the order events arrived in. The state is stored as JSON in the
worker's table (money as decimal strings, fields at their default left out).

The types are msgspec structs: every event reads and mutates a state, and plain
slotted attributes cost a fraction of a validated model's. Parts that are replaced
rather than changed (stamps, profile fields, the salaries, the override) are frozen
or tuples, so a copy of the state can share them; the containers changed in place are
shared by a copy until one side changes them (`deep_copy`). The parts hold no
containers, so they cannot be in a reference cycle and are left out of garbage
collection (`gc=False`).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import msgspec

from schemas.events import Education, EmploymentType
from schemas.vocabulary import Grade, Tier


class Stamp(msgspec.Struct, frozen=True, gc=False, omit_defaults=True,
            forbid_unknown_fields=True):
    """When a fact was stated: last-writer-wins compares (at, event_id)."""

    at: datetime
    event_id: str

    def key(self) -> tuple[datetime, str]:
        return (self.at, self.event_id)


class ProfileField(msgspec.Struct, frozen=True, gc=False, omit_defaults=True,
                   forbid_unknown_fields=True):
    value: str | None
    stamp: Stamp


class Salary(msgspec.Struct, frozen=True, gc=False, omit_defaults=True,
             forbid_unknown_fields=True):
    monthly_income_cny: Decimal
    stamp: Stamp


class Mortgage(msgspec.Struct, gc=False, omit_defaults=True, forbid_unknown_fields=True):
    opened: Stamp | None = None
    closed: Stamp | None = None

    @property
    def active(self) -> bool:
        return self.opened is not None and self.closed is None


class Installment(msgspec.Struct, gc=False, omit_defaults=True, forbid_unknown_fields=True):
    loan_id: str
    number: int
    due_date: date
    worst_reported_days_past_due: int = 0
    paid_date: date | None = None  # earliest date of a full payment; None while unpaid
    alerted_bucket: int = 0  # decision bookkeeping: highest overdue bucket alerted

    @property
    def paid(self) -> bool:
        return self.paid_date is not None

    def days_past_due(self, as_of: date) -> int:
        """Worst days past due; an unpaid installment keeps ageing with event time."""
        if self.paid_date is not None:
            return max(self.worst_reported_days_past_due, (self.paid_date - self.due_date).days)
        return max(self.worst_reported_days_past_due, (as_of - self.due_date).days)

    def paid_on_time(self) -> bool:
        return (
            self.paid_date is not None
            and self.paid_date <= self.due_date
            and self.worst_reported_days_past_due == 0
        )


class Override(msgspec.Struct, frozen=True, gc=False, omit_defaults=True,
               forbid_unknown_fields=True):
    tier: Tier | None
    reason: str
    approved_by: str
    expires_at: datetime | None
    stamp: Stamp

    def active_at(self, as_of: datetime) -> bool:
        return self.tier is not None and (self.expires_at is None or as_of < self.expires_at)


class CustomerState(msgspec.Struct, omit_defaults=True, forbid_unknown_fields=True, dict=True):
    """`dict=True` lets the core keep derived, unstored data beside the fields (the
    retention floors of `retention.py`); it is never encoded and never compared."""

    customer_id: str
    as_of: datetime | None = None
    seen_event_ids: dict[str, date] = {}

    education: ProfileField | None = None
    occupation: ProfileField | None = None
    employer_id: ProfileField | None = None
    employment_type: ProfileField | None = None
    salaries: tuple[Salary, ...] = ()  # the two newest by stamp, newest first
    mortgages: dict[str, Mortgage] = {}
    installments: dict[str, Installment] = {}  # key "loan_id#number"
    purchase_months: dict[str, date] = {}  # "YYYY-MM" -> latest purchase date in that month
    last_response_at: datetime | None = None  # latest engagement with outcome "responded"
    override: Override | None = None

    # Decision bookkeeping (order-dependent by design: hysteresis and alerts).
    tier: Tier | None = None
    grade: Grade | None = None
    a_qualified_since: datetime | None = None

    @property
    def income(self) -> Decimal | None:
        return self.salaries[0].monthly_income_cny if self.salaries else None

    @property
    def education_value(self) -> Education | None:
        value = self.education.value if self.education else None
        return value  # type: ignore[return-value]  # only validated Education values are stored

    @property
    def employment_type_value(self) -> EmploymentType | None:
        value = self.employment_type.value if self.employment_type else None
        return value  # type: ignore[return-value]

    def as_of_date(self) -> date:
        if self.as_of is None:
            raise ValueError("state has no events yet")
        return self.as_of.date()

    def deep_copy(self) -> CustomerState:
        """An independent copy, made by sharing. Frozen parts and the salaries tuple are
        shared for good. The four containers changed in place (seen ids, purchase
        months, mortgages, installments) are shared until either state changes one:
        every change goes through an `own_*` method, which gives that state its own
        container first. Most events change two of them: this costs about a third of
        copying all four up front. The derived data beside the fields is shared too
        (it describes the same facts, and is replaced, never changed)."""
        clone = msgspec.structs.replace(self)
        mine = self.__dict__
        mine[_BORROWED] = _ALL_CONTAINERS  # both sides copy before they change one
        clone.__dict__.update(mine)
        return clone

    def _take(self, container: int) -> bool:
        """Whether `container` is still shared with a copy; from now on it is not."""
        derived = self.__dict__
        borrowed: int = derived.get(_BORROWED, 0)
        if borrowed & container:
            derived[_BORROWED] = borrowed & ~container
            return True
        return False

    def own_seen_event_ids(self) -> dict[str, date]:
        """The seen ids, to change in place."""
        if self._take(_SEEN):
            self.seen_event_ids = dict(self.seen_event_ids)
        return self.seen_event_ids

    def own_purchase_months(self) -> dict[str, date]:
        """The purchase months, to change in place."""
        if self._take(_PURCHASES):
            self.purchase_months = dict(self.purchase_months)
        return self.purchase_months

    def own_mortgage(self, loan_id: str) -> Mortgage:
        """The mortgage of `loan_id` (a new one if it is unknown), to change in place.
        Mortgages are few: the state's own container holds copies of all of them."""
        if self._take(_MORTGAGES):
            replace = msgspec.structs.replace
            self.mortgages = {k: replace(m) for k, m in self.mortgages.items()}
        mortgage = self.mortgages.get(loan_id)
        if mortgage is None:
            mortgage = self.mortgages[loan_id] = Mortgage()
        return mortgage

    def own_installments(self) -> dict[str, Installment]:
        """The installments, to add one in place; an installment already there is
        changed through `own_installment`."""
        if self._take(_INSTALLMENTS):
            self.installments = dict(self.installments)
            if self.installments:  # the installments themselves are still shared
                self.__dict__[_SHARED] = tuple(self.installments)
        return self.installments

    def own_installment(self, key: str) -> Installment:
        """The installment under `key`, to change in place. A copy that takes its own
        container still shares the installments in it (most events change none of
        them, and copying each one would be a third of a copy) until it changes one:
        then it takes its own. Every change to an installment goes through here."""
        inst = self.own_installments()[key]
        shared: tuple[str, ...] | None = self.__dict__.get(_SHARED)
        if shared is not None and key in shared:
            rest = tuple(k for k in shared if k != key)  # a tuple: a set costs a state 0.4 KB
            if rest:
                self.__dict__[_SHARED] = rest
            else:
                del self.__dict__[_SHARED]
            inst = self.installments[key] = msgspec.structs.replace(inst)
        return inst

    @classmethod
    def from_json(cls, stored: bytes) -> CustomerState:
        """Read the stored form (`to_json`), as kept in the worker's table."""
        return _DECODER.decode(stored)

    def to_json(self) -> bytes:
        """The stored form: fields at their default are left out (they read back as the
        default), which keeps state per customer small (the benchmark's 2 KB target)."""
        return _ENCODER.encode(self)

    def facts(self) -> dict[str, object]:
        """The order-insensitive part of the state (what shuffled histories must agree on)."""
        dumped: dict[str, Any] = _plain(self)
        for name in ("tier", "grade", "a_qualified_since"):
            del dumped[name]
        for inst in dumped["installments"].values():
            inst.pop("alerted_bucket")
        return dumped


def _plain(value: Any) -> Any:
    """Every field of every struct as nested dicts (defaults included), values as they are."""
    if isinstance(value, msgspec.Struct):
        return {name: _plain(getattr(value, name)) for name in value.__struct_fields__}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


_DAYS: dict[date, date] = {}
_MONTHS: dict[date, str] = {}
_MONTH_TEXT: dict[str, str] = {}
_MAX_DAYS = 100_000  # far more dates than a policy's windows span; a bound, not a limit


def shared_day(day: date) -> date:
    """One object per calendar date. States keep dozens of dates each (the day of every
    event seen, due and paid dates), a replay holds every customer's state, and few
    distinct days occur: sharing them saves a sixth of the states' memory."""
    kept = _DAYS.get(day)
    if kept is None:
        if len(_DAYS) >= _MAX_DAYS:
            _DAYS.clear()
        kept = _DAYS[day] = day
    return kept


def month_of(day: date) -> str:
    """"YYYY-MM" of a day, one string per month (see `shared_day`)."""
    month = _MONTHS.get(day)
    if month is None:
        if len(_MONTHS) >= _MAX_DAYS:
            _MONTHS.clear()
            _MONTH_TEXT.clear()
        text = day.isoformat()[:7]
        month = _MONTHS[day] = _MONTH_TEXT.setdefault(text, text)
    return month


_SHARED = "_shared_installments"  # beside the fields: keys of installments not yet owned
_BORROWED = "_borrowed_containers"  # beside the fields: bits of the containers still shared
_SEEN, _PURCHASES, _MORTGAGES, _INSTALLMENTS = 1, 2, 4, 8
_ALL_CONTAINERS = _SEEN | _PURCHASES | _MORTGAGES | _INSTALLMENTS
_ENCODER = msgspec.json.Encoder()
_DECODER = msgspec.json.Decoder(CustomerState)
