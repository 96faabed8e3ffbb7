from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from projects.models import BugReport
from projects.models import BugStatus
from projects.models import Sprint
from projects.models import Task
from projects.models import TaskComment
from projects.models import WorkLog

# What <input type="datetime-local"> shows and sends.
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
DATETIME_LOCAL_ATTRS = {"type": "datetime-local"}


class ListField(forms.CharField):
    """A text array edited as one item per line (or comma-separated for short lists)."""

    def __init__(self, *, separator="\n", **kwargs):
        self.separator = separator
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ("\n" if self.separator == "\n" else ", ").join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        parts = text.replace(",", "\n").splitlines() if self.separator == "," else text.splitlines()
        items = list(dict.fromkeys(part.strip() for part in parts if part.strip()))
        return items or None


class TeamChoiceMixin:
    """Assignee choices are the team, loaded once by the view (``people``)."""

    def set_people(self, people, field_name="assigned_to"):
        field = self.fields[field_name]
        field.choices = [("", "—")] + [(str(person.pk), person.email) for person in people]
        self._people = {str(person.pk): person for person in people}

    def clean_assigned_to(self):
        value = self.cleaned_data.get("assigned_to")
        if not value:
            return None
        person = self._people.get(str(value))
        if person is None:
            raise forms.ValidationError(_("Choose someone from the team."))
        return person


class SprintForm(forms.ModelForm):
    start_date = forms.DateTimeField(
        label=_("Start"), widget=forms.DateTimeInput(attrs=DATETIME_LOCAL_ATTRS, format=DATETIME_LOCAL)
    )
    end_date = forms.DateTimeField(
        label=_("End"), widget=forms.DateTimeInput(attrs=DATETIME_LOCAL_ATTRS, format=DATETIME_LOCAL)
    )

    class Meta:
        model = Sprint
        fields = ["name", "description", "start_date", "end_date"]
        labels = {"name": _("Name"), "description": _("Goal / description")}
        widgets = {"name": forms.TextInput(), "description": forms.Textarea(attrs={"rows": 3})}

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end <= start:
            self.add_error("end_date", _("A sprint ends after it starts."))
        return cleaned


class SprintStartForm(forms.Form):
    allow_another_active = forms.BooleanField(
        required=False, label=_("Start it even though another sprint is active (admins only)")
    )


class SprintCompleteForm(forms.Form):
    open_tasks_to = forms.ChoiceField(
        label=_("Where do the open tasks go?"),
        choices=[("backlog", _("Back to the backlog")), ("next", _("Into the next sprint"))],
        widget=forms.RadioSelect,
        initial="backlog",
    )
    next_sprint = forms.ChoiceField(label=_("Next sprint"), required=False)

    def __init__(self, *args, planned=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._planned = {str(sprint.pk): sprint for sprint in planned}
        self.fields["next_sprint"].choices = [("", "—")] + [(key, s.name) for key, s in self._planned.items()]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("open_tasks_to") == "next":
            sprint = self._planned.get(cleaned.get("next_sprint") or "")
            if sprint is None:
                self.add_error("next_sprint", _("Choose a planned sprint for the open tasks."))
            cleaned["next_sprint"] = sprint
        else:
            cleaned["next_sprint"] = None
        return cleaned


class TaskForm(TeamChoiceMixin, forms.ModelForm):
    assigned_to = forms.ChoiceField(label=_("Assignee"), required=False)
    sprint = forms.ChoiceField(label=_("Sprint"), required=False)
    tags = ListField(separator=",", label=_("Tags"), help_text=_("Comma-separated."))
    related_files = ListField(
        label=_("Related files"), help_text=_("One path per line."), widget=forms.Textarea(attrs={"rows": 3})
    )

    class Meta:
        model = Task
        fields = ["title", "description", "type", "status", "priority", "estimated_hours", "sprint", "assigned_to"]
        labels = {
            "title": _("Title"),
            "description": _("Description"),
            "type": _("Type"),
            "status": _("Status"),
            "priority": _("Priority"),
            "estimated_hours": _("Estimate (hours)"),
        }
        widgets = {
            "title": forms.TextInput(),
            "description": forms.Textarea(attrs={"rows": 5}),
            "estimated_hours": forms.NumberInput(attrs={"step": "0.25", "min": "0"}),
        }

    def __init__(self, *args, people=(), sprints=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.set_people(people)
        self._sprints = {str(sprint.pk): sprint for sprint in sprints}
        current = self.instance.sprint if self.instance.pk and self.instance.sprint_id else None
        if current is not None:
            self._sprints.setdefault(str(current.pk), current)
        self.fields["sprint"].choices = [("", _("Backlog"))] + [(key, s.name) for key, s in self._sprints.items()]
        if self.instance.pk:
            self.initial["assigned_to"] = str(self.instance.assigned_to_id or "")
            self.initial["sprint"] = str(self.instance.sprint_id or "")
            self.initial["tags"] = self.instance.tags
            self.initial["related_files"] = self.instance.related_files

    def clean_sprint(self):
        value = self.cleaned_data.get("sprint")
        if not value:
            return None
        sprint = self._sprints.get(value)
        if sprint is None:
            raise forms.ValidationError(_("Choose a planned or active sprint."))
        return sprint

    def clean_estimated_hours(self):
        value = self.cleaned_data.get("estimated_hours")
        if value is not None and value < 0:
            raise forms.ValidationError(_("An estimate cannot be negative."))
        return value

    def changes(self):
        return {name: self.cleaned_data[name] for name in (*self.Meta.fields, "tags", "related_files")}


class WorkLogForm(forms.ModelForm):
    class Meta:
        model = WorkLog
        fields = ["hours", "work_date", "description"]
        labels = {"hours": _("Hours"), "work_date": _("Date"), "description": _("What was done")}
        widgets = {
            "hours": forms.NumberInput(attrs={"step": "0.25", "min": "0.25"}),
            "work_date": forms.DateInput(attrs={"type": "date"}),
            "description": forms.TextInput(),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["work_date"].initial = timezone.localdate
        self.fields["work_date"].widget.format = "%Y-%m-%d"

    def clean_hours(self):
        hours = self.cleaned_data.get("hours")
        if hours is None or hours <= 0:
            raise forms.ValidationError(_("Hours must be more than zero."))
        if hours > 24:
            raise forms.ValidationError(_("At most 24 hours a day."))
        return hours


class CommentForm(forms.ModelForm):
    class Meta:
        model = TaskComment
        fields = ["comment"]
        labels = {"comment": _("Comment")}
        widgets = {"comment": forms.Textarea(attrs={"rows": 3})}


class BugForm(TeamChoiceMixin, forms.ModelForm):
    assigned_to = forms.ChoiceField(label=_("Assignee"), required=False)
    introduced_by_task = forms.UUIDField(label=_("Introduced by task (id)"), required=False)
    resolved_by_task = forms.UUIDField(label=_("Resolved by task (id)"), required=False)
    affected_files = ListField(
        label=_("Affected files"), help_text=_("One path per line."), widget=forms.Textarea(attrs={"rows": 3})
    )

    class Meta:
        model = BugReport
        fields = [
            "title",
            "description",
            "severity",
            "steps_to_reproduce",
            "root_cause",
            "resolution_notes",
            "assigned_to",
        ]
        labels = {
            "title": _("Title"),
            "description": _("Description"),
            "severity": _("Severity"),
            "steps_to_reproduce": _("Steps to reproduce"),
            "root_cause": _("Root cause"),
            "resolution_notes": _("Resolution"),
        }
        widgets = {
            "title": forms.TextInput(),
            "description": forms.Textarea(attrs={"rows": 4}),
            "steps_to_reproduce": forms.Textarea(attrs={"rows": 4}),
            "root_cause": forms.Textarea(attrs={"rows": 3}),
            "resolution_notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.set_people(people)
        if self.instance.pk:
            self.initial["assigned_to"] = str(self.instance.assigned_to_id or "")
            self.initial["introduced_by_task"] = self.instance.introduced_by_task_id
            self.initial["resolved_by_task"] = self.instance.resolved_by_task_id
            self.initial["affected_files"] = self.instance.affected_files

    def _task(self, name):
        task_id = self.cleaned_data.get(name)
        if not task_id:
            return None
        task = Task.objects.filter(pk=task_id).first()
        if task is None:
            raise forms.ValidationError(_("No task with this id."))
        return task

    def clean_introduced_by_task(self):
        return self._task("introduced_by_task")

    def clean_resolved_by_task(self):
        return self._task("resolved_by_task")

    def changes(self):
        names = (*self.Meta.fields, "introduced_by_task", "resolved_by_task", "affected_files")
        return {name: self.cleaned_data[name] for name in names}


class BugStatusForm(forms.Form):
    status = forms.ChoiceField(choices=BugStatus.choices)
