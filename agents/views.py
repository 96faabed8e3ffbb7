"""The insights pages (per store, and app-wide for app admins) and the alerts centre.

Thin: selectors read (already scoped), services write; every page is htmx-friendly (filters swap
the results) and has no inline script.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agents import selectors
from agents import services
from agents.forms import AgentSettingsForm
from agents.forms import AlertFilterForm
from agents.forms import InsightFilterForm
from agents.forms import InsightStatusForm
from agents.models import InsightStatus
from agents.presenters import alert_view
from agents.presenters import insight_url
from agents.presenters import insight_view
from agents.registry import all_agents
from agents.services import TRANSITIONS
from stores.access import CHANGE_STORE
from stores.access import RUN_AGENTS
from stores.access import VIEW_INSIGHTS
from stores.access import access_for
from stores.navigation import store_tabs
from stores.pages import render_list
from stores.selectors import store_choices_for
from stores.selectors import store_get

# The buttons of an insight's page, in the order of the workflow.
WORKFLOW_ORDER = (
    InsightStatus.ACKNOWLEDGED,
    InsightStatus.IN_PROGRESS,
    InsightStatus.RESOLVED,
    InsightStatus.DISMISSED,
    InsightStatus.NEW,
)


def _admin_access(request):
    """App-wide pages exist for app admins only (a 404 for everybody else)."""
    access = access_for(request.user)
    if not access.is_admin:
        raise Http404("No such page.")
    return access


def _agents_for(store_id):
    scope = "store" if store_id else "app"
    return [agent for agent in all_agents() if agent.scope == scope]


def _insights_context(request, access, store=None):
    store_id = store.pk if store else None
    agents = _agents_for(store_id)
    form = InsightFilterForm(request.GET or None, agents=agents)
    insights = selectors.insights_for(access, store_id, **form.filters())
    runs = selectors.last_runs([a.agent_type for a in agents], store_id)
    context = {
        "form": form,
        "insights": [insight_view(i) for i in insights],
        "agents": [{"agent": a, "last_run": runs.get(a.agent_type)} for a in agents],
        "title": _("Insights"),
        "access": access,
    }
    if store is not None:
        context.update(
            store=store,
            store_tabs=store_tabs(store, access, "insights"),
            active_tab="insights",
            store_role=access.role(store.pk),
            can_run=access.can(RUN_AGENTS, store.pk),
            can_configure=access.can(CHANGE_STORE, store.pk),
            settings_form=AgentSettingsForm(initial=selectors.store_agent_settings_get(store.pk)),
        )
    else:
        context["can_run"] = access.is_admin
    return context


def _render_insights(request, context):
    return render_list(request, "agents/insight_list.html", context, "insight-results")


@login_required
def store_insights(request, store_id):
    access = access_for(request.user)
    store = store_get(access, store_id, VIEW_INSIGHTS)
    return _render_insights(request, _insights_context(request, access, store))


@login_required
def app_insights(request):
    access = _admin_access(request)
    return _render_insights(request, _insights_context(request, access))


def _insight_page(request, access, insight, store=None):
    context = {
        "view": insight_view(insight),
        "insight": insight,
        "alerts": [alert_view(a) for a in selectors.insight_alerts(insight)],
        "next_statuses": [s for s in WORKFLOW_ORDER if s in TRANSITIONS[insight.status or InsightStatus.NEW]],
        "title": insight_view(insight).title,
        "access": access,
        "store": store,
    }
    if store is not None:
        context.update(store_tabs=store_tabs(store, access, "insights"), active_tab="insights")
    return render(request, "agents/insight_detail.html", context)


@login_required
def store_insight(request, store_id, insight_id):
    access = access_for(request.user)
    store = store_get(access, store_id, VIEW_INSIGHTS)
    return _insight_page(request, access, selectors.insight_get(access, insight_id, store.pk), store)


@login_required
def app_insight(request, app_insight_id):
    access = _admin_access(request)
    return _insight_page(request, access, selectors.insight_get(access, app_insight_id))


def _set_status(request, access, insight):
    form = InsightStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid status."))
        return redirect(insight_url(insight))
    try:
        services.insight_set_status(actor=request.user, insight_id=insight.pk, status=form.cleaned_data["status"])
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Insight updated."))
    return redirect(insight_url(insight))


@login_required
@require_POST
def store_insight_status(request, store_id, insight_id):
    access = access_for(request.user)
    store = store_get(access, store_id, VIEW_INSIGHTS)
    return _set_status(request, access, selectors.insight_get(access, insight_id, store.pk))


@login_required
@require_POST
def app_insight_status(request, app_insight_id):
    access = _admin_access(request)
    return _set_status(request, access, selectors.insight_get(access, app_insight_id))


@login_required
@require_POST
def store_run(request, store_id):
    access = access_for(request.user)
    store = store_get(access, store_id, RUN_AGENTS)
    services.agents_run_request(actor=request.user, store_id=store.pk)
    messages.success(request, _("The agents are analysing the store; refresh this page in a minute."))
    return redirect("agents:store_insights", store_id=store.pk)


@login_required
@require_POST
def app_run(request):
    _admin_access(request)
    services.agents_run_request(actor=request.user)
    messages.success(request, _("Every agent is running; refresh this page in a minute."))
    return redirect("agents:insights")


@login_required
@require_POST
def store_agent_settings(request, store_id):
    access = access_for(request.user)
    store = store_get(access, store_id, CHANGE_STORE)
    form = AgentSettingsForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}")
        return redirect("agents:store_insights", store_id=store.pk)
    try:
        services.store_agent_settings_save(actor=request.user, store_id=store.pk, **form.cleaned_data)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Agent settings saved; they apply from the next run."))
    return redirect("agents:store_insights", store_id=store.pk)


# --- the alerts centre --------------------------------------------------------------------------


def _source_labels():
    labels = {agent.agent_type: agent.label for agent in all_agents()}
    labels.setdefault("webhooks", _("Webhooks"))
    labels["security"] = _("Security")
    return labels


@login_required
def alert_list(request):
    access = access_for(request.user)
    labels = _source_labels()
    form = AlertFilterForm(
        request.GET or None,
        stores=store_choices_for(access),
        sources=selectors.alert_sources(access),
        source_labels=labels,
    )
    filters = form.filters()
    context = {
        "form": form,
        "alerts": [alert_view(a, labels) for a in selectors.alerts_page(access, **filters)],
        "title": _("Alerts"),
    }
    return render_list(request, "agents/alert_list.html", context, "alert-results")


def _back(request, fallback="agents:alerts"):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(fallback)


@login_required
@require_POST
def alerts_mark_read(request):
    """Mark one alert (``alert`` in the form) or every visible unread alert read."""
    alert_id = request.POST.get("alert") or None
    try:
        ids = [alert_id] if alert_id else None
        count = services.alerts_mark_read(actor=request.user, alert_ids=ids)
    except ValidationError:
        count = 0
    if alert_id is None:
        messages.success(request, _("All alerts marked as read."))
    elif not count:
        messages.info(request, _("That alert was already read."))
    return _back(request)


@login_required
def alerts_bell(request):
    """The header's bell alone (htmx refreshes it every minute)."""
    return render(request, "agents/_bell.html")
