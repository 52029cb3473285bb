"""Under exactly_once, the local table store is rebuilt from the changelog at start.

faust writes a table update to the local RocksDB store at once, but under
exactly_once its changelog record only counts when the transaction commits. After a
crash (kill -9, power loss) the aborted transaction's outputs are invisible to
read_committed consumers, yet the local store still holds the state they came from:
the redelivered events would look like duplicates and their tier changes and alerts
would never be published again. The fault test caught exactly that. So an
exactly_once worker starts from what the broker committed: it discards its local
tables and restores them from the changelog (which faust compacts).

at_least_once needs no such step: outputs are acknowledged before the state is
stored (streams/processing/processor.py), so a local store ahead of the changelog never hides
an output, and a duplicate re-stores its state so the changelog catches up.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from tierstream.settings import Settings

log = logging.getLogger(__name__)


def discard_uncommitted_local_state(settings: Settings, tabledir: Path) -> bool:
    """Delete the local table store when it may hold writes of an aborted transaction."""
    if settings.processing_guarantee != "exactly_once" or not tabledir.exists():
        return False
    shutil.rmtree(tabledir)
    log.info("exactly_once: local table store removed; tables restore from the changelog")
    return True
