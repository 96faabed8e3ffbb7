"""Asking the sync for an incremental pull, to fill the gap a disabled or missing webhook left."""

from __future__ import annotations

import logging

from sync.models import SyncRunKind
from sync.services import sync_run_request

logger = logging.getLogger(__name__)


def request_incremental_pull(store_id, *, reason, actor=None):
    """Queue an incremental pull of the store (``sync.services.sync_run_request``) to fill the gap
    a disabled webhook left. Returns True if a run is queued (a run already queued counts)."""
    try:
        sync_run_request(store_id=store_id, kind=SyncRunKind.INCREMENTAL, actor=actor)
    except Exception:
        logger.exception("Could not queue an incremental pull of store %s (%s)", store_id, reason)
        return False
    logger.info("Incremental pull of store %s queued (%s)", store_id, reason)
    return True
