"""A customer's audit trail: its published tier changes, kept for the retention horizon.

Pure functions over bytes (no faust, no Kafka): the worker appends each batch's
tier changes to its `customer-history` table through `record`, and the query API,
`tierstream history` and the query process all answer from the same stored value
with `history_page` and `standing_as_of` (docs/audit.md).
"""

from tierstream.history.codec import decode, encode
from tierstream.history.entries import Entry, entries_of
from tierstream.history.lookup import Window, in_force, select
from tierstream.history.record import record
from tierstream.history.timeline import append, prune
from tierstream.history.times import parse_time
from tierstream.history.views import NoStanding, history_page, standing_as_of

__all__ = [
    "Entry",
    "NoStanding",
    "Window",
    "append",
    "decode",
    "encode",
    "entries_of",
    "history_page",
    "in_force",
    "parse_time",
    "prune",
    "record",
    "select",
    "standing_as_of",
]
