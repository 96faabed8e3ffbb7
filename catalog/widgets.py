"""Form widgets of the catalog pages.

Multi-selects and checkboxes that say "cleared" apart from "not posted", and the two that
``static/js/widgets.js`` enhances when scripts run: a searchable multi-select (Tom Select) and a
rich-text description (Squire). Without scripts they stay a plain ``<select multiple>`` and a
``<textarea>`` of HTML, and post the same values.
"""

import json

from django import forms
from django.utils.html import format_html

from catalog.richtext import ATTRIBUTES
from catalog.richtext import TAGS


class _PostedWhenEmpty:
    """A widget that browsers omit when nothing is chosen (a multi-select, a checkbox), with an
    empty hidden input of the same name before it: a post without the name leaves the field
    unchanged, a post with only the marker clears it."""

    def render(self, name, value, attrs=None, renderer=None):
        return format_html('<input type="hidden" name="{}" value="">', name) + super().render(
            name, value, attrs, renderer
        )

    def value_omitted_from_data(self, data, files, name):
        return name not in data


class MarkedSelectMultiple(_PostedWhenEmpty, forms.SelectMultiple):
    def value_from_datadict(self, data, files, name):
        return [value for value in super().value_from_datadict(data, files, name) if value != ""]


class SearchableSelectMultiple(MarkedSelectMultiple):
    """Type to search, arrows and Enter to pick, Backspace to remove (static/js/widgets.js)."""

    def __init__(self, attrs=None, choices=()):
        super().__init__({"data-searchable": "", **(attrs or {})}, choices)


class MarkedCheckbox(_PostedWhenEmpty, forms.CheckboxInput):
    def value_from_datadict(self, data, files, name):
        # The checkbox follows its marker: checked posts ["", "on"].
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        return super().value_from_datadict({name: values[-1]} if values else {}, files, name)


# What the editor keeps of pasted or loaded HTML: the server's allow-list (catalog.richtext),
# which stays the authority on what is stored, sent and shown.
_EDITOR_ALLOWS = json.dumps(
    {
        "tags": sorted(TAGS),
        "attributes": sorted({name for names in ATTRIBUTES.values() for name in names}),
    }
)


class RichTextarea(forms.Textarea):
    """HTML in a textarea, edited with formatting buttons when scripts run."""

    def __init__(self, attrs=None):
        super().__init__({"data-richtext": _EDITOR_ALLOWS, "dir": "auto", **(attrs or {})})
