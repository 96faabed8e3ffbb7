"""Every read the sync pages, the dashboard's progress bar and the tasks need, scoped to what
the user may see (``stores.access``): runs and conflicts for anyone who sees the store, errors
and the push outbox for those who may run syncs."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.db.models import Q
from django.db.models import QuerySet

from stores.access import RUN_SYNC
from stores.access import VIEW_STORE
from stores.access import access_for
from stores.access import get_scoped_or_404
from stores.models import without_credentials
from sync.models import ACTIVE_RUN_STATUSES
from sync.models import OPEN_PUSH_STATUSES
from sync.models import ConflictStatus
from sync.models import ProductConflict
from sync.models import PushOperation
from sync.models import SyncError
from sync.models import SyncLog
from sync.models import SyncRun
from sync.models import SyncState


def _scoped(queryset: QuerySet, user, perm: str, store_id=None) -> QuerySet:
    queryset = access_for(user).scope(queryset, perm)
    return queryset.filter(store_id=store_id) if store_id is not None else queryset


def sync_runs_for(user, *, store_id=None) -> QuerySet:
    return _scoped(
        without_credentials(SyncRun.objects.select_related("store", "requested_by")), user, VIEW_STORE, store_id
    )


def sync_run_get(run_id, user) -> SyncRun:
    return get_scoped_or_404(
        without_credentials(SyncRun.objects.select_related("store")), access_for(user), VIEW_STORE, pk=run_id
    )


def sync_run_active(store_id, user) -> SyncRun | None:
    return sync_runs_for(user, store_id=store_id).filter(status__in=ACTIVE_RUN_STATUSES).first()


def sync_run_progress(run_id, user=None) -> dict[str, Any]:
    """What a progress bar shows: overall percent, and done/total per entity, in pull order.

    One query. ``user`` (optional) limits it to runs of stores the user can see (else 404).
    """
    if user is not None:
        run = sync_run_get(run_id, user)
    else:
        run = SyncRun.objects.get(pk=run_id)
    entities = []
    weights = 0.0
    for name in run.entities or list(run.progress):
        entry = (run.progress or {}).get(name, {})
        done, total, status = entry.get("done", 0), entry.get("total"), entry.get("status", "pending")
        if status in ("done", "skipped", "failed"):
            fraction = 1.0
        elif total:
            fraction = min(1.0, done / total)
        else:
            fraction = 0.0
        weights += fraction
        entities.append(
            {
                "entity": name,
                "done": done,
                "total": total,
                "status": status,
                "percent": round(fraction * 100),
                # What the step stored (variations: the variations, not their parent products).
                "stored": entry.get("items", done),
            }
        )
    if not entities:
        entities = [
            {
                "entity": name,
                **value,
                "percent": 100 if value.get("status") == "done" else 0,
                "stored": value.get("items", value.get("done", 0)),
            }
            for name, value in (run.progress or {}).items()
        ]
    finished = not run.is_active
    percent = 100 if finished else round(100 * weights / len(entities)) if entities else 0
    return {
        "id": str(run.pk),
        "store_id": str(run.store_id),
        "kind": run.kind,
        "status": run.status,
        "finished": finished,
        "percent": percent,
        "entities": entities,
        "rows_written": run.rows_written,
        "requests_made": run.requests_made,
        "errors": run.errors_count,
        "error_message": run.error_message,
        "created_at": run.created_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
    }


def sync_errors_for(user, *, store_id=None, resolved=False) -> QuerySet:
    queryset = _scoped(without_credentials(SyncError.objects.select_related("store")), user, RUN_SYNC, store_id)
    return queryset if resolved is None else queryset.filter(resolved=resolved)


def sync_error_get(error_id, user) -> SyncError:
    return get_scoped_or_404(SyncError.objects.all(), access_for(user), RUN_SYNC, pk=error_id)


def sync_logs_for(user, *, store_id=None) -> QuerySet:
    return _scoped(SyncLog.objects.all(), user, VIEW_STORE, store_id)


def product_conflicts_for(user, *, store_id=None, status=ConflictStatus.OPEN) -> QuerySet:
    queryset = _scoped(
        without_credentials(ProductConflict.objects.select_related("product", "store")), user, VIEW_STORE, store_id
    )
    return queryset if status is None else queryset.filter(status=status)


def product_conflict_get(conflict_id, user) -> ProductConflict:
    return get_scoped_or_404(
        without_credentials(ProductConflict.objects.select_related("product", "store", "push")),
        access_for(user),
        VIEW_STORE,
        pk=conflict_id,
    )


def push_operations_for(user, *, store_id=None, open_only=False) -> QuerySet:
    queryset = _scoped(PushOperation.objects.select_related("requested_by"), user, RUN_SYNC, store_id)
    return queryset.filter(status__in=OPEN_PUSH_STATUSES) if open_only else queryset


def store_sync_summary(store_id, user) -> dict[str, Any]:
    """A store's sync at a glance: active and last run, open errors and conflicts, watermarks."""
    access = access_for(user)
    access.require(VIEW_STORE, store_id)
    runs = SyncRun.objects.filter(store_id=store_id)
    counts = {
        "open_errors": SyncError.objects.filter(store_id=store_id, resolved=False).count()
        if access.can(RUN_SYNC, store_id)
        else None,
        **ProductConflict.objects.filter(store_id=store_id).aggregate(
            open_conflicts=Count("pk", filter=Q(status=ConflictStatus.OPEN))
        ),
    }
    return {
        "active_run": runs.filter(status__in=ACTIVE_RUN_STATUSES).first(),
        "last_run": runs.exclude(status__in=ACTIVE_RUN_STATUSES).order_by("-created_at").first(),
        "watermarks": {s.entity: s.watermark for s in SyncState.objects.filter(store_id=store_id)},
        **counts,
    }
