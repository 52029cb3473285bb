"""The worker's write: a batch's published tier changes, appended per customer.

Called after the batch's outputs are acknowledged and before its states are stored
(streams/processing/processor.py): a crash before the state write redelivers the
batch, which decides the same changes again, and `append` does not add them twice.
"""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping
from datetime import timedelta

from tierstream.history.timeline import append
from tierstream.pipeline import Send


def record(history: MutableMapping[bytes, bytes], sends: Iterable[Send], keep: timedelta) -> None:
    """Append each customer's tier-change records of `sends` to `history`, in order."""
    changes: dict[bytes, list[bytes]] = {}
    for send in sends:
        if send.role == "tier_change" and send.key is not None and send.value is not None:
            changes.setdefault(send.key, []).append(send.value)
    for key, records in changes.items():
        history[key] = append(history.get(key), records, keep)
