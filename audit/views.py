"""Admin-only pages under /audit/: critical changes, user activity, anomalies.

Only app admins (the ``admin`` app role) see them; everybody else, signed in or not, gets a 404.
"""

from functools import wraps

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django.views.decorators.http import require_POST

from audit import anomalies
from audit import selectors
from audit.forms import ActivityFilterForm
from audit.presenters import ACTION_WORDS
from audit.presenters import CRITICAL_CATEGORY_LABELS
from audit.presenters import TABLE_KINDS
from audit.presenters import actor_labels
from audit.presenters import group_sync_noise
from audit.presenters import present
from stores.access import access_for
from stores.selectors import store_choices_for


def staff_only(view):
    @wraps(view)
    def inner(request, *args, **kwargs):
        if not access_for(request.user).is_admin:
            raise Http404
        return view(request, *args, **kwargs)

    return inner


def _querystring(request, **changes):
    query = request.GET.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


def _audit_page(request, template, tab, title, page, **context):
    """An audit page: its tab, a page of rows and the query strings of the pages around it."""
    return render(
        request,
        template,
        {
            "title": title,
            "active_audit_tab": tab,
            "page": page,
            "next_query": _querystring(request, page=page.number + 1),
            "previous_query": _querystring(request, page=page.number - 1),
            **context,
        },
    )


@require_GET
@staff_only
def activity(request):
    """The audit log in words, with filters by store, person, kind of object and of change, days."""
    form = ActivityFilterForm(
        request.GET or None,
        stores=store_choices_for(access_for(request.user)),
        people=selectors.activity_people(),
    )
    page = selectors.activity_for(**form.filters(), page=request.GET.get("page"))
    return _audit_page(
        request,
        "audit/activity.html",
        "log",
        _("Activity log"),
        page,
        entries=group_sync_noise(present(page.rows)),
        form=form,
    )


@require_GET
@staff_only
def critical_changes(request):
    filters = {
        "category": request.GET.get("category") or "",
        "table": request.GET.get("table") or "",
        "action": request.GET.get("action") or "",
        "actor": (request.GET.get("actor") or "").strip(),
    }
    page = selectors.critical_changes_for(**filters, page=request.GET.get("page"))
    return _audit_page(
        request,
        "audit/critical_changes.html",
        "critical",
        _("Critical changes"),
        page,
        entries=present(page.rows),
        filters=filters,
        categories=[(category, CRITICAL_CATEGORY_LABELS[category]) for category in selectors.CRITICAL_CATEGORIES],
        tables=[(table, TABLE_KINDS[table]) for table in selectors.AUDITED_TABLES],
        actions=list(ACTION_WORDS.items()),
    )


@require_GET
@staff_only
def user_activity(request):
    filters = {"search": (request.GET.get("q") or "").strip(), "order": request.GET.get("order") or "last"}
    page = selectors.user_activity_for(**filters, page=request.GET.get("page"))
    actor_labels(page.rows)
    return _audit_page(
        request,
        "audit/user_activity.html",
        "activity",
        _("User activity"),
        page,
        filters=filters,
        orderings=selectors.ACTIVITY_ORDERINGS,
    )


@require_GET
@staff_only
def anomaly_list(request):
    filters = {"state": request.GET.get("state") or "", "rule": request.GET.get("rule") or ""}
    page = selectors.anomalies_for(**filters, page=request.GET.get("page"))
    return _audit_page(
        request, "audit/anomalies.html", "anomalies", _("Anomalies"), page, filters=filters, rules=list(anomalies.RULES)
    )


@require_POST
@staff_only
def anomaly_acknowledge(request):
    anomaly_id = request.POST.get("anomaly_id", "")
    if anomalies.anomaly_acknowledge(anomaly_id=anomaly_id, user=request.user):
        messages.success(request, _("Anomaly acknowledged."))
    return redirect("audit:anomalies")


@require_POST
@staff_only
def anomaly_undo_suspension(request, action_id):
    try:
        target = anomalies.anomaly_undo_suspension(action_id=action_id, user=request.user)
    except anomalies.AnomalyActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(email)s can sign in again.") % {"email": target.email})
    return redirect("audit:anomalies")
