from django import forms
from django.utils.translation import gettext_lazy as _

from agents.models import InsightStatus
from config.db import Severity
from config.forms import FilterForm


def _choices(all_label, choices):
    return [("", all_label), *choices]


class InsightFilterForm(FilterForm):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("open", _("Open")), ("all", _("All")), *InsightStatus.choices],
    )
    severity = forms.ChoiceField(label=_("Severity"), required=False, choices=_choices(_("Any"), Severity.choices))
    agent = forms.ChoiceField(label=_("Agent"), required=False)

    UNFILTERED = {"status": "open"}

    def __init__(self, *args, agents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].choices = _choices(_("Any"), [(a.agent_type, a.label) for a in agents])

    def filters_of(self, data):
        return {"status": data["status"] or "open", "severity": data["severity"], "agent_type": data["agent"]}


class AlertFilterForm(FilterForm):
    store = forms.ChoiceField(label=_("Store"), required=False)
    severity = forms.ChoiceField(label=_("Severity"), required=False, choices=_choices(_("Any"), Severity.choices))
    source = forms.ChoiceField(label=_("Source"), required=False)
    unread = forms.BooleanField(label=_("Unread only"), required=False)

    def __init__(self, *args, stores=(), sources=(), source_labels=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].choices = _choices(_("All stores"), [(str(pk), name) for pk, name in stores])
        labels = source_labels or {}
        self.fields["source"].choices = _choices(_("Any"), [(s, labels.get(s, s)) for s in sources])

    def filters_of(self, data):
        return {
            "store_id": data["store"] or None,
            "severity": data["severity"],
            "source": data["source"],
            "unread": data["unread"],
        }


class AgentSettingsForm(forms.Form):
    low_stock_threshold = forms.IntegerField(label=_("Low stock at or below"), min_value=0, max_value=100000)
    sales_band_percent = forms.IntegerField(label=_("Sales band (±%)"), min_value=1, max_value=500)


class InsightStatusForm(forms.Form):
    status = forms.ChoiceField(choices=InsightStatus.choices)
