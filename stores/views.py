"""Store pages. Each view resolves the user's access, calls one selector or service, and renders.

Permissions: ``stores.access`` decides (404 for a store the user may not see, 403 for a missing
capability on one they can see). Credentials never reach a template except on the reveal page,
right after the password was typed again.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods, require_POST

from accounts import services as account_services
from accounts.models import Invitation
from accounts.selectors import invitations_pending_for
from audit.presenters import history_entries
from config.client_ip import client_ip
from stores import credentials, hooks, selectors, services
from stores.access import (
    CHANGE_STORE,
    DELETE_STORE,
    MANAGE_CREDENTIALS,
    MANAGE_MEMBERS,
    VIEW_ORDERS,
    VIEW_STORE,
    access_for,
)
from stores.forms import (
    PERMISSION_LABELS,
    ROLE_HELP,
    GrantForm,
    InvitationForm,
    PasswordConfirmForm,
    RoleForm,
    StoreCreateForm,
    StoreCredentialsForm,
    StoreDeleteForm,
    StoreSettingsForm,
    invitation_offer_label,
)
from stores.models import StoreRole, StoreUserObjectPermission
from stores.pages import page_context

SECRET_FIELDS = ("api_key", "api_secret", "webhook_secret", "password")


def _client_meta(request):
    return client_ip(request), request.headers.get("user-agent", "")


def _store_context(request, store, active, **extra):
    return page_context(store, access_for(request.user), active, **extra)


def _form_errors_to_messages(request, error):
    for message in error.messages:
        messages.error(request, message)


@login_required
def home(request):
    access = access_for(request.user)
    stores = list(selectors.stores_for(access))
    for store in stores:
        store.my_role = access.role(store.pk)
        store.my_role_label = StoreRole(store.my_role).label if store.my_role else ""
    health = hooks.stores_health(access, stores)
    return render(request, "stores/home.html", {"stores": stores, "access": access, "health": health})


@login_required
@sensitive_post_parameters(*SECRET_FIELDS)
@sensitive_variables("form")
@require_http_methods(["GET", "POST"])
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
    store = selectors.store_get(access, store_id)
    # Estimated when a store is large (exact COUNT(*) of 500,000 orders costs tens of ms per visit).
    counts = hooks.store_counts(access, store.pk)
    context = _store_context(
        request,
        store,
        "overview",
        counts=counts,
        can_view_orders=access.can(VIEW_ORDERS, store.pk),
        overview=hooks.store_overview(access, store, request.user),
        history=history_entries("stores", store.pk, access, store.pk, limit=20),
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
            _form_errors_to_messages(request, error)
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


@login_required
@sensitive_post_parameters(*SECRET_FIELDS)
@sensitive_variables("form")
@require_http_methods(["GET", "POST"])
def store_credentials(request, store_id):
    access = access_for(request.user)
    store = selectors.store_get_for_credentials(access, store_id)
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
@login_required
@sensitive_post_parameters(*SECRET_FIELDS)
@sensitive_variables("revealed")
@require_http_methods(["GET", "POST"])
def store_credentials_reveal(request, store_id):
    access = access_for(request.user)
    store = selectors.store_get_for_credentials(access, store_id)
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
    access = access_for(request.user)
    store = selectors.store_get_for_credentials(access, store_id)
    result = services.store_test_connection(actor=request.user, store=store)
    (messages.success if result.ok else messages.error)(request, result.message)
    return redirect("stores:credentials", store_id=store.pk)


@login_required
def store_credential_log(request, store_id):
    access = access_for(request.user)
    store = selectors.store_get(access, store_id, MANAGE_CREDENTIALS)
    entries = selectors.credential_access_logs_for(access, store_id)[:200]
    return render(
        request, "stores/credential_log.html", _store_context(request, store, "credential_log", entries=entries)
    )


# --- team -------------------------------------------------------------------------------------


def _team_context(request, store, **forms):
    access = access_for(request.user)
    members = list(selectors.store_members_for(access, store.pk))
    owner_count = sum(1 for m in members if m.role == StoreRole.OWNER)
    for member in members:
        member.is_last_owner = member.role == StoreRole.OWNER and owner_count == 1
        member.is_me = member.user_id == request.user.pk
    invitations = list(invitations_pending_for(access, store.pk))
    for invitation in invitations:
        invitation.offer_label = invitation_offer_label(invitation)
    grants = list(selectors.store_grants_for(access, store.pk))
    for grant in grants:
        perm = f"{grant.permission.content_type.app_label}.{grant.permission.codename}"
        grant.label = PERMISSION_LABELS.get(perm, perm)
    return _store_context(
        request,
        store,
        "team",
        members=members,
        invitations=invitations,
        grants=grants,
        invite_form=forms.get("invite_form") or InvitationForm(),
        grant_form=forms.get("grant_form") or GrantForm(),
        role_choices=StoreRole.choices,
        role_help=ROLE_HELP,
    )


@login_required
def store_team(request, store_id):
    store = selectors.store_get(access_for(request.user), store_id, MANAGE_MEMBERS)
    return render(request, "stores/team.html", _team_context(request, store))


@login_required
@require_POST
def store_invite(request, store_id):
    store = selectors.store_get(access_for(request.user), store_id, MANAGE_MEMBERS)
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation, _token = account_services.invitation_create(
                actor=request.user,
                store=store,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                accept_url_for=lambda token: request.build_absolute_uri(
                    reverse("invitation_accept", kwargs={"token": token})
                ),
            )
        except ValidationError as error:
            form.add_error("email", error)
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
            return redirect("stores:team", store_id=store.pk)
    return render(request, "stores/team.html", _team_context(request, store, invite_form=form), status=400)


def _membership_or_404(request, store, membership_id):
    return selectors.store_membership_get(access_for(request.user), store.pk, membership_id)


@login_required
@require_POST
def store_member_role(request, store_id, membership_id):
    store = selectors.store_get(access_for(request.user), store_id, MANAGE_MEMBERS)
    membership = _membership_or_404(request, store, membership_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a role."))
        return redirect("stores:team", store_id=store.pk)
    try:
        services.store_membership_set_role(
            actor=request.user, store=store, membership_id=membership.pk, role=form.cleaned_data["role"]
        )
    except ValidationError as error:
        _form_errors_to_messages(request, error)
    else:
        messages.success(
            request,
            _("%(email)s is now %(role)s.")
            % {"email": membership.user.email, "role": StoreRole(form.cleaned_data["role"]).label},
        )
    if not access_for(request.user).can(VIEW_STORE, store.pk):
        return redirect("home")
    if not access_for(request.user).can(MANAGE_MEMBERS, store.pk):
        return redirect("stores:detail", store_id=store.pk)
    return redirect("stores:team", store_id=store.pk)


@login_required
@require_http_methods(["GET", "POST"])
def store_member_remove(request, store_id, membership_id):
    store = selectors.store_get(access_for(request.user), store_id, MANAGE_MEMBERS)
    membership = _membership_or_404(request, store, membership_id)
    if request.method == "POST":
        try:
            services.store_membership_remove(actor=request.user, store=store, membership_id=membership.pk)
        except ValidationError as error:
            _form_errors_to_messages(request, error)
            return redirect("stores:team", store_id=store.pk)
        messages.success(request, _("%(email)s was removed from the store.") % {"email": membership.user.email})
        if membership.user_id == request.user.pk:
            return redirect("home")
        return redirect("stores:team", store_id=store.pk)
    context = _store_context(request, store, "team", membership=membership)
    return render(request, "stores/member_remove.html", context)


@login_required
@require_POST
def store_invitation_revoke(request, store_id, invitation_id):
    def revoke(store):
        return account_services.invitation_revoke(actor=request.user, store=store, invitation_id=invitation_id).email

    return _team_revoke(
        request, store_id, revoke, Invitation.DoesNotExist, _("The invitation to %(email)s was revoked.")
    )


def _team_revoke(request, store_id, revoke, not_found, message):
    """Run ``revoke(store)`` for a member manager of the store and go back to the team page with
    ``message`` about the email it answers; 404 when it raises ``not_found`` (not this store's)."""
    store = selectors.store_get(access_for(request.user), store_id, MANAGE_MEMBERS)
    try:
        email = revoke(store)
    except not_found as exc:
        raise Http404 from exc
    messages.success(request, message % {"email": email})
    return redirect("stores:team", store_id=store.pk)


@login_required
@require_POST
def store_grant(request, store_id):
    """A member gets the permission at once; anyone else, account or not, is sent an invitation
    to accept, and the answer is the same for both (the form tells nothing about accounts)."""
    store = selectors.store_get(access_for(request.user), store_id, MANAGE_MEMBERS)
    form = GrantForm(request.POST)
    if form.is_valid():
        email, perm = form.cleaned_data["email"], form.cleaned_data["permission"]
        member = selectors.store_member_by_email(access_for(request.user), store.pk, email)
        try:
            if member is not None:
                services.store_grant_permission(actor=request.user, store=store, user=member.user, perm=perm)
                message = _("Permission granted to %(email)s.")
            else:
                account_services.invitation_create(
                    actor=request.user,
                    store=store,
                    email=email,
                    permission=perm,
                    accept_url_for=lambda token: request.build_absolute_uri(
                        reverse("invitation_accept", kwargs={"token": token})
                    ),
                )
                message = _("%(email)s was sent an invitation: the permission applies once they accept it.")
        except ValidationError as error:
            form.add_error("permission", error)
        else:
            messages.success(request, message % {"email": email.lower()})
            return redirect("stores:team", store_id=store.pk)
    return render(request, "stores/team.html", _team_context(request, store, grant_form=form), status=400)


@login_required
@require_POST
def store_grant_revoke(request, store_id, grant_id):
    def revoke(store):
        return services.store_grant_revoke_by_id(actor=request.user, store=store, grant_id=grant_id).user.email

    return _team_revoke(
        request, store_id, revoke, StoreUserObjectPermission.DoesNotExist, _("Permission revoked from %(email)s.")
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
