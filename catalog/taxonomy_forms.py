"""The edit form of categories, tags, brands, global attributes and attribute terms."""

import re
from urllib.parse import unquote

from django import forms
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from catalog.forms import ChangesForm
from catalog.forms import MarkedCheckbox
from catalog.forms import keep_current_choice

_SLUG = re.compile(r"^[-\w%]+$")


def validate_woo_slug(value):
    """A slug as WooCommerce stores it: letters, digits, "-" and "_", where non-ASCII letters may
    come percent-encoded (``%d7%a9...`` is a Hebrew slug)."""
    try:
        decoded = unquote(value, errors="strict")
    except UnicodeDecodeError:
        decoded = None
    if not _SLUG.match(value) or decoded is None or not re.match(r"^[-\w]+$", decoded):
        raise forms.ValidationError(_("Enter a slug of letters, numbers, underscores or hyphens."), code="invalid_slug")


class TermForm(ChangesForm):
    """A category, tag, brand, global attribute or attribute term; fields per kind."""

    TRACKED = (
        "name",
        "slug",
        "description",
        "parent",
        "display",
        "menu_order",
        "image_url",
        "logo_url",
        "type",
        "order_by",
        "has_archives",
    )
    FIELD_OF = {"parent_woo_id": "parent"}

    name = forms.CharField(label=_("Name"), max_length=200, strip=False)
    slug = forms.CharField(
        label=_("Slug"),
        required=False,
        max_length=200,
        validators=[validate_woo_slug],
        widget=forms.TextInput(attrs={"dir": "ltr"}),
        help_text=_("The URL-friendly name. Leave empty to derive it from the name."),
    )
    description = forms.CharField(
        label=_("Description"), required=False, strip=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    parent = forms.TypedChoiceField(label=_("Parent category"), required=False, coerce=int, empty_value=None)
    display = forms.ChoiceField(
        label=_("Display type"),
        required=False,
        choices=[
            ("default", _("Default")),
            ("products", _("Products")),
            ("subcategories", _("Subcategories")),
            ("both", _("Both")),
        ],
    )
    menu_order = forms.IntegerField(label=_("Menu order"), required=False, min_value=0, max_value=100000)
    image_url = forms.URLField(label=_("Image URL"), required=False, assume_scheme="https")
    logo_url = forms.URLField(label=_("Logo URL"), required=False, assume_scheme="https")
    type = forms.ChoiceField(label=_("Type"), required=False, choices=[("select", _("Select"))])
    order_by = forms.ChoiceField(
        label=_("Default sort order"),
        required=False,
        choices=[
            ("menu_order", _("Custom ordering")),
            ("name", _("Name")),
            ("name_num", _("Name (numeric)")),
            ("id", _("Term ID")),
        ],
    )
    has_archives = forms.BooleanField(label=_("Enable archives"), required=False, widget=MarkedCheckbox)

    FIELDS = {
        "category": ("name", "slug", "parent", "description", "display", "menu_order", "image_url"),
        "tag": ("name", "slug", "description"),
        "brand": ("name", "slug", "description", "logo_url"),
        "attribute": ("name", "slug", "type", "order_by", "has_archives"),
        "attribute_term": ("name", "slug", "description", "menu_order"),
    }

    @classmethod
    def values_of(cls, kind, instance):
        """The term's values in the form's terms (``parent`` is the parent's WooCommerce id)."""
        return {
            name: getattr(instance, "parent_woo_id" if name == "parent" else name, None) for name in cls.FIELDS[kind]
        }

    def __init__(self, data=None, *, kind, instance=None, parent_choices=()):
        self.kind = kind
        self.instance = instance
        original = self.values_of(kind, instance) if instance is not None else None
        super().__init__(
            data, initial=original or {}, original=original, identity=f"{kind}:{instance.pk if instance else ''}"
        )
        for name in list(self.fields):
            if name not in (*self.FIELDS[kind], "loaded"):
                del self.fields[name]
        if "parent" in self.fields:
            own = getattr(instance, "woo_id", None)
            self.fields["parent"].choices = [("", _("None (top level)"))] + [
                (woo_id, label) for woo_id, label in parent_choices if woo_id != own
            ]
        if instance is not None:
            if "slug" in self.fields:
                self.fields["slug"].required = True
                self.fields["slug"].help_text = ""
            for name in ("parent", "display", "type", "order_by"):
                if name in self.fields:
                    keep_current_choice(self.fields[name], original.get(name))

    def clean(self):
        data = super().clean()
        if data.get("name") is not None and not data["name"].strip():
            self.add_error("name", _("Enter a name."))
        return data

    def values(self):
        """The changed fields' values for ``taxonomy_save`` (every field for a new term)."""
        changed = set(self.changed_fields())
        data = {name: value for name, value in self.cleaned_data.items() if name in changed}
        if "description" in data:
            data["description"] = self.typed_text("description", data["description"]) or ""
        if "parent" in data:
            data["parent_woo_id"] = data.pop("parent")
        if "slug" in data and not data["slug"]:
            data["slug"] = slugify(self.cleaned_data["name"], allow_unicode=True) or None
        for name in ("description", "image_url", "logo_url"):
            if name in data and data[name] == "":
                data[name] = None if name != "description" else ""
        if "menu_order" in data and data["menu_order"] is None:
            data["menu_order"] = 0
        if "display" in data and not data["display"]:
            data["display"] = "default"
        if "type" in data and not data["type"]:
            data["type"] = "select"
        if "order_by" in data and not data["order_by"]:
            data["order_by"] = "menu_order"
        return data
