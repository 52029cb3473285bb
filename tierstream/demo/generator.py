"""A deterministic synthetic stream of bank customer events, for the demo and benchmarks.

`generate(customers, seed)` gives every customer a persona (see `personas.py`) and
about twelve months of events, then merges all timelines into one stream in global
event-time order, so a live demo shows customers evolving over simulated months.
Values are the wire format of `customer-events` (docs/domain.md "Input events"); keys are
the customer id. With `invalid_ratio > 0`, deliberately bad records (not JSON,
unknown type, negative amount, naive timestamp, key/body mismatch) are interleaved
to exercise the dead-letter topic.

The same arguments always give the same bytes: every random choice comes from a
`random.Random` seeded by the seed and the customer's number, so one customer's
timeline does not depend on how many other customers are generated.
"""

from __future__ import annotations

import heapq
import json
import random
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from operator import itemgetter

from tierstream.demo.personas import PERSONAS, JsonObject, Persona, Timeline

DEFAULT_START = datetime(2026, 1, 1, 9, 0, tzinfo=timezone(timedelta(hours=8)))
SCHEMA_VERSION = 1
INVALID_KINDS = ("not_json", "unknown_type", "negative_amount", "naive_timestamp", "key_mismatch")
# A file of JSON lines has no record keys, so a key/body mismatch cannot be written to one.
FILE_INVALID_KINDS = tuple(k for k in INVALID_KINDS if k != "key_mismatch")
_SALT = "tierstream-demo"
_MAX_START_JITTER_DAYS = 27  # customers open their accounts over the first four weeks


@dataclass(frozen=True, slots=True)
class Record:
    """One input record: Kafka key and value bytes."""

    key: bytes | None
    value: bytes
    valid: bool = True  # False for the deliberately invalid records


def customer_id(number: int, prefix: str = "") -> str:
    """Customer ids are 1-based: 1 -> "C000001" (with a prefix: "R1-C000001")."""
    return f"{prefix}C{number:06d}"


def assign_personas(
    customers: int, seed: int = 7, only: Collection[str] | None = None
) -> list[Persona]:
    """Personas of customers 1..n: each block of `personas.DECK_SIZE` customers is a
    shuffled deck holding every persona `weight` times, so even a small demo meets them all.
    `only` keeps the named personas (the event mix), in their usual proportions."""
    unknown = set(only or ()) - {p.name for p in PERSONAS}
    if unknown:
        raise ValueError(f"unknown persona(s): {', '.join(sorted(unknown))}")
    deck = [p for p in PERSONAS if not only or p.name in only for _ in range(p.weight)]
    assigned: list[Persona] = []
    block = 0
    while len(assigned) < customers:
        hand = deck.copy()
        random.Random(f"{_SALT}:{seed}:deck:{block}").shuffle(hand)
        assigned.extend(hand)
        block += 1
    return assigned[:customers]


def generate(
    customers: int,
    seed: int = 7,
    start: datetime = DEFAULT_START,
    invalid_ratio: float = 0.0,
    id_prefix: str = "",
    personas: Collection[str] | None = None,
    until: datetime | None = None,
) -> Iterator[Record]:
    """Records of `customers` customers in event-time order; `invalid_ratio` of all
    records (approximately) are deliberately invalid. `id_prefix` is put before every
    customer id (the demo uses one per run, so reruns show new customers). `personas`
    restricts the mix to the named personas (see `personas.PERSONAS`). `until` keeps
    only the events that occur before it (see `horizon`)."""
    yield from SyntheticStream(customers, seed, start, invalid_ratio, id_prefix, personas,
                               until=until)


def horizon(customers: int, events: int, seed: int = 7, start: datetime = DEFAULT_START,
            sample: int = 2_000) -> datetime | None:
    """An event time before which the stream of `customers` customers holds (with a
    margin) at least its first `events` events, or None if that needs all of them.

    The whole stream must be in memory to be merged in time order: a million customers'
    year is about 17 million events. A benchmark that reads only the first `events`
    passes this as `until` and keeps only those, and gets the same first records."""
    sampled = min(sample, customers)
    if sampled == 0:
        return None
    times = sorted(at for number, persona in enumerate(assign_personas(sampled, seed), 1)
                   for at, _, _ in _timeline(number, persona, seed, start, ""))
    wanted = int(events * sampled / customers * 1.25) + 10
    return times[wanted] if wanted < len(times) else None


def rounds(customers: int, per_customer: int, seed: int = 7,
           start: datetime = DEFAULT_START) -> Iterator[Record]:
    """Every customer's first event, then every customer's second, and so on, up to
    `per_customer` each: a stream in which every customer has a state after the first
    round (the benchmark at a million customers). Each customer's events keep their
    order; across customers, event time restarts with each round."""
    firsts = [[event for _, _, event in _timeline(number, persona, seed, start, "")
               [:per_customer]]
              for number, persona in enumerate(assign_personas(customers, seed), start=1)]
    for k in range(per_customer):
        for events in firsts:
            if k < len(events):
                yield Record(events[k]["customer_id"].encode(), _dumps(events[k]))

class SyntheticStream:
    """The stream `generate` yields, with its size known before it is read: every
    timeline is built up front (they must be, to merge them in time order), so a
    progress bar can show how far the writing is. Iterating again gives the same records.
    `invalid_kinds` narrows the bad records (a file of lines has no keys to mismatch);
    `progress(customers built)` is called while the timelines are built; `until` keeps
    only events before that time."""

    def __init__(
        self,
        customers: int,
        seed: int = 7,
        start: datetime = DEFAULT_START,
        invalid_ratio: float = 0.0,
        id_prefix: str = "",
        personas: Collection[str] | None = None,
        invalid_kinds: Collection[str] = INVALID_KINDS,
        progress: Callable[[int], None] | None = None,
        until: datetime | None = None,
    ) -> None:
        if customers < 0:
            raise ValueError("customers must not be negative")
        if start.tzinfo is None or start.utcoffset() is None:
            raise ValueError("start must carry a UTC offset")
        if not 0.0 <= invalid_ratio < 1.0:
            raise ValueError("invalid_ratio must be in [0, 1)")
        if not invalid_kinds or set(invalid_kinds) - set(INVALID_KINDS):
            raise ValueError(f"invalid_kinds must be some of {', '.join(INVALID_KINDS)}")
        self.customers, self.seed, self.id_prefix = customers, seed, id_prefix
        self.invalid_ratio = invalid_ratio
        self.invalid_kinds = tuple(k for k in INVALID_KINDS if k in invalid_kinds)
        self.timelines = []
        for number, persona in enumerate(assign_personas(customers, seed, personas), start=1):
            timeline = _timeline(number, persona, seed, start, id_prefix)
            if until is not None:
                timeline = [entry for entry in timeline if entry[0] < until]
            self.timelines.append(timeline)
            if progress is not None and (number % 100 == 0 or number == customers):
                progress(number)
        self.events = sum(len(t) for t in self.timelines)  # valid events (invalid ones extra)

    def __iter__(self) -> Iterator[Record]:
        merged = heapq.merge(*self.timelines, key=itemgetter(0))
        # k invalid records per valid one, on average, makes `invalid_ratio` of the total.
        per_valid = self.invalid_ratio / (1.0 - self.invalid_ratio)
        bad_rng = random.Random(f"{_SALT}:{self.seed}:invalid")
        for _, number, event in merged:
            key = event["customer_id"].encode()
            yield Record(key, _dumps(event))
            if per_valid:
                extra = int(per_valid) + (bad_rng.random() < per_valid % 1.0)
                for _ in range(extra):
                    yield _corrupt(event, number, self.customers, bad_rng, self.id_prefix,
                                   self.invalid_kinds)


def _timeline(
    number: int, persona: Persona, seed: int, start: datetime, prefix: str
) -> list[tuple[datetime, int, JsonObject]]:
    """One customer's events, sorted by occurred_at, as (occurred_at, number, event)."""
    rng = random.Random(f"{_SALT}:{seed}:customer:{number}")
    cid = customer_id(number, prefix)
    origin = start + timedelta(days=rng.randint(0, _MAX_START_JITTER_DAYS))
    timeline = Timeline(cid, rng, origin)
    persona.build(timeline)
    timeline.campaigns()
    out = []
    for n, (at, _, type_, data) in enumerate(sorted(timeline.entries, key=itemgetter(0, 1)), 1):
        out.append((at, number, {
            "event_id": f"e-{cid}-{n}",
            "customer_id": cid,
            "type": type_,
            "occurred_at": at.isoformat(),
            "schema_version": SCHEMA_VERSION,
            "data": data,
        }))
    return out


def _dumps(event: JsonObject) -> bytes:
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()


def _corrupt(
    event: JsonObject, number: int, customers: int, rng: random.Random, prefix: str,
    kinds: tuple[str, ...] = INVALID_KINDS,
) -> Record:
    """A bad record modelled on a real event, as a faulty upstream system would send it."""
    kind = rng.choice(kinds)
    key = event["customer_id"].encode()
    bad: JsonObject = {**event, "event_id": f"{event['event_id']}-bad"}
    if kind == "not_json":
        value = _dumps(bad)
        return Record(key, value[: rng.randint(1, len(value) - 1)], valid=False)  # cut off
    if kind == "unknown_type":
        bad["type"] = rng.choice(["account.frozen", "card.swiped", "salary.updated"])
    elif kind == "negative_amount":
        amount = rng.randrange(1_000, 50_001, 100)
        if rng.random() < 0.5:
            bad.update(type="purchase.made", data={"product": "fund", "amount": -amount})
        else:
            bad.update(type="salary.changed", data={"monthly_income": f"-{amount}.00"})
    elif kind == "naive_timestamp":
        bad["occurred_at"] = bad["occurred_at"][:19]  # the offset dropped
    else:  # key_mismatch: keyed as the next customer
        other = number % customers + 1
        key = customer_id(other if other != number else number + 1, prefix).encode()
    return Record(key, _dumps(bad), valid=False)
