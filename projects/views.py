"""The team's delivery tracker: board, backlog, tasks, sprints, bugs, deployments, alerts, timesheet.

Only the team (``user`` app role) and app admins see these pages; for everyone else they do not
exist (404). Each view checks the permission through ``stores.access``, calls one selector or
service, and renders.
"""

import uuid
from datetime import date
from datetime import timedelta
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django.views.decorators.http import require_http_methods
from django.views.decorators.http import require_POST

from audit.presenters import present
from config.db import Severity
from config.input import safe_next
from projects import charts
from projects import selectors
from projects import services
from projects.forms import BugForm
from projects.forms import BugStatusForm
from projects.forms import CommentForm
from projects.forms import SprintCompleteForm
from projects.forms import SprintForm
from projects.forms import SprintStartForm
from projects.forms import TaskForm
from projects.forms import WorkLogForm
from projects.models import BugReport
from projects.models import BugSeverity
from projects.models import BugStatus
from projects.models import Environment
from projects.models import LogLevel
from projects.models import ProjectAlert
from projects.models import Sprint
from projects.models import SprintStatus
from projects.models import Task
from projects.models import TaskComment
from projects.models import TaskStatus
from projects.models import TaskType
from projects.models import WorkLog
from stores.access import MANAGE_PROJECTS
from stores.access import VIEW_PROJECTS
from stores.access import WORK_ON_PROJECTS
from stores.access import access_for


def project_view(perm=VIEW_PROJECTS):
    """Sign-in required; then 404 outside the team, 403 without ``perm``."""

    def decorator(view):
        @wraps(view)
        @login_required
        def inner(request, *args, **kwargs):
            access = access_for(request.user)
            access.require_project(perm)
            request.project_access = access
            return view(request, *args, **kwargs)

        return inner

    return decorator


def _get(lookup, pk):
    """``lookup``: a model, or a selector taking the id. A missing object is a 404."""
    try:
        return lookup.objects.get(pk=pk) if isinstance(lookup, type) else lookup(pk)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc


def _context(request, section, title, **extra):
    access = request.project_access
    return {
        "title": title,
        "project_section": section,
        "can_manage": access.can_project(MANAGE_PROJECTS),
        "can_work": access.can_project(WORK_ON_PROJECTS),
        **extra,
    }


def _form_page(request, section, title, form, cancel_url, template="projects/form_page.html"):
    return render(request, template, _context(request, section, title, form=form, cancel_url=cancel_url))


def _create_or_edit_page(request, kind, form, obj, *, save, saved_message, create_title, edit_title):
    """The form page that creates a ``kind`` (``obj`` None) or edits ``obj``, in the ``kind``'s
    section; cancelling goes back to the list or to the object. A valid POST saves with
    ``save(form)`` (a ValidationError shows on the form) and goes to the saved object's page,
    saying ``saved_message(saved)``."""
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(form)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, saved_message(saved))
            return redirect(f"projects:{kind}_detail", saved.pk)
    if obj is None:
        return _form_page(request, f"{kind}s", create_title, form, reverse(f"projects:{kind}_list"))
    return _form_page(request, f"{kind}s", edit_title, form, reverse(f"projects:{kind}_detail", args=[obj.pk]))


def _task_url(task_id, anchor):
    return reverse("projects:task_detail", kwargs={"task_id": task_id}) + "#" + anchor


def _errors(request, error):
    for message in error.messages:
        messages.error(request, message)


def _is_htmx(request):
    return getattr(request, "htmx", False)


def _page_or_fragment(request, context, page, fragment, target):
    """The whole page, or only ``fragment`` when htmx asks to refresh the element ``target``."""
    if _is_htmx(request) and request.htmx.target == target:
        return render(request, fragment, context)
    return render(request, page, context)


# --- board --------------------------------------------------------------------------------------


def _board_context(request):
    filters = selectors.BoardFilters.from_query(request.GET)
    board = selectors.board_for(filters)
    return _context(
        request,
        "board",
        _("Board"),
        board=board,
        filters=filters,
        people=selectors.team_members(),
        types=TaskType.choices,
        priorities=Severity.choices,
        filter_query=request.GET.urlencode(),
    )


@require_GET
@project_view()
def board(request):
    return _page_or_fragment(request, _board_context(request), "projects/board.html", "projects/_board.html", "board")


@require_POST
@project_view(WORK_ON_PROJECTS)
def task_move(request, task_id):
    """A card dropped or moved by keyboard: answers the refreshed board (htmx) or redirects."""
    task = _get(Task, task_id)
    status = request.POST.get("status", "")
    try:
        services.task_move(actor=request.user, task=task, status=status)
    except ValidationError as error:
        _errors(request, error)
    if _is_htmx(request):
        context = _board_context(request)
        context["moved_task_id"] = str(task.pk)
        return render(request, "projects/_board.html", context)
    return redirect(safe_next(request, reverse("projects:board")))


@require_POST
@project_view(WORK_ON_PROJECTS)
def task_plan(request, task_id):
    """Backlog ↔ sprint."""
    task = _get(Task, task_id)
    sprint_id = request.POST.get("sprint") or None
    sprint = None
    if sprint_id:
        sprint = Sprint.objects.filter(pk=sprint_id).first() if _uuid_or_none(sprint_id) else None
        if sprint is None:
            raise Http404
    try:
        services.task_plan(actor=request.user, task=task, sprint=sprint)
    except ValidationError as error:
        _errors(request, error)
    if _is_htmx(request):
        return render(request, "projects/_board.html", _board_context(request))
    return redirect(safe_next(request, reverse("projects:board")))


def _uuid_or_none(value):
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


# --- tasks --------------------------------------------------------------------------------------


def _task_form(request, task=None):
    return TaskForm(
        request.POST or None,
        instance=task,
        people=selectors.team_members(),
        sprints=selectors.open_sprints(),
    )


@require_http_methods(["GET", "POST"])
@project_view(WORK_ON_PROJECTS)
def task_create(request):
    form = _task_form(request)
    if request.method == "GET":
        if request.GET.get("sprint"):
            form.initial["sprint"] = request.GET["sprint"]
        if request.GET.get("status") in TaskStatus.values:
            form.initial["status"] = request.GET["status"]
    if request.method == "POST" and form.is_valid():
        task = services.task_save(actor=request.user, **form.changes())
        messages.success(request, _("Task “%(title)s” created.") % {"title": task.title})
        return redirect("projects:task_detail", task_id=task.pk)
    return _form_page(request, "board", _("New task"), form, reverse("projects:board"))


@require_http_methods(["GET", "POST"])
@project_view(WORK_ON_PROJECTS)
def task_edit(request, task_id):
    task = _get(selectors.task_get, task_id)
    form = _task_form(request, task)
    if request.method == "POST" and form.is_valid():
        services.task_save(actor=request.user, task=task, **form.changes())
        messages.success(request, _("Saved."))
        return redirect("projects:task_detail", task_id=task.pk)
    return _form_page(request, "board", _("Edit task"), form, reverse("projects:task_detail", args=[task.pk]))


@require_GET
@project_view()
def task_detail(request, task_id):
    task = _get(selectors.task_get, task_id)
    level = request.GET.get("level") if request.GET.get("level") in LogLevel.values else ""
    page = selectors.task_page_for(task, level)
    page["history"] = present(page["history"], show_store=False)  # the shared History card reads entries in words
    context = _context(
        request,
        "board",
        task.title,
        task=task,
        level=level,
        levels=LogLevel.choices,
        statuses=TaskStatus.choices,
        comment_form=CommentForm(),
        work_log_form=WorkLogForm(),
        **page,
    )
    return _page_or_fragment(request, context, "projects/task_detail.html", "projects/_task_logs.html", "task-logs")


@require_POST
@project_view(WORK_ON_PROJECTS)
def task_comment_add(request, task_id):
    task = _get(Task, task_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.task_comment_add(actor=request.user, task=task, comment=form.cleaned_data["comment"])
        except ValidationError as error:
            _errors(request, error)
    else:
        messages.error(request, _("A comment cannot be empty."))
    return redirect(_task_url(task.pk, "comments"))


@require_http_methods(["GET", "POST"])
@project_view(WORK_ON_PROJECTS)
def task_comment_edit(request, comment_id):
    comment = _get(TaskComment, comment_id)
    if comment.user_id != request.user.pk:
        raise PermissionDenied
    form = CommentForm(request.POST or None, instance=comment)
    if request.method == "POST" and form.is_valid():
        services.task_comment_edit(actor=request.user, comment=comment, text=form.cleaned_data["comment"])
        messages.success(request, _("Comment updated."))
        return redirect(_task_url(comment.task_id, "comments"))
    return _form_page(request, "board", _("Edit comment"), form, _task_url(comment.task_id, "comments"))


# --- work logs ----------------------------------------------------------------------------------


@require_POST
@project_view(WORK_ON_PROJECTS)
def work_log_add(request, task_id):
    task = _get(Task, task_id)
    form = WorkLogForm(request.POST)
    if form.is_valid():
        services.work_log_add(actor=request.user, task=task, **form.cleaned_data)
        messages.success(request, _("%(hours)s h logged.") % {"hours": form.cleaned_data["hours"]})
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(_task_url(task.pk, "work-logs"))


@require_http_methods(["GET", "POST"])
@project_view(WORK_ON_PROJECTS)
def work_log_edit(request, work_log_id):
    work_log = _get(WorkLog, work_log_id)
    if work_log.user_id != request.user.pk and not request.project_access.can_project(MANAGE_PROJECTS):
        raise PermissionDenied
    form = WorkLogForm(request.POST or None, instance=work_log)
    if request.method == "POST":
        if request.POST.get("delete"):
            services.work_log_delete(actor=request.user, work_log=work_log)
            messages.success(request, _("Work log removed."))
            return redirect(_task_url(work_log.task_id, "work-logs"))
        if form.is_valid():
            services.work_log_update(actor=request.user, work_log=work_log, **form.cleaned_data)
            messages.success(request, _("Work log updated."))
            return redirect(_task_url(work_log.task_id, "work-logs"))
    cancel = _task_url(work_log.task_id, "work-logs")
    return _form_page(request, "timesheet", _("Edit work log"), form, cancel, "projects/work_log_form.html")


@require_GET
@project_view()
def timesheet(request):
    people = selectors.team_members()
    by_id = {str(person.pk): person for person in people}
    person = by_id.get(request.GET.get("person") or "") or by_id.get(str(request.user.pk)) or request.user
    try:
        day = date.fromisoformat(request.GET.get("week") or "")
    except ValueError:
        day = timezone.localdate()
    week_start = selectors.week_start_of(day)
    sheet = selectors.timesheet_for(person, week_start)
    return render(
        request,
        "projects/timesheet.html",
        _context(
            request,
            "timesheet",
            _("Timesheet"),
            sheet=sheet,
            people=people,
            previous_week=week_start - timedelta(days=7),
            next_week=week_start + timedelta(days=7),
        ),
    )


# --- sprints ------------------------------------------------------------------------------------


@require_GET
@project_view()
def sprint_list(request):
    grouped = selectors.sprints_by_status()
    return render(
        request,
        "projects/sprint_list.html",
        _context(
            request,
            "sprints",
            _("Sprints"),
            groups=[(status, SprintStatus(status).label, grouped[status]) for status in SprintStatus.values],
            velocity=charts.build_velocity(selectors.velocity()),
        ),
    )


@require_http_methods(["GET", "POST"])
@project_view(MANAGE_PROJECTS)
def sprint_form(request, sprint_id=None):
    """A new sprint (``sprint_create``), or ``sprint_id``'s (``sprint_edit``)."""
    sprint = _get(Sprint, sprint_id) if sprint_id else None
    form = SprintForm(request.POST or None, instance=sprint)
    return _create_or_edit_page(
        request,
        "sprint",
        form,
        sprint,
        save=lambda form: services.sprint_save(actor=request.user, sprint=sprint, **form.cleaned_data),
        saved_message=lambda saved: _("Sprint “%(name)s” saved.") % {"name": saved.name},
        create_title=_("New sprint"),
        edit_title=_("Edit sprint"),
    )


@require_GET
@project_view()
def sprint_detail(request, sprint_id):
    sprint = _get(Sprint, sprint_id)
    total, days = selectors.sprint_burndown(sprint)
    board = selectors.board_for(selectors.BoardFilters(), sprint=sprint)
    return render(
        request,
        "projects/sprint_detail.html",
        _context(
            request,
            "sprints",
            sprint.name,
            sprint=sprint,
            burndown=charts.build_burndown(total, days),
            board=board,
            start_form=SprintStartForm(),
            complete_form=SprintCompleteForm(planned=selectors.planned_sprints(exclude=sprint)),
        ),
    )


@require_POST
@project_view(MANAGE_PROJECTS)
def sprint_start(request, sprint_id):
    sprint = _get(Sprint, sprint_id)
    form = SprintStartForm(request.POST)
    form.is_valid()
    try:
        services.sprint_start(
            actor=request.user, sprint=sprint, allow_another_active=form.cleaned_data.get("allow_another_active", False)
        )
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("Sprint “%(name)s” started.") % {"name": sprint.name})
    return redirect("projects:sprint_detail", sprint_id=sprint.pk)


@require_POST
@project_view(MANAGE_PROJECTS)
def sprint_complete(request, sprint_id):
    sprint = _get(Sprint, sprint_id)
    form = SprintCompleteForm(request.POST, planned=selectors.planned_sprints(exclude=sprint))
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("projects:sprint_detail", sprint_id=sprint.pk)
    try:
        moved = services.sprint_complete(
            actor=request.user,
            sprint=sprint,
            open_tasks_to=form.cleaned_data["open_tasks_to"],
            next_sprint=form.cleaned_data["next_sprint"],
        )
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(
            request,
            _("Sprint “%(name)s” completed; %(count)s open tasks moved.") % {"name": sprint.name, "count": moved},
        )
    return redirect("projects:sprint_detail", sprint_id=sprint.pk)


@require_POST
@project_view(MANAGE_PROJECTS)
def sprint_cancel(request, sprint_id):
    sprint = _get(Sprint, sprint_id)
    try:
        services.sprint_cancel(actor=request.user, sprint=sprint)
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("Sprint “%(name)s” cancelled.") % {"name": sprint.name})
    return redirect("projects:sprint_detail", sprint_id=sprint.pk)


# --- bugs ---------------------------------------------------------------------------------------


@require_GET
@project_view()
def bug_list(request):
    status = request.GET.get("status", "open")
    severity = request.GET.get("severity") if request.GET.get("severity") in BugSeverity.values else ""
    return render(
        request,
        "projects/bug_list.html",
        _context(
            request,
            "bugs",
            _("Bugs"),
            bugs=selectors.bugs_for(status, severity),
            status=status,
            severity=severity,
            statuses=BugStatus.choices,
            severities=BugSeverity.choices,
        ),
    )


@require_http_methods(["GET", "POST"])
@project_view(WORK_ON_PROJECTS)
def bug_form(request, bug_id=None):
    """A new bug report (``bug_create``), or ``bug_id``'s (``bug_edit``)."""
    bug = _get(selectors.bug_get, bug_id) if bug_id else None
    form = BugForm(request.POST or None, instance=bug, people=selectors.team_members())
    return _create_or_edit_page(
        request,
        "bug",
        form,
        bug,
        save=lambda form: services.bug_save(actor=request.user, bug=bug, **form.changes()),
        saved_message=lambda saved: _("Bug “%(title)s” saved.") % {"title": saved.title},
        create_title=_("Report a bug"),
        edit_title=_("Edit bug"),
    )


@require_GET
@project_view()
def bug_detail(request, bug_id):
    bug = _get(selectors.bug_get, bug_id)
    transitions = [(status, BugStatus(status).label) for status in services.BUG_TRANSITIONS.get(bug.status, ())]
    return render(
        request,
        "projects/bug_detail.html",
        _context(request, "bugs", bug.title, bug=bug, transitions=transitions),
    )


@require_POST
@project_view(WORK_ON_PROJECTS)
def bug_status(request, bug_id):
    bug = _get(BugReport, bug_id)
    form = BugStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Unknown status."))
    else:
        try:
            bug = services.bug_change_status(actor=request.user, bug=bug, status=form.cleaned_data["status"])
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, _("The bug is now %(status)s.") % {"status": bug.get_status_display()})
    return redirect("projects:bug_detail", bug_id=bug.pk)


@require_POST
@project_view(WORK_ON_PROJECTS)
def bug_fix_task(request, bug_id):
    bug = _get(BugReport, bug_id)
    task = services.bug_create_fix_task(actor=request.user, bug=bug)
    messages.success(request, _("Fix task “%(title)s” is in the backlog.") % {"title": task.title})
    return redirect("projects:task_detail", task_id=task.pk)


# --- deployments --------------------------------------------------------------------------------


@require_GET
@project_view()
def deployments(request, environment):
    if environment not in Environment.values:
        raise Http404
    return render(
        request,
        "projects/deployments.html",
        _context(
            request,
            "deployments",
            _("Deployments"),
            page=selectors.deployments_for(environment),
            environments=selectors.environments(),
            environment=environment,
        ),
    )


# --- alerts -------------------------------------------------------------------------------------


@require_GET
@project_view()
def alert_list(request):
    state = request.GET.get("state") if request.GET.get("state") in ("open", "unread", "closed") else "open"
    return render(
        request,
        "projects/alert_list.html",
        _context(request, "alerts", _("Alerts"), alerts=selectors.alerts_for(state), state=state),
    )


@require_POST
@project_view(WORK_ON_PROJECTS)
def alert_read(request, project_alert_id):
    alert = _get(ProjectAlert, project_alert_id)
    services.alert_set_read(actor=request.user, alert=alert, is_read=request.POST.get("read", "1") == "1")
    return redirect(safe_next(request, reverse("projects:alerts")))


@require_POST
@project_view(WORK_ON_PROJECTS)
def alerts_read_all(request):
    count = services.alerts_mark_all_read(actor=request.user)
    messages.success(request, _("%(count)s alerts marked as read.") % {"count": count})
    return redirect("projects:alerts")
