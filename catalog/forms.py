"""Forms of the catalog pages. Choices come from ``catalog.selectors.term_choices_for`` (one
query), so a submitted term is validated against the store's own terms."""

from decimal import Decimal

from django import forms
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from catalog.selectors import (
    DEFAULT_PRODUCT_SORT,
    LOW_STOCK,
    PRODUCT_SORTS,
    ProductFilters,
)
from catalog.services import BULK_LIMIT

PRODUCT_STATUS_CHOICES = [
    ("publish", _("Published")),
    ("draft", _("Draft")),
    ("pending", _("Pending review")),
    ("private", _("Private")),
]
PRODUCT_STATUS_LABELS = dict([*PRODUCT_STATUS_CHOICES, ("trash", _("Trash"))])
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
MONEY = {"max_digits": 10, "decimal_places": 2, "min_value": Decimal("0")}


def _money_field(label, **kwargs):
    return forms.DecimalField(
        label=label,
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal", "dir": "ltr"}),
        **MONEY,
        **kwargs,
    )


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
    on_sale = forms.BooleanField(label=_("On sale"), required=False)
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
        for name in ("status", "type", "category", "tag", "brand", "stock_status"):
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
            on_sale=bool(data.get("on_sale")),
            sort=data.get("sort") or DEFAULT_PRODUCT_SORT,
        )


class TermMultipleChoiceField(forms.TypedMultipleChoiceField):
    def __init__(self, **kwargs):
        super().__init__(coerce=int, required=False, **kwargs)


class ProductForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=400, widget=forms.TextInput(attrs={"dir": "auto"}))
    sku = forms.CharField(
        label=_("SKU"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off"}),
        help_text=_("Unique in the store. Leave empty if you don't use SKUs."),
    )
    status = forms.ChoiceField(label=_("Status"), choices=PRODUCT_STATUS_CHOICES, initial="publish")
    type = forms.ChoiceField(label=_("Type"), choices=PRODUCT_TYPE_CHOICES, initial="simple")
    price = _money_field(_("Regular price"))
    sale_price = _money_field(_("Sale price"), help_text=_("Lower than the regular price; empty for no sale."))
    stock_quantity = forms.IntegerField(
        label=_("Stock quantity"),
        required=False,
        min_value=0,
        max_value=10_000_000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "dir": "ltr"}),
        help_text=_("Empty: WooCommerce does not count this product's stock."),
    )
    stock_status = forms.ChoiceField(label=_("Stock status"), choices=STOCK_STATUS_CHOICES, initial="instock")
    short_description = forms.CharField(
        label=_("Short description"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 2, "dir": "auto"}),
    )
    description = forms.CharField(
        label=_("Description"), required=False, strip=False, widget=forms.Textarea(attrs={"rows": 5, "dir": "auto"})
    )
    categories = TermMultipleChoiceField(label=_("Categories"))
    tags = TermMultipleChoiceField(label=_("Tags"))
    brands = TermMultipleChoiceField(label=_("Brands"))
    weight = _money_field(_("Weight"))
    length = _money_field(_("Length"))
    width = _money_field(_("Width"))
    height = _money_field(_("Height"))

    def __init__(self, data=None, *, terms, product=None):
        self.terms = terms
        self.product = product
        initial = None
        if product is not None:
            initial = {
                name: getattr(product, name)
                for name in self.base_fields
                if name not in ("categories", "tags", "brands") and hasattr(product, name)
            }
            for name in ("categories", "tags", "brands"):
                initial[name] = [ref.get("id") for ref in getattr(product, name) or [] if isinstance(ref, dict)]
        super().__init__(data, initial=initial)
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
        if product is not None and product.woo_id:
            # WooCommerce converts product types with side effects (variations are dropped): not here.
            self.fields["type"].disabled = True
            self.fields["type"].help_text = _("The type of a product already in WooCommerce is changed there.")

    def clean(self):
        data = super().clean()
        for name in ("description", "short_description"):
            # Browsers send textareas with CRLF line ends: unchanged text must stay unchanged.
            if data.get(name):
                data[name] = data[name].replace("\r\n", "\n")
        price, sale = data.get("price"), data.get("sale_price")
        if price is not None and sale is not None and sale >= price:
            self.add_error("sale_price", _("The sale price must be lower than the regular price."))
        if sale is not None and price is None:
            self.add_error("sale_price", _("Set a regular price before a sale price."))
        return data

    def _refs(self, kind, names):
        chosen = self.cleaned_data.get(kind) or []
        labels = dict(self.fields[kind].choices)
        return [{"id": woo_id, "name": labels.get(woo_id, "").strip(), "slug": ""} for woo_id in chosen] or []

    def product_values(self):
        """Field values for ``product_create`` / ``product_update`` (refs for the taxonomies)."""
        data = dict(self.cleaned_data)
        values = {name: data[name] for name in data if name not in ("categories", "tags", "brands")}
        for name in ("description", "short_description"):
            values[name] = values.get(name) or None
        for kind in ("categories", "tags", "brands"):
            values[kind] = self._refs(kind, None)
        if self.product is not None:
            if self.fields["type"].disabled:
                values.pop("type", None)
            # Keep each product's own references (slugs included) when the choice did not change.
            for kind in ("categories", "tags", "brands"):
                current = getattr(self.product, kind) or []
                if sorted(r.get("id") for r in current if isinstance(r, dict)) == sorted(r["id"] for r in values[kind]):
                    values[kind] = current
        return values


class VariationForm(forms.Form):
    """Inline edit of one variation's prices and stock."""

    regular_price = _money_field(_("Regular price"))
    sale_price = _money_field(_("Sale price"))
    stock_quantity = forms.IntegerField(
        label=_("Stock"),
        required=False,
        min_value=0,
        max_value=10_000_000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "dir": "ltr"}),
    )

    def __init__(self, data=None, *, variation=None, prefix=None):
        initial = None
        if variation is not None:
            initial = {name: getattr(variation, name) for name in self.base_fields}
        super().__init__(data, initial=initial, prefix=prefix)

    def clean(self):
        data = super().clean()
        regular, sale = data.get("regular_price"), data.get("sale_price")
        if regular is not None and sale is not None and sale >= regular:
            self.add_error("sale_price", _("Lower than the regular price."))
        return data


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
        import uuid

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


# --- taxonomies -------------------------------------------------------------------------------


class TermForm(forms.Form):
    """A category, tag, brand, global attribute or attribute term; fields per kind."""

    name = forms.CharField(label=_("Name"), max_length=200)
    slug = forms.SlugField(
        label=_("Slug"),
        required=False,
        allow_unicode=True,
        max_length=200,
        widget=forms.TextInput(attrs={"dir": "ltr"}),
        help_text=_("The URL-friendly name. Leave empty to derive it from the name."),
    )
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
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
    has_archives = forms.BooleanField(label=_("Enable archives"), required=False)

    FIELDS = {
        "category": ("name", "slug", "parent", "description", "display", "menu_order", "image_url"),
        "tag": ("name", "slug", "description"),
        "brand": ("name", "slug", "description", "logo_url"),
        "attribute": ("name", "slug", "type", "order_by", "has_archives"),
        "attribute_term": ("name", "slug", "description", "menu_order"),
    }

    def __init__(self, data=None, *, kind, instance=None, parent_choices=()):
        self.kind = kind
        self.instance = instance
        initial = {}
        if instance is not None:
            for name in self.FIELDS[kind]:
                if name == "parent":
                    initial["parent"] = getattr(instance, "parent_woo_id", None)
                else:
                    initial[name] = getattr(instance, name, None)
        super().__init__(data, initial=initial)
        for name in list(self.fields):
            if name not in self.FIELDS[kind]:
                del self.fields[name]
        if "parent" in self.fields:
            own = getattr(instance, "woo_id", None)
            self.fields["parent"].choices = [("", _("None (top level)"))] + [
                (woo_id, label) for woo_id, label in parent_choices if woo_id != own
            ]
        if instance is not None and "slug" in self.fields:
            self.fields["slug"].required = True
            self.fields["slug"].help_text = ""

    def values(self):
        data = dict(self.cleaned_data)
        if "parent" in data:
            data["parent_woo_id"] = data.pop("parent")
        if "slug" in data and not data["slug"]:
            data["slug"] = slugify(data["name"], allow_unicode=True) or None
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
