"""Store pages. Each view resolves the user's access, calls one selector or service, and renders.

Permissions: ``stores.access`` decides (404 for a store the user may not see, 403 for a missing
capability on one they can see). Credentials never reach a template except on the reveal page,
right after the password was typed again.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_http_methods
from django.views.decorators.http import require_POST

from config.client_ip import client_ip
from stores import credentials
from stores import hooks
from stores import selectors
from stores import services
from stores.access import CHANGE_STORE
from stores.access import DELETE_STORE
from stores.access import MANAGE_CREDENTIALS
from stores.access import VIEW_ORDERS
from stores.access import access_for
from stores.forms import PasswordConfirmForm
from stores.forms import StoreCreateForm
from stores.forms import StoreCredentialsForm
from stores.forms import StoreDeleteForm
from stores.forms import StoreSettingsForm
from stores.models import StoreRole
from stores.pages import errors_to_messages
from stores.pages import page_context

SECRET_FIELDS = ("api_key", "api_secret", "webhook_secret", "password")


def _secret_form_page(*sensitive_locals):
    """A signed-in GET/POST page whose form carries secrets: the posted ``SECRET_FIELDS`` and the
    view's ``sensitive_locals`` are hidden from error reports."""

    def decorate(view):
        view = sensitive_variables(*sensitive_locals)(require_http_methods(["GET", "POST"])(view))
        return login_required(sensitive_post_parameters(*SECRET_FIELDS)(view))

    return decorate


def _store_for_credentials(request, store_id):
    """The store row the credential pages work on, for its owners and the app admins only."""
    return selectors.store_get_for_credentials(access_for(request.user), store_id)


def _client_meta(request):
    return client_ip(request), request.headers.get("user-agent", "")


def _store_context(request, store, active, **extra):
    return page_context(store, access_for(request.user), active, **extra)


@login_required
def home(request):
    access = access_for(request.user)
    stores = list(selectors.stores_for(access))
    for store in stores:
        store.my_role = access.role(store.pk)
        store.my_role_label = StoreRole(store.my_role).label if store.my_role else ""
    health = hooks.stores_health(access, stores)
    return render(request, "stores/home.html", {"stores": stores, "access": access, "health": health})


@_secret_form_page("form")
def store_create(request):
    access_for(request.user).require_connect_stores()
    form = StoreCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        store = services.store_create(
            actor=request.user,
            name=data["name"],
            url=data["url"],
            currency=data["currency"],
            sync_interval_minutes=data["sync_interval_minutes"],
            api_key=data["api_key"],
            api_secret=data["api_secret"],
            webhook_secret=data["webhook_secret"] or credentials.generate_webhook_secret(),
        )
        messages.success(request, _("“%(name)s” is connected. You are its owner.") % {"name": store.name})
        return redirect("stores:detail", store_id=store.pk)
    return render(request, "stores/store_form.html", {"form": form})


@login_required
def store_detail(request, store_id):
    access = access_for(request.user)
    store = selectors.store_get(access, store_id, fields=selectors.STORE_OVERVIEW_FIELDS)
    # Estimated when a store is large (exact COUNT(*) of 500,000 orders costs tens of ms per visit).
    counts = hooks.store_counts(access, store.pk)
    context = _store_context(
        request,
        store,
        "overview",
        counts=counts,
        can_view_orders=access.can(VIEW_ORDERS, store.pk),
        overview=hooks.store_overview(access, store, request.user),
        history=hooks.history("stores", store.pk, access, store, limit=20),
    )
    return render(request, "stores/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def store_settings(request, store_id):
    access = access_for(request.user)
    store = selectors.store_get(access, store_id, CHANGE_STORE)
    initial = {name: getattr(store, name) for name in services.STORE_EDITABLE_FIELDS}
    form = StoreSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.store_update(actor=request.user, store=store, **form.cleaned_data)
        except ValidationError as error:
            errors_to_messages(request, error)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("stores:settings", store_id=store.pk)
    return render(request, "stores/settings.html", _store_context(request, store, "settings", form=form))


def _last4_of(store):
    return {
        name: credentials.last4(token)
        for name, token in zip(
            ("api_key", "api_secret", "webhook_secret"),
            credentials.tokens(store, "api_key", "api_secret", "webhook_secret"),
            strict=True,
        )
    }


@_secret_form_page("form")
def store_credentials(request, store_id):
    store = _store_for_credentials(request, store_id)
    try:
        last4 = _last4_of(store)
    except credentials.CredentialDecryptionError:
        last4 = {}
        messages.error(request, _("The saved credentials cannot be decrypted with the configured keys."))
    form = StoreCredentialsForm(request.POST or None, last4=last4)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        secret = credentials.generate_webhook_secret() if data["generate_webhook_secret"] else data["webhook_secret"]
        changed = services.store_credentials_set(
            actor=request.user,
            store=store,
            api_key=data["api_key"],
            api_secret=data["api_secret"],
            webhook_secret=secret,
        )
        if changed:
            messages.success(request, _("Credentials saved."))
            if changed.webhooks is not None and not changed.webhooks.ok:
                messages.warning(
                    request,
                    _(
                        "The new webhook secret could not be set on some of the store's webhooks in WooCommerce; "
                        "it is retried automatically, and the previous secret is accepted meanwhile."
                    ),
                )
        else:
            messages.info(request, _("Nothing was typed, so nothing changed."))
        return redirect("stores:credentials", store_id=store.pk)
    context = _store_context(request, store, "credentials", form=form, reveal_form=PasswordConfirmForm())
    return render(request, "stores/credentials.html", context)


@never_cache
@_secret_form_page("revealed")
def store_credentials_reveal(request, store_id):
    store = _store_for_credentials(request, store_id)
    form = PasswordConfirmForm(request.POST or None)
    revealed = None
    if request.method == "POST" and form.is_valid():
        ip_address, user_agent = _client_meta(request)
        try:
            revealed = services.store_credentials_reveal(
                actor=request.user,
                store=store,
                password=form.cleaned_data["password"],
                request=request,
                ip_address=ip_address,
                user_agent=user_agent,
            )
        except ValidationError as error:
            form.add_error("password", error)
        except credentials.CredentialDecryptionError:
            messages.error(request, _("The saved credentials cannot be decrypted with the configured keys."))
    if getattr(request, "axes_locked_out", False):
        raise PermissionDenied
    context = _store_context(request, store, "credentials", form=form, revealed=revealed)
    response = render(request, "stores/credentials_reveal.html", context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def store_test_connection(request, store_id):
    store = _store_for_credentials(request, store_id)
    result = services.store_test_connection(actor=request.user, store=store)
    (messages.success if result.ok else messages.error)(request, result.message)
    return redirect("stores:credentials", store_id=store.pk)


@login_required
def store_credential_log(request, store_id):
    access = access_for(request.user)
    store = selectors.store_get(access, store_id, MANAGE_CREDENTIALS)
    entries = hooks.credential_access_log(access, store_id)[:200]
    return render(
        request, "stores/credential_log.html", _store_context(request, store, "credential_log", entries=entries)
    )


@login_required
@require_http_methods(["GET", "POST"])
def store_delete(request, store_id):
    store = selectors.store_get(access_for(request.user), store_id, DELETE_STORE)
    form = StoreDeleteForm(request.POST or None, store_name=store.name)
    if request.method == "POST" and form.is_valid():
        services.store_delete(actor=request.user, store=store)
        messages.success(request, _("“%(name)s” and all its data were deleted.") % {"name": store.name})
        return redirect("home")
    return render(request, "stores/delete.html", _store_context(request, store, "delete", form=form))
