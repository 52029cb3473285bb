"""What happened to one input record, as the edge counts it and the replay tallies it.

The pipeline counts nothing itself (it must not depend on a metrics library); it
says per record what a counter needs and leaves the counting to the caller. Only
small values are kept, never the output models: a batch's outcomes live until the
batch ends, and holding every output of a batch costs the cache and the garbage
collector more than the deciding. A msgspec struct, read-only by convention but for
`challenger`, set after the champion's outcome is built (see records.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

from schemas.outputs import Standing
from schemas.vocabulary import AlertType, Grade, Severity, Tier
from tierstream.intake import Rejection
from tierstream.pipeline.challenger import ShadowSeen
from tierstream.pipeline.records import RawRecord
from tierstream.pipeline.reevaluation_request import Why

ForwardWhy = Literal["missing_key", "wrong_partition"]
ChangeSeen = tuple[Standing | None, Standing]  # a tier change: from (None: first) and to
AlertSeen = tuple[AlertType, Severity]
StandingSeen = tuple[Tier, Grade]


class Outcome(msgspec.Struct, gc=False):
    record: RawRecord
    customer_id: str | None = None
    consumed: str | None = None  # event type; "invalid" if undecodable; None: not an input event
    applied: str | None = None  # event type, when the event was merged into the state
    duplicate: bool = False
    forwarded: ForwardWhy | None = None
    rejected: Rejection | None = None  # dead-lettered, and why
    note: str | None = None  # an event that changed no decision by rule (a no-op kind)
    tier_change: ChangeSeen | None = None
    alerts: tuple[AlertSeen, ...] = ()  # per alert published
    latest: StandingSeen | None = None  # the standing published as the latest tier
    occurred_at: datetime | None = None  # of an applied event (event age, stream time)
    reevaluated: Why | None = None  # a re-evaluation request that was decided
    challenger: ShadowSeen | None = None  # decided under the challenger policy too
