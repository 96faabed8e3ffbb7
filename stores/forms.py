"""Store forms. Credential fields are write-only: never pre-filled, at most the last 4 characters
shown as a hint, and an empty field keeps the stored value."""

import re

from django import forms
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from stores.access import CHANGE_CATALOG
from stores.access import CHANGE_ORDER_STATUS
from stores.access import GRANTABLE_PERMISSIONS
from stores.access import RUN_SYNC
from stores.access import VIEW_CUSTOMER_DATA
from stores.access import VIEW_ORDERS
from stores.access import VIEW_STORE
from stores.models import StoreRole

PERMISSION_LABELS = {
    VIEW_STORE: _("See the store and its catalog"),
    VIEW_ORDERS: _("See orders (customer data masked)"),
    VIEW_CUSTOMER_DATA: _("See customer names, emails, phones and addresses"),
    CHANGE_CATALOG: _("Create and edit products and taxonomies"),
    RUN_SYNC: _("Run a sync with WooCommerce"),
    CHANGE_ORDER_STATUS: _("Change order status"),
}


def invitation_offer_label(invitation):
    """What an invitation offers, for people: a role's name or a permission's description."""
    if invitation.permission:
        return PERMISSION_LABELS.get(invitation.permission, invitation.permission)
    return StoreRole(invitation.role).label


ROLE_HELP = {
    StoreRole.OWNER: _("Everything, including settings, credentials, team and deleting the store."),
    StoreRole.MANAGER: _("Catalog, orders with customer data, status changes and syncs."),
    StoreRole.VIEWER: _("Read-only; customer data is masked."),
}
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")


class SecretInput(forms.PasswordInput):
    """A password-style input that never renders a value."""

    def __init__(self, attrs=None):
        base = {"autocomplete": "new-password", "spellcheck": "false", "autocapitalize": "off"}
        super().__init__(attrs={**base, **(attrs or {})}, render_value=False)


class SecretField(forms.CharField):
    def __init__(self, *, last4="", **kwargs):
        kwargs.setdefault("strip", True)
        kwargs.setdefault("max_length", 255)
        super().__init__(widget=SecretInput(), **kwargs)
        self.set_last4(last4)

    def set_last4(self, last4):
        self.last4 = last4
        if last4:
            self.widget.attrs["placeholder"] = f"•••• {last4}"
            self.help_text = _("Saved (ends in %(last4)s). Leave empty to keep it.") % {"last4": last4}


def _validate_url(value):
    URLValidator(schemes=["http", "https"])(value)
    return value.rstrip("/")


class StoreFieldsMixin(forms.Form):
    name = forms.CharField(label=_("Store name"), max_length=200)
    url = forms.CharField(
        label=_("Store URL"),
        max_length=500,
        help_text=_("The address of the WordPress site, e.g. https://shop.example.com"),
        widget=forms.URLInput(attrs={"placeholder": "https://", "inputmode": "url"}),
    )
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="ILS", help_text=_("ISO code, e.g. ILS"))
    sync_interval_minutes = forms.IntegerField(
        label=_("Sync every (minutes)"),
        min_value=0,
        max_value=10080,
        initial=15,
        help_text=_("0 turns scheduled syncs off."),
    )

    def clean_url(self):
        return _validate_url(self.cleaned_data["url"].strip())

    def clean_currency(self):
        value = self.cleaned_data["currency"].strip().upper()
        if not CURRENCY_RE.match(value):
            raise forms.ValidationError(_("Use a three-letter currency code."))
        return value


class StoreCreateForm(StoreFieldsMixin):
    api_key = SecretField(label=_("Consumer key"), help_text=_("WooCommerce → Settings → Advanced → REST API."))
    api_secret = SecretField(label=_("Consumer secret"))
    webhook_secret = SecretField(
        label=_("Webhook secret"), required=False, help_text=_("Optional; one is generated if left empty.")
    )


class StoreSettingsForm(StoreFieldsMixin):
    pass


class StoreCredentialsForm(forms.Form):
    api_key = SecretField(label=_("Consumer key"), required=False)
    api_secret = SecretField(label=_("Consumer secret"), required=False)
    webhook_secret = SecretField(label=_("Webhook secret"), required=False)
    generate_webhook_secret = forms.BooleanField(label=_("Generate a new webhook secret"), required=False)

    def __init__(self, *args, last4=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name, value in (last4 or {}).items():
            self.fields[name].set_last4(value)

    def clean(self):
        data = super().clean()
        if data.get("webhook_secret") and data.get("generate_webhook_secret"):
            raise forms.ValidationError(_("Type a webhook secret or generate one, not both."))
        return data


class PasswordConfirmForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    role = forms.ChoiceField(label=_("Role"), choices=StoreRole.choices, initial=StoreRole.VIEWER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=StoreRole.choices)


class GrantForm(forms.Form):
    email = forms.EmailField(label=_("User's email"))
    permission = forms.ChoiceField(
        label=_("Permission"),
        choices=[(perm, PERMISSION_LABELS[perm]) for perm in sorted(GRANTABLE_PERMISSIONS, key=str)],
    )

    def __init__(self, *args, **kwargs):
        # Its own ids: the invitation form on the same page has an email field too (the team
        # page passes its own prefix, GRANT_FORM_IDS).
        kwargs.setdefault("auto_id", "grant_%s")
        super().__init__(*args, **kwargs)


class StoreDeleteForm(forms.Form):
    confirm_name = forms.CharField(label=_("Type the store's name to confirm"))

    def __init__(self, *args, store_name, **kwargs):
        super().__init__(*args, **kwargs)
        self.store_name = store_name

    def clean_confirm_name(self):
        value = self.cleaned_data["confirm_name"].strip()
        if value != self.store_name:
            raise forms.ValidationError(_("That is not the store's name."))
        return value
