"""Forms of the order pages: the list's filters and the status change (sensible transitions only)."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from orders.models import OrderStatus
from orders.selectors import CUSTOMER_ORDERINGS
from orders.selectors import ORDERINGS
from orders.selectors import OrderFilters

# Where an order may go from each status, as a shop owner would move it by hand. Statuses that
# end an order (refunded, trash) go nowhere; WooCommerce itself handles drafts and payments.
ALLOWED_TRANSITIONS = {
    OrderStatus.PENDING: (OrderStatus.PROCESSING, OrderStatus.ON_HOLD, OrderStatus.CANCELLED, OrderStatus.FAILED),
    OrderStatus.PROCESSING: (OrderStatus.COMPLETED, OrderStatus.ON_HOLD, OrderStatus.CANCELLED, OrderStatus.REFUNDED),
    OrderStatus.ON_HOLD: (OrderStatus.PROCESSING, OrderStatus.COMPLETED, OrderStatus.PENDING, OrderStatus.CANCELLED),
    OrderStatus.COMPLETED: (OrderStatus.PROCESSING, OrderStatus.REFUNDED),
    OrderStatus.FAILED: (OrderStatus.PENDING, OrderStatus.PROCESSING, OrderStatus.CANCELLED),
    OrderStatus.CANCELLED: (OrderStatus.PENDING, OrderStatus.PROCESSING),
    OrderStatus.CHECKOUT_DRAFT: (OrderStatus.PENDING, OrderStatus.CANCELLED),
    OrderStatus.REFUNDED: (),
    OrderStatus.TRASH: (),
}
# Asking "are you sure?" first: these tell the customer their order will not be fulfilled.
DESTRUCTIVE_STATUSES = (OrderStatus.CANCELLED, OrderStatus.REFUNDED, OrderStatus.FAILED)
STATUS_LABELS = dict(OrderStatus.choices)


def allowed_transitions(status):
    return [(value, STATUS_LABELS[value]) for value in ALLOWED_TRANSITIONS.get(status, ())]


def money_field(label, minimum=Decimal("0"), **kwargs):
    """An optional amount in the store's currency (two decimals, typed left to right)."""
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=minimum,
        max_digits=10,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "dir": "ltr", "inputmode": "decimal"}),
        **kwargs,
    )


class OrderFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "enterkeyhint": "search"}),
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any")), *OrderStatus.choices])
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    total_min = money_field(_("Total from"))
    total_max = money_field(_("Total to"))
    sort = forms.ChoiceField(
        required=False, choices=[(key, key) for key in ORDERINGS + CUSTOMER_ORDERINGS], widget=forms.HiddenInput
    )

    def __init__(self, data=None, *, can_search_customers=False):
        super().__init__(data)
        placeholder = _("Order number, name or email") if can_search_customers else _("Order number")
        self.fields["q"].widget.attrs["placeholder"] = placeholder
        self.fields["status"].widget.attrs["class"] = "select-sm"

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        low, high = data.get("total_min"), data.get("total_max")
        if low is not None and high is not None and low > high:
            self.add_error("total_max", _("The maximum is below the minimum."))
        return data

    def to_filters(self):
        """Valid filters only: a bad value is dropped (and shown as an error), never a 500."""
        if not self.is_bound:
            return OrderFilters()
        self.is_valid()
        data = {name: value for name, value in getattr(self, "cleaned_data", {}).items() if name not in self.errors}
        return OrderFilters(
            q=(data.get("q") or "").strip(),
            status=data.get("status") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            total_min=data.get("total_min"),
            total_max=data.get("total_max"),
            sort=data.get("sort") or "-woo_created_at",
        )


class OrderStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"))

    def __init__(self, data=None, *, current):
        super().__init__(data)
        self.current = current
        self.fields["status"].choices = allowed_transitions(current)

    def clean_status(self):
        value = self.cleaned_data["status"]
        if value not in ALLOWED_TRANSITIONS.get(self.current, ()):
            raise forms.ValidationError(_("An order cannot go from this status to that one."))
        return value


class OrderNoteForm(forms.Form):
    NOTE_KINDS = (("private", _("Private note")), ("customer", _("Note to the customer")))

    note = forms.CharField(label=_("Note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}))
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=NOTE_KINDS,
        initial="private",
        widget=forms.RadioSelect,
        help_text=_("WooCommerce e-mails a note to the customer."),
    )


class OrderRefundForm(forms.Form):
    """Quantities per line (``qty_<item id>``), or an amount; reason; gateway; restock."""

    amount = money_field(_("Amount"), minimum=Decimal("0.01"), help_text=_("Leave empty to refund the chosen lines."))
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)
    restock = forms.BooleanField(label=_("Put the refunded items back in stock"), required=False, initial=True)
    api_refund = forms.BooleanField(
        label=_("Refund the payment through the payment gateway"),
        required=False,
        help_text=_("Otherwise the refund is only recorded: return the money yourself."),
    )
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, data=None, *, lines):
        super().__init__(data)
        self.lines = lines  # {item id: (item, quantity left, unit price)}
        for item_id, (item, left, _unit) in lines.items():
            self.fields[f"qty_{item_id}"] = forms.IntegerField(
                label=item.get("name", ""),
                required=False,
                min_value=0,
                max_value=left,
                widget=forms.NumberInput(attrs={"min": "0", "max": str(left), "dir": "ltr", "class": "input-qty"}),
            )

    def quantities(self):
        return {
            item_id: self.cleaned_data.get(f"qty_{item_id}") or 0
            for item_id in self.lines
            if self.cleaned_data.get(f"qty_{item_id}")
        }

    def line_fields(self):
        return [(self[f"qty_{item_id}"], item, left, unit) for item_id, (item, left, unit) in self.lines.items()]
