from django import forms
from django.utils.translation import gettext_lazy as _

from audit.presenters import ACTION_WORDS
from audit.presenters import SYSTEM_ACTORS
from audit.presenters import TABLE_KINDS
from audit.selectors import AUDITED_TABLES
from config.forms import FilterForm


class ActivityFilterForm(FilterForm):
    """The activity log's filters: store, person, kind of object, kind of change, days."""

    store = forms.ChoiceField(label=_("Store"), required=False)
    actor = forms.ChoiceField(label=_("Who"), required=False)
    table = forms.ChoiceField(label=_("Object"), required=False)
    action = forms.ChoiceField(label=_("Change"), required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, stores=(), people=(), **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["store"].choices = everything + [(str(pk), name) for pk, name in stores]
        self.fields["actor"].choices = (
            everything
            + [(f"system:{name}", label) for name, label in SYSTEM_ACTORS.items()]
            + [(email, email) for email in people if email]
        )
        self.fields["table"].choices = everything + [(table, TABLE_KINDS[table]) for table in AUDITED_TABLES]
        self.fields["action"].choices = everything + list(ACTION_WORDS.items())

    def filters_of(self, data):
        return {
            "store_id": data["store"] or None,
            "actor": data["actor"] or None,
            "table": data["table"] or None,
            "action": data["action"] or None,
            "date_from": data["date_from"],
            "date_to": data["date_to"],
        }
