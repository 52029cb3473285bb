"""The replay's garbage-collector settings last only as long as the replay."""

from __future__ import annotations

import gc

from tierstream.offline.collector import YOUNG_THRESHOLD, settled_batches


def test_thresholds_and_frozen_objects_are_restored() -> None:
    before = gc.get_threshold()
    with settled_batches() as settle:
        assert gc.get_threshold()[0] >= YOUNG_THRESHOLD
        kept = [object() for _ in range(10)]
        settle()
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
    del kept


def test_automatic_collection_left_off_stays_off() -> None:
    before = gc.get_threshold()
    gc.set_threshold(0)
    try:
        with settled_batches():
            assert gc.get_threshold()[0] == 0
    finally:
        gc.set_threshold(*before)
