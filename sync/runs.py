"""Execute a queued sync run: a pull (full or incremental) or a reconciliation.

Its own module because it chooses between the two kinds, and the reconciliation is built on
the pull: neither of them imports the other's chooser.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sync.models import SyncRun
from sync.models import SyncRunKind
from sync.models import SyncRunStatus
from sync.pull import Puller
from sync.reconcile import Reconciler
from sync.woo import WooClient


def run_pull(
    run_id: Any, *, client: WooClient | None = None, on_progress: Callable[[SyncRun], None] | None = None
) -> SyncRun:
    """Execute a queued :class:`SyncRun` (full or incremental pull, or reconciliation) here."""
    run = SyncRun.objects.select_related("store").get(pk=run_id)
    if run.status not in (SyncRunStatus.PENDING, SyncRunStatus.RUNNING):
        return run
    runner = Reconciler if run.kind == SyncRunKind.RECONCILE else Puller
    return runner(run, client=client, on_progress=on_progress).execute()
