"""Every write on stores, memberships, per-store grants and credentials.

Each service takes the acting user, asks ``stores.access`` (the only decider) before writing,
runs in one transaction, saves with ``update_fields`` and re-checks after saving that what it
wrote is still inside the actor's scope. Plaintext credentials exist only in arguments and are
encrypted before they touch a model; ``sensitive_variables`` keeps them off Django's error pages.
"""

import logging
from dataclasses import dataclass

from django.contrib.auth import authenticate
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables
from guardian.shortcuts import assign_perm
from guardian.shortcuts import remove_perm

from config.rls import as_service
from stores import credentials
from stores import hooks
from stores.access import CHANGE_STORE
from stores.access import DELETE_STORE
from stores.access import GRANTABLE_PERMISSIONS
from stores.access import MANAGE_CREDENTIALS
from stores.access import MANAGE_MEMBERS
from stores.access import access_for
from stores.access import forget_access
from stores.models import Store
from stores.models import StoreRole
from stores.models import StoreUser
from stores.models import StoreUserObjectPermission

logger = logging.getLogger(__name__)

STORE_EDITABLE_FIELDS = ("name", "url", "currency", "sync_interval_minutes")


class LastOwnerError(ValidationError):
    """The change would leave a store without an owner."""


def _ensure_in_scope(access, queryset, perm, store_field="store_id"):
    """NetBox's post-save check: the row just written must still be inside the actor's scope."""
    if not access.scope(queryset, perm, store_field=store_field).exists():
        raise PermissionDenied


# --- stores -----------------------------------------------------------------------------------


@sensitive_variables("api_key", "api_secret", "webhook_secret")
@transaction.atomic
def store_create(
    *, actor, name, url, api_key, api_secret, webhook_secret=None, currency="ILS", sync_interval_minutes=15
):
    """Connect a store. Its creator becomes its first owner; credentials are stored encrypted."""
    access_for(actor).require_connect_stores()
    store = Store(
        name=name,
        url=url.rstrip("/"),
        currency=currency,
        sync_interval_minutes=sync_interval_minutes,
        user=actor,
        api_key=credentials.encrypt(api_key),
        api_secret=credentials.encrypt(api_secret),
        webhook_secret=credentials.encrypt(webhook_secret) if webhook_secret else None,
    )
    store.full_clean(exclude=["user"])
    store.save()
    StoreUser.objects.create(store=store, user=actor, role=StoreRole.OWNER)
    forget_access(actor)
    _ensure_in_scope(access_for(actor), Store.objects.filter(pk=store.pk), MANAGE_CREDENTIALS, "pk")
    logger.info("store created", extra={"store_id": str(store.pk), "user_id": str(actor.pk)})
    return store


@transaction.atomic
def store_update(*, actor, store, **fields):
    """Change a store's name, URL, currency or sync interval (owners and app admins)."""
    access = access_for(actor)
    access.require(CHANGE_STORE, store.pk)
    unknown = set(fields) - set(STORE_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"store_update cannot change {sorted(unknown)}")
    if "url" in fields:
        fields["url"] = fields["url"].rstrip("/")
    changed = [name for name, value in fields.items() if getattr(store, name) != value]
    for name in changed:
        setattr(store, name, fields[name])
    if changed:
        store.full_clean(exclude=["user", "api_key", "api_secret", "webhook_secret"])
        store.save(update_fields=[*changed, "updated_at"])
    _ensure_in_scope(access, Store.objects.filter(pk=store.pk), CHANGE_STORE, "pk")
    return store


class CredentialsChange(list):
    """The names of the columns ``store_credentials_set`` changed; ``webhooks`` is the result of
    setting a new webhook secret on the store's webhooks in WooCommerce (None when not typed)."""

    webhooks = None


@sensitive_variables("api_key", "api_secret", "webhook_secret")
def store_credentials_set(*, actor, store, api_key="", api_secret="", webhook_secret="", client=None):
    """Replace credentials that were typed; an empty value keeps what is stored (write-only forms).

    A new webhook secret is a rotation (``webhooks.remote.store_webhook_secret_rotate``): the
    previous secret stays valid for ``WEBHOOK_SECRET_GRACE_SECONDS`` and the new one is set on the
    store's registered webhooks in WooCommerce (after the API keys typed with it are saved, so
    that call uses them). ``client`` is the WooCommerce client for that call (tests).
    """
    access = access_for(actor)
    access.require(MANAGE_CREDENTIALS, store.pk)
    changed = CredentialsChange()
    with transaction.atomic():
        if api_key:
            store.api_key = credentials.encrypt(api_key)
            changed.append("api_key")
        if api_secret:
            store.api_secret = credentials.encrypt(api_secret)
            changed.append("api_secret")
        if changed:
            fields = [*changed, "updated_at"]
            if store.credentials_reconnect_needed and api_key and api_secret:
                store.credentials_reconnect_needed = False  # an imported store is connected again
                fields.append("credentials_reconnect_needed")
            store.save(update_fields=fields)
        _ensure_in_scope(access, Store.objects.filter(pk=store.pk), MANAGE_CREDENTIALS, "pk")
    if webhook_secret:
        changed.webhooks = hooks.webhook_secret_rotation(
            actor=actor, store_id=store.pk, secret=webhook_secret, client=client
        )
        with as_service():  # the credential columns; MANAGE_CREDENTIALS was required above (config/rls.py)
            store.refresh_from_db(fields=["webhook_secret", "previous_webhook_secret", "webhook_secret_rotated_at"])
        changed += ["webhook_secret", "previous_webhook_secret", "webhook_secret_rotated_at"]
    if changed:
        logger.info("store credentials changed", extra={"store_id": str(store.pk), "fields": list(changed)})
    return changed


@transaction.atomic
def store_delete(*, actor, store):
    """Delete a store and, through the database's cascades, everything that belongs to it."""
    access_for(actor).require(DELETE_STORE, store.pk)
    store_id = store.pk
    Store.objects.filter(pk=store_id).delete()
    forget_access(actor)
    logger.info("store deleted", extra={"store_id": str(store_id), "user_id": str(actor.pk)})


# --- credentials: reveal and test -------------------------------------------------------------


@sensitive_variables("password", "revealed")
def store_credentials_reveal(*, actor, store, password, request=None, ip_address=None, user_agent=None):
    """Owners and app admins see the plaintext after typing their password again; every reveal
    writes a ``credential_access_logs`` row (the inventory's ``get_store_credentials``), then
    the anomaly rule for one user revealing many stores' credentials runs for the actor.

    The password goes through ``authenticate`` so django-axes counts failures here too.
    """
    access_for(actor).require(MANAGE_CREDENTIALS, store.pk)
    if not password or authenticate(request, username=actor.email, password=password) is None:
        raise ValidationError(_("That password is not correct."), code="wrong_password")
    with transaction.atomic():
        revealed = credentials.get_store_credentials(
            user=actor, store=store, ip_address=ip_address, user_agent=user_agent
        )
    hooks.credential_reveal_check(actor.pk)  # never raises: detection cannot break the reveal
    return revealed


@dataclass(frozen=True)
class ConnectionResult:
    ok: bool
    code: str  # success | refused | auth | unreachable | not_woocommerce | tls | rate_limited | server | error
    message: str


def _connection_messages():
    return {
        "success": _("Connected. The store answered with its products, so the keys work."),
        "auth": _("The store refused the keys (wrong consumer key or secret, or they lack read access)."),
        "unreachable": _("The store could not be reached (the address, DNS or network failed, or it timed out)."),
        "not_woocommerce": _("Something answered, but it is not the WooCommerce REST API (check the URL)."),
        "tls": _("The store's TLS certificate could not be verified."),
        "rate_limited": _("The store is limiting requests right now; try again in a minute."),
        "server": _("The store answered with a server error; try again later."),
        "error": _("The test failed for an unexpected reason."),
    }


def store_test_connection(*, actor, store):
    """Call the store with its saved credentials and say plainly what happened (the call itself
    is the sync app's: ``hooks.connection_check``)."""
    access_for(actor).require(MANAGE_CREDENTIALS, store.pk)
    try:
        code, detail = hooks.connection_check(store=store)
    except credentials.CredentialDecryptionError:
        return ConnectionResult(
            False, "error", _("The saved credentials cannot be decrypted with the configured keys.")
        )
    return ConnectionResult(code == "success", code, detail or _connection_messages()[code])


# --- memberships ------------------------------------------------------------------------------


def _locked_memberships(store_id):
    """Every membership of the store, locked in primary-key order (no deadlocks between owners)."""
    return list(StoreUser.objects.select_for_update().filter(store_id=store_id).order_by("pk"))


def _member_to_manage(actor, store, membership_id):
    """The actor's access (checked: may manage members), the store's memberships (locked) and the
    one named by ``membership_id``; ``StoreUser.DoesNotExist`` when it is not this store's."""
    access = access_for(actor)
    access.require(MANAGE_MEMBERS, store.pk)
    memberships = _locked_memberships(store.pk)
    membership = next((m for m in memberships if m.pk == membership_id), None)
    if membership is None:
        raise StoreUser.DoesNotExist
    return access, memberships, membership


def _refuse_ownerless(memberships, *, leaving, arriving=False):
    """``LastOwnerError`` when every owner among ``memberships`` is in ``leaving`` (removed,
    demoted or moved away) and no owner is ``arriving``. A store without owners (an import's)
    is left as it is."""
    owners = {m.pk for m in memberships if m.role == StoreRole.OWNER}
    if owners and owners <= set(leaving) and not arriving:
        raise LastOwnerError(_("A store must keep at least one owner."), code="last_owner")


def _check_keeps_an_owner(memberships, *, changing, new_role=None):
    _refuse_ownerless(memberships, leaving={changing.pk} if new_role != StoreRole.OWNER else set())


@transaction.atomic
def store_memberships_check_owner_kept(*, store_id, leaving, arriving=False):
    """For changes made outside the team page (the staff admin): refuse, with the team page's
    ``LastOwnerError``, when the memberships ``leaving`` the store's owners are all of them."""
    _refuse_ownerless(_locked_memberships(store_id), leaving=leaving, arriving=arriving)


@transaction.atomic
def stores_lost_with_accounts(user_ids):
    """Why deleting the accounts ``user_ids`` would cost a store, one message per store (empty
    when nothing would be lost): the database deletes the stores an account connected
    (``stores.user_id`` cascades, as in the inventory), and with its memberships a store may lose
    its last owner. The staff admin refuses such a deletion."""
    user_ids = set(user_ids)
    problems = [
        _(
            "%(store)s was connected by %(email)s and would be deleted with the account: name another"
            " account as the one who connected it first, or delete the store."
        )
        % {"store": store.name, "email": store.user.email}
        for store in Store.objects.filter(user_id__in=user_ids).select_related("user").order_by("name")
    ]
    owned = Store.objects.filter(memberships__user_id__in=user_ids, memberships__role=StoreRole.OWNER).exclude(
        user_id__in=user_ids
    )
    for store in owned.distinct().order_by("name"):
        memberships = _locked_memberships(store.pk)
        try:
            _refuse_ownerless(memberships, leaving={m.pk for m in memberships if m.user_id in user_ids})
        except LastOwnerError as error:
            problems.append(f"{store.name}: {error.message}")
    return problems


@transaction.atomic
def store_membership_set_role(*, actor, store, membership_id, role):
    """Change a member's role. The last owner cannot step down."""
    if role not in StoreRole.values:
        raise ValidationError(_("Unknown role."), code="invalid_role")
    access, memberships, membership = _member_to_manage(actor, store, membership_id)
    if membership.role == role:
        return membership
    _check_keeps_an_owner(memberships, changing=membership, new_role=role)
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    _ensure_in_scope(access, StoreUser.objects.filter(pk=membership.pk), MANAGE_MEMBERS)
    if membership.user_id == actor.pk:
        forget_access(actor)
    return membership


@transaction.atomic
def store_membership_remove(*, actor, store, membership_id):
    """Remove a member (their per-store grants go too). The last owner cannot be removed."""
    access, memberships, membership = _member_to_manage(actor, store, membership_id)
    _check_keeps_an_owner(memberships, changing=membership)
    _ensure_in_scope(access, StoreUser.objects.filter(pk=membership.pk), MANAGE_MEMBERS)
    StoreUserObjectPermission.objects.filter(content_object_id=store.pk, user_id=membership.user_id).delete()
    membership.delete()
    if membership.user_id == actor.pk:
        forget_access(actor)
    return membership


@transaction.atomic
def store_membership_add(*, actor, store, user, role):
    """Make ``user`` a member (used when an invitation is accepted; owners' rights are checked
    by the invitation). An existing member keeps their current role."""
    if role not in StoreRole.values:
        raise ValidationError(_("Unknown role."), code="invalid_role")
    membership, _created = StoreUser.objects.get_or_create(store=store, user=user, defaults={"role": role})
    forget_access(user)
    return membership


# --- explicit per-store grants (django-guardian) ----------------------------------------------


def _permission_for(perm):
    if perm not in GRANTABLE_PERMISSIONS:
        raise ValidationError(_("That permission cannot be granted."), code="not_grantable")
    app_label, codename = perm.split(".", 1)
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def _assign_permission(store, user, perm):
    _permission_for(perm)
    if not user.is_active:
        raise ValidationError(_("That account is not active."), code="inactive")
    assign_perm(perm, user, store)
    forget_access(user)


@transaction.atomic
def store_grant_permission(*, actor, store, user, perm):
    """Give a member one capability on one store beyond their role (e.g. let a viewer run
    syncs). Anyone else gets one only by accepting an invitation: nobody is given access to a
    store without agreeing to it (``accounts.services.invitation_create(permission=...)``)."""
    access = access_for(actor)
    access.require(MANAGE_MEMBERS, store.pk)
    _permission_for(perm)
    if not StoreUser.objects.filter(store=store, user=user).exists():
        raise ValidationError(
            _("Only members of the store get a permission directly; anyone else is invited."), code="not_a_member"
        )
    _assign_permission(store, user, perm)
    _ensure_in_scope(
        access,
        StoreUserObjectPermission.objects.filter(content_object_id=store.pk, user=user),
        MANAGE_MEMBERS,
        "content_object_id",
    )
    return perm


@transaction.atomic
def store_permission_add(*, store, user, perm):
    """Give ``user`` the permission they accepted by invitation (the owner's right to offer it
    was checked when the invitation was made)."""
    _assign_permission(store, user, perm)
    return perm


@transaction.atomic
def store_revoke_permission(*, actor, store, user, perm):
    access_for(actor).require(MANAGE_MEMBERS, store.pk)
    _permission_for(perm)
    remove_perm(perm, user, store)
    forget_access(user)


def store_grant_revoke_by_id(*, actor, store, grant_id):
    grant = (
        StoreUserObjectPermission.objects.select_related("user", "permission__content_type")
        .filter(content_object_id=store.pk, pk=grant_id)
        .first()
    )
    if grant is None:
        raise StoreUserObjectPermission.DoesNotExist
    perm = f"{grant.permission.content_type.app_label}.{grant.permission.codename}"
    store_revoke_permission(actor=actor, store=store, user=grant.user, perm=perm)
    return grant
