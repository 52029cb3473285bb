"""Keeping Python's cyclic garbage collector off the replay's long-lived states.

A replay holds every customer's state for the whole run and makes fresh objects per
batch; the collector keeps re-scanning all the states it already knows, which cost
a quarter of a replay's time. After each batch, `settle` moves every object alive
into the collector's permanent generation (`gc.freeze`): such objects are still
freed by reference counting when replaced, only never scanned again. Only a cycle
among them would outlive the replay, and states and outputs hold none.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def settled_batches() -> Iterator[Callable[[], None]]:
    """Yield `settle()`, to call after each batch; everything is scanned again after."""
    frozen_before = gc.get_freeze_count()
    try:
        yield gc.freeze
    finally:
        if frozen_before == 0:  # someone else's frozen objects stay as they were
            gc.unfreeze()
