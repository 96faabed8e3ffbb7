"""Forms of a product's variations (the inline row, create, full edit) and of its attributes."""

from django import forms
from django.core import signing
from django.utils.translation import gettext_lazy as _

from catalog.forms import STOCK_STATUS_CHOICES
from catalog.forms import STOCK_STATUS_LABELS
from catalog.forms import ChangesForm
from catalog.forms import keep_current_choice
from catalog.forms import money_field
from catalog.forms import sku_field
from catalog.forms import stock_quantity_field
from catalog.services import VARIATION_EDITABLE_FIELDS


class VariationForm(ChangesForm):
    """Inline edit of one variation's prices and stock. Its prefix is the variation's full id, so
    the inputs of every row belong to their own row's form."""

    TRACKED = ("regular_price", "sale_price", "stock_quantity")

    regular_price = money_field(_("Regular price"))
    sale_price = money_field(_("Sale price"))
    stock_quantity = stock_quantity_field(_("Stock"))
    confirm_clear_price = forms.BooleanField(label=_("Yes, remove the price"), required=False)

    @staticmethod
    def prefix_for(variation):
        return f"v{variation.pk.hex}"

    @classmethod
    def values_of(cls, variation):
        return {name: getattr(variation, name) for name in cls.TRACKED}

    def __init__(self, data=None, *, variation):
        self.variation = variation
        original = self.values_of(variation)
        super().__init__(
            data, initial=original, original=original, identity=variation.pk, prefix=self.prefix_for(variation)
        )
        self.asks_price_confirmation = False

    def clean(self):
        data = super().clean()
        regular, sale = data.get("regular_price"), data.get("sale_price")
        if regular is not None and sale is not None and sale >= regular:
            self.add_error("sale_price", _("Lower than the regular price."))
        clears_price = not self.errors and "regular_price" in self.changed_fields() and regular is None
        if clears_price and self.variation.status == "publish" and not data.get("confirm_clear_price"):
            self.asks_price_confirmation = True
            self.add_error("regular_price", _("Confirm that this variation's price should be removed."))
        return data

    def variation_values(self):
        return {name: self.cleaned_data.get(name) for name in self.changed_fields()}


class _SaleBelowRegular:
    """A form whose sale price must stay below its regular price."""

    def clean(self):
        data = super().clean()
        regular, sale = data.get("regular_price"), data.get("sale_price")
        if regular is not None and sale is not None and sale >= regular:
            self.add_error("sale_price", _("The sale price must be lower than the regular price."))
        return data


class VariationCreateForm(_SaleBelowRegular, forms.Form):
    """A new variation: one option per attribute used for variations ("any" allowed), its
    prices, SKU and stock."""

    regular_price = money_field(_("Regular price"))
    sale_price = money_field(_("Sale price"))
    sku = sku_field()
    stock_quantity = stock_quantity_field(_("Stock quantity"))

    def __init__(self, data=None, *, attributes):
        super().__init__(data, prefix="newvar")
        self.attributes = list(attributes)
        for index, attribute in enumerate(self.attributes):
            self.fields[f"option_{index}"] = forms.ChoiceField(
                label=attribute.name,
                required=False,
                choices=[("", _("Any %(attribute)s") % {"attribute": attribute.name})]
                + [(option, option) for option in attribute.options],
            )

    def option_fields(self):
        return [self[f"option_{index}"] for index in range(len(self.attributes))]

    def service_kwargs(self):
        data = self.cleaned_data
        chosen = {str(attribute.pk): data.get(f"option_{i}") or "" for i, attribute in enumerate(self.attributes)}
        values = {name: data.get(name) for name in ("regular_price", "sale_price", "sku", "stock_quantity")}
        return {"attributes": chosen, **values}


BACKORDER_CHOICES = [
    ("no", _("Do not allow")),
    ("notify", _("Allow, but notify the customer")),
    ("yes", _("Allow")),
]
VARIATION_STATUS_CHOICES = [("publish", _("Enabled")), ("private", _("Disabled"))]


class VariationEditForm(_SaleBelowRegular, ChangesForm):
    """Every field a shop edits on a variation; saves and pushes only the changed ones."""

    TRACKED = VARIATION_EDITABLE_FIELDS

    sku = sku_field()
    status = forms.ChoiceField(label=_("Status"), choices=VARIATION_STATUS_CHOICES)
    regular_price = money_field(_("Regular price"))
    sale_price = money_field(_("Sale price"))
    date_on_sale_from = forms.DateField(
        label=_("Sale starts"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_on_sale_to = forms.DateField(
        label=_("Sale ends"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    stock_quantity = stock_quantity_field(
        _("Stock quantity"), help_text=_("Empty: WooCommerce does not count this variation's stock.")
    )
    stock_status = forms.ChoiceField(label=_("Stock status"), choices=STOCK_STATUS_CHOICES)
    backorders = forms.ChoiceField(label=_("Backorders"), choices=BACKORDER_CHOICES)
    weight = money_field(_("Weight"))
    length = money_field(_("Length"))
    width = money_field(_("Width"))
    height = money_field(_("Height"))
    description = forms.CharField(
        label=_("Description"), required=False, strip=False, widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"})
    )

    image_id = forms.ChoiceField(label=_("Image"), required=False, widget=forms.RadioSelect)
    image_file = forms.FileField(
        label=_("Or upload an image"),
        required=False,
        help_text=_("JPEG, PNG, WebP or GIF. It becomes this variation's image, not part of the product's gallery."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
    )

    @classmethod
    def values_of(cls, variation):
        values = {name: getattr(variation, name) for name in cls.TRACKED if name != "image_id"}
        return {**values, "image_id": str(variation.image_id or "")}

    def __init__(self, data=None, files=None, *, variation, images=()):
        self.variation = variation
        original = self.values_of(variation)
        super().__init__(data, files=files, initial=original, original=original, identity=variation.pk)
        # The product's images, and the variation's own one when it is not among them.
        choices = {str(image.pk): image for image in images}
        if variation.image_id and str(variation.image_id) not in choices and variation.image is not None:
            choices[str(variation.image_id)] = variation.image
        self.image_choices = choices
        self.fields["image_id"].choices = [("", _("No image"))] + [
            (key, image.alt_text or image.description or _("Image %(n)s") % {"n": index})
            for index, (key, image) in enumerate(choices.items(), start=1)
        ]
        keep_current_choice(self.fields["status"], variation.status, dict(VARIATION_STATUS_CHOICES))
        keep_current_choice(self.fields["stock_status"], variation.stock_status, STOCK_STATUS_LABELS)
        keep_current_choice(self.fields["backorders"], variation.backorders, dict(BACKORDER_CHOICES))

    def variation_values(self):
        values = {}
        for name in self.changed_fields():
            value = self.cleaned_data.get(name)
            values[name] = self.typed_text(name, value) or None if name == "description" else value
        return values


class ProductAttributeForm(forms.Form):
    """Add or change one attribute of a product. ``loaded`` is the signed state of the product's
    attributes the page showed, so a save over someone else's change is a conflict."""

    SALT = "catalog.edit.ProductAttributeForm"

    global_attribute = forms.TypedChoiceField(label=_("Attribute"), required=False, coerce=str, empty_value=None)
    name = forms.CharField(label=_("Custom attribute name"), required=False, max_length=200)
    options = forms.CharField(
        label=_("Values"),
        max_length=4000,
        help_text=_("Separate values with “|”. For a global attribute, use the names of its terms."),
        widget=forms.TextInput(attrs={"dir": "auto"}),
    )
    visible = forms.BooleanField(label=_("Visible on the product page"), required=False, initial=True)
    variation = forms.BooleanField(label=_("Used for variations"), required=False)
    loaded = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, data=None, *, attributes, state, prefix=None, initial=None, auto_id="id_%s"):
        super().__init__(data, prefix=prefix, initial={**(initial or {}), "loaded": self.sign(state)}, auto_id=auto_id)
        self.fields["global_attribute"].choices = [("", _("A custom attribute"))] + [
            (str(attribute.pk), attribute.name) for attribute in attributes
        ]

    @classmethod
    def sign(cls, state):
        return signing.dumps(state, salt=cls.SALT, compress=True)

    def clean_loaded(self):
        try:
            return signing.loads(self.cleaned_data["loaded"], salt=self.SALT)
        except signing.BadSignature:
            raise forms.ValidationError(
                _("This form is out of date or incomplete: reload the page and make your change again.")
            ) from None

    def service_kwargs(self):
        data = self.cleaned_data
        return {
            "global_attribute_id": data.get("global_attribute"),
            "name": data.get("name") or "",
            "options": data["options"].split("|"),
            "visible": data.get("visible"),
            "variation": data.get("variation"),
            "base": data["loaded"],
        }
