"""The store's sync pages (dashboard UI over the sync app's services and selectors): "sync now"
(incremental or full), a live progress bar per entity (htmx polling), the run history, and the
open errors with a retry button and the reason in plain words.

Everyone who sees the store sees its runs; errors and the controls need ``stores.run_sync``
(the sync app scopes errors to it).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.input import safe_next
from config.pagination import window_page
from stores.access import RUN_SYNC
from stores.access import VIEW_STORE
from stores.pages import page_context
from stores.pages import store_for
from sync import services
from sync.dashboard_selectors import entity_label
from sync.dashboard_selectors import open_errors_page_source
from sync.dashboard_selectors import plain_reason
from sync.dashboard_selectors import store_health_for
from sync.dashboard_selectors import sync_runs_page_source
from sync.models import SyncRunStatus
from sync.pull import ENTITIES
from sync.selectors import sync_error_get
from sync.selectors import sync_run_active
from sync.selectors import sync_run_get
from sync.selectors import sync_run_progress

PER_PAGE = 50
HISTORY_ON_STATUS_PAGE = 8
ERRORS_ON_STATUS_PAGE = 10


def _progress_context(progress):
    order = {name: index for index, name in enumerate(ENTITIES)}
    progress["entities"].sort(key=lambda entity: order.get(entity["entity"], len(order)))
    for entity in progress["entities"]:
        entity["label"] = entity_label(entity["entity"])
    return {"progress": progress, "run_statuses": SyncRunStatus}


def _errors(rows):
    for error in rows:
        error.reason = plain_reason(error)
        error.entity_label = entity_label(error.entity_type)
    return rows


@login_required
def sync_status(request, store_id):
    access, store = store_for(request, store_id, VIEW_STORE)
    can_run = access.can(RUN_SYNC, store.pk)
    runs = list(sync_runs_page_source(request.user, store.pk)[: HISTORY_ON_STATUS_PAGE + 1])
    active = sync_run_active(store.pk, request.user)
    current = active or (runs[0] if runs else None)
    progress = sync_run_progress(current.pk, request.user) if current else None
    errors = None
    if can_run:
        errors = window_page(open_errors_page_source(request.user, store.pk), 1, ERRORS_ON_STATUS_PAGE)
        _errors(errors.rows)
    context = page_context(
        store,
        access,
        "sync",
        _("Sync"),
        can_run=can_run,
        runs=runs[:HISTORY_ON_STATUS_PAGE],
        more_runs=len(runs) > HISTORY_ON_STATUS_PAGE,
        errors=errors,
        health=store_health_for(access, [store.pk]).get(store.pk),
        entity_choices=[(entity, entity_label(entity)) for entity in ENTITIES],
        **(_progress_context(progress) if progress else {"progress": None}),
    )
    return render(request, "sync/sync_status.html", context)


@login_required
@require_POST
def sync_start(request, store_id):
    access, store = store_for(request, store_id, RUN_SYNC)
    full = request.POST.get("kind") == "full"
    entities = [entity for entity in request.POST.getlist("entities") if entity in ENTITIES] or None
    back = reverse("sync:sync_status", kwargs={"store_id": store.pk})
    try:
        active_before = sync_run_active(store.pk, request.user)
        run = services.sync_start(store_id=store.pk, actor=request.user, full=full, entities=entities)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(back)
    if active_before is not None and run is not None and run.pk == active_before.pk:
        messages.info(request, _("A sync of this store is already running; follow it below."))
    elif full:
        messages.success(request, _("Full sync started. Everything is read again from WooCommerce."))
    else:
        messages.success(request, _("Sync started. Only what changed since the last sync is read."))
    return redirect(back)


def _of_store(store, record, not_found):
    """``record`` (a run, an error) when it is ``store``'s: an id from another store is a 404."""
    if record.store_id != store.pk:
        raise Http404(not_found)
    return record


@login_required
def sync_progress(request, store_id, run_id):
    """The progress panel of one run, polled every second by htmx until the run ends."""
    access, store = store_for(request, store_id, VIEW_STORE)
    run = _of_store(store, sync_run_get(run_id, request.user), "No such run.")
    progress = sync_run_progress(run.pk, request.user)
    context = {"store": store, **_progress_context(progress)}
    context["can_run"] = access.can(RUN_SYNC, store.pk)
    if progress["finished"] and request.GET.get("live"):
        # The run has just ended: also refresh the history table (out-of-band swap).
        context["oob_runs"] = list(sync_runs_page_source(request.user, store.pk)[:HISTORY_ON_STATUS_PAGE])
        context["oob_health"] = store_health_for(access, [store.pk]).get(store.pk)
    return render(request, "sync/_progress.html", context)


@login_required
def sync_run_list(request, store_id):
    access, store = store_for(request, store_id, VIEW_STORE)
    page = window_page(sync_runs_page_source(request.user, store.pk), request.GET.get("page"), PER_PAGE)
    context = page_context(store, access, "sync", _("Sync history"), page=page)
    return render(request, "sync/run_list.html", context)


@login_required
def sync_error_list(request, store_id):
    access, store = store_for(request, store_id, RUN_SYNC)
    page = window_page(open_errors_page_source(request.user, store.pk), request.GET.get("page"), PER_PAGE)
    _errors(page.rows)
    context = page_context(store, access, "sync", _("Open sync errors"), page=page, can_run=True)
    return render(request, "sync/error_list.html", context)


@login_required
@require_POST
def sync_error_retry(request, store_id, error_id):
    access, store = store_for(request, store_id, RUN_SYNC)
    error = _of_store(store, sync_error_get(error_id, request.user), "No such error.")
    services.sync_error_retry(error_id=error.pk, actor=request.user)
    if error.resolved:
        messages.info(request, _("This error was already resolved."))
    else:
        messages.success(
            request,
            _("Retrying %(item)s now. The list updates when it has been fetched again.")
            % {
                "item": f"{entity_label(error.entity_type)} #{error.woo_id}"
                if error.woo_id
                else entity_label(error.entity_type)
            },
        )
    return redirect(safe_next(request, reverse("sync:sync_status", kwargs={"store_id": store.pk}) + "#errors"))
