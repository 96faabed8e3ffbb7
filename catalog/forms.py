"""Forms of the catalog pages. Choices come from ``catalog.selectors.term_choices_for`` (one
query), so a submitted term is validated against the store's own terms."""

import datetime
import uuid
from decimal import Decimal

from django import forms
from django.core import signing
from django.utils.translation import gettext_lazy as _

from catalog.edits import EditConflict
from catalog.edits import same_value
from catalog.selectors import DEFAULT_PRODUCT_SORT
from catalog.selectors import LOW_STOCK
from catalog.selectors import PRODUCT_SORTS
from catalog.selectors import ProductFilters
from catalog.services import BULK_LIMIT
from catalog.services import PRODUCT_EDITABLE_FIELDS
from catalog.widgets import MarkedCheckbox
from catalog.widgets import RichTextarea
from catalog.widgets import SearchableSelectMultiple

PRODUCT_STATUS_CHOICES = [
    ("publish", _("Published")),
    ("draft", _("Draft")),
    ("pending", _("Pending review")),
    ("private", _("Private")),
]
# Values WooCommerce holds that the form does not offer: shown and kept, never replaced by the first option.
PRODUCT_STATUS_LABELS = dict([*PRODUCT_STATUS_CHOICES, ("trash", _("Trash")), ("future", _("Scheduled"))])
PRODUCT_TYPE_CHOICES = [
    ("simple", _("Simple")),
    ("variable", _("Variable")),
    ("grouped", _("Grouped")),
    ("external", _("External/Affiliate")),
]
PRODUCT_TYPE_LABELS = dict(PRODUCT_TYPE_CHOICES)
STOCK_STATUS_CHOICES = [
    ("instock", _("In stock")),
    ("outofstock", _("Out of stock")),
    ("onbackorder", _("On backorder")),
]
STOCK_STATUS_LABELS = dict(STOCK_STATUS_CHOICES)
CATALOG_VISIBILITY_CHOICES = [
    ("visible", _("Shop and search results")),
    ("catalog", _("Shop only")),
    ("search", _("Search results only")),
    ("hidden", _("Hidden")),
]
CATALOG_VISIBILITY_LABELS = dict(CATALOG_VISIBILITY_CHOICES)
MONEY = {"max_digits": 10, "decimal_places": 2, "min_value": Decimal("0")}


def money_field(label, **kwargs):
    return forms.DecimalField(
        label=label,
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal", "dir": "ltr"}),
        **MONEY,
        **kwargs,
    )


def sku_field(**kwargs):
    return forms.CharField(
        label=_("SKU"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off"}),
        **kwargs,
    )


def stock_quantity_field(label, **kwargs):
    """Empty: WooCommerce does not count the stock."""
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=10_000_000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "dir": "ltr"}),
        **kwargs,
    )


def keep_current_choice(field, value, labels=None):
    """A value the shop holds that ``field`` does not offer (trash, future, a newer WooCommerce
    option...) stays a choice: shown, kept on save, changed only when the person picks another."""
    if value in (None, "") or str(value) in {str(choice) for choice, _label in field.choices}:
        return
    field.choices = [*field.choices, (value, (labels or {}).get(value, value))]


def _display(value):
    if value is None or value == "" or value == []:
        return _("(empty)")
    if isinstance(value, list):
        return ", ".join(
            str(item.get("name") or item.get("id")) if isinstance(item, dict) else str(item) for item in value
        )
    text = format(value, "f") if isinstance(value, Decimal) else str(value)
    return text if len(text) <= 120 else text[:119] + "…"


class ChangesForm(forms.Form):
    """An edit form that carries what it was loaded from, so a save is the person's changes.

    ``loaded`` is a signed copy of the original values of the ``TRACKED`` fields. After
    validation, :meth:`changed_fields` are the fields whose posted value differs from it; a field
    missing from the POST is unchanged (only an explicit empty value clears). A new object
    (``original=None``) has every field changed.
    """

    TRACKED: tuple[str, ...] = ()
    # Service value name -> form field name, where they differ.
    FIELD_OF: dict[str, str] = {}
    loaded = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, data=None, *, original=None, identity="", **kwargs):
        super().__init__(data, **kwargs)
        self.original = original
        self.identity = str(identity)
        self.loaded_values = {}
        if original is not None:
            self.fields["loaded"].initial = self._sign(original)
            for name in self.TRACKED if self.is_bound else ():
                field = self.fields.get(name)
                if field is not None and field.widget.value_omitted_from_data(
                    self.data, self.files, self.add_prefix(name)
                ):
                    # Not posted (checkboxes and multi-selects are posted by being absent): unchanged.
                    field.disabled = True

    @property
    def _salt(self):
        return f"catalog.edit.{type(self).__name__}"

    def _sign(self, values):
        encoded = {
            name: format(value, "f")
            if isinstance(value, Decimal)
            else value.isoformat()
            if isinstance(value, datetime.date)
            else value
            for name, value in values.items()
            if name in self.TRACKED
        }
        return signing.dumps({"id": self.identity, "v": encoded}, salt=self._salt, compress=True)

    def _unsign(self, token):
        loaded = signing.loads(token or "", salt=self._salt)
        if not isinstance(loaded, dict) or loaded.get("id") != self.identity or not isinstance(loaded.get("v"), dict):
            raise signing.BadSignature("not this form's")
        values = {}
        for name, value in loaded["v"].items():
            field = self.base_fields.get(name)
            if isinstance(field, forms.DecimalField) and value is not None:
                value = Decimal(value)
            elif isinstance(field, forms.DateField) and value:
                value = datetime.date.fromisoformat(value)
            values[name] = value
        return values

    def clean(self):
        data = super().clean()
        if self.original is not None:
            try:
                self.loaded_values = self._unsign(self.data.get(self.add_prefix("loaded")))
            except signing.BadSignature:
                raise forms.ValidationError(
                    _("This form is out of date or incomplete: reload the page and make your change again."),
                    code="stale",
                ) from None
        return data

    def changed_fields(self):
        names = [name for name in self.TRACKED if name in self.fields and not self.fields[name].disabled]
        if self.original is None:
            return names
        return [
            name
            for name in names
            if name in self.cleaned_data and not same_value(self.cleaned_data[name], self.loaded_values.get(name))
        ]

    def typed_text(self, name, value):
        """A changed text as the person typed it, with the line ends it was loaded with (browsers
        post CRLF whatever the text had)."""
        if not value or "\r\n" in (self.loaded_values.get(name) or ""):
            return value
        return value.replace("\r\n", "\n")

    def loaded_of(self, names):
        """What the form showed for ``names`` (form field names) when it was loaded."""
        return {name: self.loaded_values.get(name) for name in names}

    def show_conflict(self, conflict: EditConflict, current: dict):
        """The refused save, shown again: the person's changes kept in their fields, every other
        field showing ``current`` (what is saved now, in form terms), and each conflicting field
        with both values. ``loaded`` becomes ``current``, so saving again is a deliberate choice."""
        mine = set(self.changed_fields())
        data = self.data.copy()
        for name in self.TRACKED:
            if name in self.fields and name not in mine and not self.fields[name].disabled:
                self._post(data, name, current.get(name))
        data[self.add_prefix("loaded")] = self._sign(current)
        self.data = data
        self.original = current
        self.initial = {**self.initial, **current}  # what fields not posted (disabled) show
        self._errors = None
        self._bound_fields_cache = {}
        self.full_clean()
        self.add_error(
            None,
            _(
                "Not saved: someone else or WooCommerce changed some of the same fields since you opened this "
                "form. Both values are shown below; save again to keep yours."
            ),
        )
        for name, sides in conflict.fields.items():
            field_name = self.FIELD_OF.get(name, name)
            self.add_error(
                field_name if field_name in self.fields else None,
                _("Changed meanwhile to “%(current)s” (your value: “%(mine)s”).")
                % {"current": _display(sides["current"]), "mine": _display(sides["mine"])},
            )

    def _post(self, data, name, value):
        key = self.add_prefix(name)
        if isinstance(value, list | tuple):
            data.setlist(key, [str(item.get("id") if isinstance(item, dict) else item) for item in value])
        elif isinstance(value, bool):
            if value:
                data[key] = "on"
            else:
                data.pop(key, None)
        elif value is None:
            data[key] = ""
        else:
            data[key] = format(value, "f") if isinstance(value, Decimal) else str(value)


class ProductFilterForm(forms.Form):
    """The product list's search and filters (GET). Invalid values are dropped, never a 500."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Name or SKU"), "autocomplete": "off", "enterkeyhint": "search"}
        ),
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    type = forms.ChoiceField(label=_("Type"), required=False)
    category = forms.TypedChoiceField(label=_("Category"), required=False, coerce=int, empty_value=None)
    tag = forms.TypedChoiceField(label=_("Tag"), required=False, coerce=int, empty_value=None)
    brand = forms.TypedChoiceField(label=_("Brand"), required=False, coerce=int, empty_value=None)
    stock_status = forms.ChoiceField(label=_("Stock"), required=False)
    visibility = forms.ChoiceField(label=_("Catalog visibility"), required=False)
    on_sale = forms.BooleanField(label=_("On sale"), required=False)
    featured = forms.BooleanField(label=_("Featured"), required=False)
    sort = forms.ChoiceField(required=False, choices=[(key, key) for key in PRODUCT_SORTS], widget=forms.HiddenInput)

    def __init__(self, data=None, *, terms):
        super().__init__(data)
        anything = [("", _("Any"))]
        self.fields["status"].choices = [*anything, *PRODUCT_STATUS_CHOICES, ("trash", _("Trash"))]
        self.fields["type"].choices = [*anything, *PRODUCT_TYPE_CHOICES]
        self.fields["stock_status"].choices = [*anything, *STOCK_STATUS_CHOICES, (LOW_STOCK, _("Low stock"))]
        self.fields["category"].choices = [*anything, *terms.categories]
        self.fields["tag"].choices = [*anything, *terms.tags]
        self.fields["brand"].choices = [*anything, *terms.brands]
        self.fields["visibility"].choices = [*anything, *CATALOG_VISIBILITY_CHOICES]
        for name in ("status", "type", "category", "tag", "brand", "stock_status", "visibility"):
            self.fields[name].widget.attrs["class"] = "select-sm"

    def to_filters(self):
        if not self.is_bound:
            return ProductFilters()
        self.is_valid()
        data = {name: value for name, value in self.cleaned_data.items() if name not in self.errors}
        return ProductFilters(
            q=(data.get("q") or "").strip(),
            status=data.get("status") or "",
            type=data.get("type") or "",
            category=data.get("category"),
            tag=data.get("tag"),
            brand=data.get("brand"),
            stock_status=data.get("stock_status") or "",
            visibility=data.get("visibility") or "",
            on_sale=bool(data.get("on_sale")),
            featured=bool(data.get("featured")),
            sort=data.get("sort") or DEFAULT_PRODUCT_SORT,
        )


class TermMultipleChoiceField(forms.TypedMultipleChoiceField):
    widget = SearchableSelectMultiple

    def __init__(self, **kwargs):
        super().__init__(coerce=int, required=False, **kwargs)


class ProductForm(ChangesForm):
    TRACKED = PRODUCT_EDITABLE_FIELDS
    TERM_KINDS = ("categories", "tags", "brands")

    # strip=False: an untouched name keeps its exact text (trailing spaces included).
    name = forms.CharField(label=_("Name"), max_length=400, strip=False, widget=forms.TextInput(attrs={"dir": "auto"}))
    sku = sku_field(strip=False, help_text=_("Unique in the store. Leave empty if you don't use SKUs."))
    status = forms.ChoiceField(label=_("Status"), choices=PRODUCT_STATUS_CHOICES, initial="publish")
    type = forms.ChoiceField(label=_("Type"), choices=PRODUCT_TYPE_CHOICES, initial="simple")
    price = money_field(_("Regular price"))
    sale_price = money_field(_("Sale price"), help_text=_("Lower than the regular price; empty for no sale."))
    confirm_clear_price = forms.BooleanField(
        label=_("Yes, remove the price of this published product (it can no longer be bought)"), required=False
    )
    stock_quantity = stock_quantity_field(
        _("Stock quantity"), help_text=_("Empty: WooCommerce does not count this product's stock.")
    )
    stock_status = forms.ChoiceField(label=_("Stock status"), choices=STOCK_STATUS_CHOICES, initial="instock")
    catalog_visibility = forms.ChoiceField(
        label=_("Catalog visibility"), choices=CATALOG_VISIBILITY_CHOICES, initial="visible"
    )
    featured = forms.BooleanField(label=_("Featured product"), required=False, widget=MarkedCheckbox)
    short_description = forms.CharField(
        label=_("Short description"),
        required=False,
        strip=False,
        widget=RichTextarea(attrs={"rows": 3}),
    )
    description = forms.CharField(
        label=_("Description"), required=False, strip=False, widget=RichTextarea(attrs={"rows": 8})
    )
    categories = TermMultipleChoiceField(label=_("Categories"))
    tags = TermMultipleChoiceField(label=_("Tags"))
    brands = TermMultipleChoiceField(label=_("Brands"))
    weight = money_field(_("Weight"))
    length = money_field(_("Length"))
    width = money_field(_("Width"))
    height = money_field(_("Height"))

    @classmethod
    def values_of(cls, product):
        """The product's values in the form's terms (term references as ids)."""
        values = {name: getattr(product, name) for name in cls.TRACKED if name not in cls.TERM_KINDS}
        for name in cls.TERM_KINDS:
            values[name] = [ref.get("id") for ref in getattr(product, name) or [] if isinstance(ref, dict)]
        return values

    def __init__(self, data=None, *, terms, product=None):
        self.terms = terms
        self.product = product
        original = self.values_of(product) if product is not None else None
        super().__init__(data, initial=original, original=original, identity=product.pk if product else "")
        self.asks_price_confirmation = False
        for name, choices in (("categories", terms.categories), ("tags", terms.tags), ("brands", terms.brands)):
            known = {value for value, _label in choices}
            # Terms the product already has but this store's lists lack (not synced yet) stay choosable.
            extra = [
                (ref["id"], ref.get("name") or f"#{ref['id']}")
                for ref in (getattr(product, name, None) or [] if product is not None else [])
                if isinstance(ref, dict) and isinstance(ref.get("id"), int) and ref["id"] not in known
            ]
            choices = [*choices, *extra]
            self.fields[name].choices = choices
            self.fields[name].widget.attrs["size"] = min(8, max(3, len(choices)))
        if product is not None:
            keep_current_choice(self.fields["status"], product.status, PRODUCT_STATUS_LABELS)
            keep_current_choice(self.fields["type"], product.type, PRODUCT_TYPE_LABELS)
            keep_current_choice(self.fields["stock_status"], product.stock_status, STOCK_STATUS_LABELS)
            keep_current_choice(
                self.fields["catalog_visibility"], product.catalog_visibility, CATALOG_VISIBILITY_LABELS
            )
        if product is not None and product.woo_id:
            # WooCommerce converts product types with side effects (variations are dropped): not here.
            self.fields["type"].disabled = True
            self.fields["type"].help_text = _("The type of a product already in WooCommerce is changed there.")

    def clean(self):
        data = super().clean()
        if data.get("name") is not None and not data["name"].strip():
            self.add_error("name", _("Enter a name."))
        price, sale = data.get("price"), data.get("sale_price")
        if price is not None and sale is not None and sale >= price:
            self.add_error("sale_price", _("The sale price must be lower than the regular price."))
        if sale is not None and price is None:
            self.add_error("sale_price", _("Set a regular price before a sale price."))
        if self.product is not None and not self.errors:
            changed = self.changed_fields()
            status = data.get("status") if "status" in changed else self.product.status
            clears_price = "price" in changed and price is None and self.loaded_values.get("price") is not None
            if clears_price and status == "publish" and not data.get("confirm_clear_price"):
                self.asks_price_confirmation = True
                self.add_error("price", _("This product is published: confirm below that its price should be removed."))
        return data

    def product_values(self):
        """The changed fields' values for ``product_update`` (every field for ``product_create``),
        term choices as references."""
        data = self.cleaned_data
        values = {}
        for name in self.changed_fields():
            if name in self.TERM_KINDS:
                labels = dict(self.fields[name].choices)
                current = {
                    ref.get("id"): ref for ref in (getattr(self.product, name, None) or []) if isinstance(ref, dict)
                }
                # A product's own references (slugs included) are kept for the terms it still has.
                values[name] = [
                    current.get(woo_id) or {"id": woo_id, "name": str(labels.get(woo_id, "")).strip(), "slug": ""}
                    for woo_id in data.get(name) or []
                ]
            elif name in ("description", "short_description"):
                values[name] = self.typed_text(name, data.get(name)) or None
            else:
                values[name] = data.get(name)
        return values


BULK_ACTION_CHOICES = [
    ("status", _("Set status")),
    ("price_set", _("Set regular price")),
    ("price_increase", _("Raise regular price by %")),
    ("price_decrease", _("Lower regular price by %")),
    ("stock_set", _("Set stock quantity")),
    ("stock_status", _("Set stock status")),
    ("term_add", _("Add a category, tag or brand")),
    ("term_remove", _("Remove a category, tag or brand")),
]


class BulkActionForm(forms.Form):
    ids = forms.TypedMultipleChoiceField(coerce=str, error_messages={"required": _("Select at least one product.")})
    action = forms.ChoiceField(label=_("Action"), choices=BULK_ACTION_CHOICES)
    status = forms.ChoiceField(label=_("Status"), choices=PRODUCT_STATUS_CHOICES, required=False)
    amount = forms.DecimalField(
        label=_("Value"),
        required=False,
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0"),
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "dir": "ltr", "inputmode": "decimal"}),
    )
    stock_status = forms.ChoiceField(label=_("Stock status"), choices=STOCK_STATUS_CHOICES, required=False)
    term = forms.ChoiceField(label=_("Term"), required=False)

    def __init__(self, data=None, *, terms):
        # Its own ids: the filter form on the same page has fields of the same names.
        super().__init__(data, auto_id="bulk_%s")
        self.terms = terms
        for name in ("status", "stock_status", "term"):
            self.fields[name].widget.attrs["class"] = "select-sm"
        self.fields["amount"].widget.attrs["class"] = "input-sm"
        # Any UUID-looking id is accepted here; the service keeps only the store's own products.
        submitted = data.getlist("ids") if data is not None and hasattr(data, "getlist") else []
        self.fields["ids"].choices = [(value, value) for value in submitted[: BULK_LIMIT + 1]]
        self.fields["term"].choices = [
            ("", "—"),
            (_("Categories"), [(f"category:{pk}", label.strip()) for pk, label in terms.categories]),
            (_("Tags"), [(f"tag:{pk}", label) for pk, label in terms.tags]),
            (_("Brands"), [(f"brand:{pk}", label) for pk, label in terms.brands]),
        ]

    def clean_ids(self):

        ids = []
        for value in self.cleaned_data["ids"]:
            try:
                ids.append(str(uuid.UUID(value)))
            except ValueError:
                raise forms.ValidationError(_("The selection is not valid; reload the page.")) from None
        if len(ids) > BULK_LIMIT:
            raise forms.ValidationError(_("Select at most %(n)d products at a time.") % {"n": BULK_LIMIT})
        return ids

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action == "status" and not data.get("status"):
            self.add_error("status", _("Choose a status."))
        if action in ("price_set", "price_increase", "price_decrease", "stock_set"):
            amount = data.get("amount")
            if amount is None:
                self.add_error("amount", _("Enter a value."))
            elif action in ("price_increase", "price_decrease") and not (
                0 < amount <= (90 if action == "price_decrease" else 500)
            ):
                self.add_error("amount", _("Enter a percentage between 1 and 90 (lower) or 500 (raise)."))
            elif action == "stock_set" and amount != amount.to_integral_value():
                self.add_error("amount", _("Stock is a whole number."))
        if action == "stock_status" and not data.get("stock_status"):
            self.add_error("stock_status", _("Choose a stock status."))
        if action in ("term_add", "term_remove") and not data.get("term"):
            self.add_error("term", _("Choose a category, tag or brand."))
        return data

    def service_kwargs(self):
        data = self.cleaned_data
        action = data["action"]
        kwargs = {"product_ids": data["ids"], "action": action}
        if action == "status":
            kwargs["value"] = data["status"]
        elif action == "stock_set":
            kwargs["value"] = int(data["amount"])
        elif action in ("price_set", "price_increase", "price_decrease"):
            kwargs["value"] = data["amount"]
        elif action == "stock_status":
            kwargs["value"] = data["stock_status"]
        else:
            kind, woo_id = data["term"].split(":", 1)
            names = self.terms.names({"category": "categories", "tag": "tags", "brand": "brands"}[kind])
            kwargs["term"] = (kind, int(woo_id), names.get(int(woo_id), "").strip(), "")
        return kwargs
