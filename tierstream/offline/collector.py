"""Keeping Python's cyclic garbage collector off the replay's long-lived states.

A replay holds every customer's state for the whole run and makes fresh objects per
batch; the collector keeps re-scanning all the states it already knows, which cost
a quarter of a replay's time. After each batch, `settle` moves every object alive
into the collector's permanent generation (`gc.freeze`): such objects are still
freed by reference counting when replaced, only never scanned again. Only a cycle
among them would outlive the replay, and states and outputs hold none.

While batches run, the youngest generation is collected after many more allocations
than the default 700: a batch's objects mostly die by reference counting within the
event that made them, and the ones that live (outcomes, sends, states) are all
frozen when it ends; scanning them every few events only to keep them costs a few
percent of the replay. Cycles are still collected, a little later.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager

YOUNG_THRESHOLD = 100_000  # allocations between collections of the youngest generation


@contextmanager
def settled_batches() -> Iterator[Callable[[], None]]:
    """Yield `settle()`, to call after each batch; everything is scanned again after,
    and the collector's thresholds are as they were."""
    frozen_before = gc.get_freeze_count()
    thresholds = gc.get_threshold()
    if thresholds[0]:  # 0: automatic collection is off, and stays off
        gc.set_threshold(max(thresholds[0], YOUNG_THRESHOLD), *thresholds[1:])
    try:
        yield gc.freeze
    finally:
        gc.set_threshold(*thresholds)
        if frozen_before == 0:  # someone else's frozen objects stay as they were
            gc.unfreeze()
