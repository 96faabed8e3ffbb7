import threading
import time
from functools import partial

import pytest
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError
from django.db import connection
from django.db import transaction
from django.http import Http404
from django.urls import reverse

from accounts.models import User
from config.testing import run_at_once
from orders.models import OrderStatusCount
from stores import credentials
from stores.access import CHANGE_CATALOG
from stores.access import MANAGE_MEMBERS
from stores.access import RUN_SYNC
from stores.access import VIEW_STORE
from stores.access import access_for
from stores.access import load_access
from stores.models import Store
from stores.models import StoreRole
from stores.models import StoreUser
from stores.models import StoreUserObjectPermission
from stores.services import LastOwnerError
from stores.services import store_credentials_set
from stores.services import store_delete
from stores.services import store_grant_permission
from stores.services import store_membership_remove
from stores.services import store_membership_set_role
from stores.services import store_permission_add
from stores.services import store_revoke_permission
from stores.services import store_update
from stores.tests.helpers import add_member
from stores.tests.helpers import build_world
from stores.tests.helpers import make_orders
from stores.tests.helpers import make_store
from stores.tests.helpers import make_user

pytestmark = pytest.mark.django_db


def fresh(user):
    """The same user as the next request would load it (no cached access)."""
    return User.objects.get(pk=user.pk)


def test_creator_becomes_owner_and_credentials_are_encrypted():
    owner = make_user("creator@example.com")
    store = make_store(owner, "Mine", api_key="ck_plain_key_1234", api_secret="cs_plain_secret_5678")
    assert StoreUser.objects.get(store=store, user=owner).role == StoreRole.OWNER
    assert store.user_id == owner.pk
    assert access_for(owner).role(store.pk) == StoreRole.OWNER
    assert credentials.decrypt(store.api_key) == "ck_plain_key_1234"
    assert "ck_plain_key_1234" not in store.api_key


def test_last_owner_cannot_step_down_or_be_removed():
    world = build_world()
    owner, store = world.users["owner"], world.stores["A"]
    own_membership = StoreUser.objects.get(store=store, user=owner)
    with pytest.raises(LastOwnerError):
        store_membership_set_role(actor=owner, store=store, membership_id=own_membership.pk, role=StoreRole.VIEWER)
    with pytest.raises(LastOwnerError):
        store_membership_remove(actor=owner, store=store, membership_id=own_membership.pk)
    assert StoreUser.objects.get(pk=own_membership.pk).role == StoreRole.OWNER

    # With a second owner, the first may step down (and then loses member management).
    manager_membership = StoreUser.objects.get(store=store, user=world.users["manager"])
    store_membership_set_role(actor=owner, store=store, membership_id=manager_membership.pk, role=StoreRole.OWNER)
    store_membership_set_role(actor=owner, store=store, membership_id=own_membership.pk, role=StoreRole.VIEWER)
    assert not access_for(owner).can(MANAGE_MEMBERS, store.pk)
    assert StoreUser.objects.filter(store=store, role=StoreRole.OWNER).count() == 1


def test_only_owners_manage_members():
    world = build_world()
    store = world.stores["A"]
    target = world.memberships["A"]
    for role in ("viewer", "manager"):
        with pytest.raises(PermissionDenied):
            store_membership_set_role(
                actor=world.users[role], store=store, membership_id=target.pk, role=StoreRole.OWNER
            )
    with pytest.raises(Http404):  # the other store's owner does not even see store A
        store_membership_remove(actor=world.users["other_owner"], store=store, membership_id=target.pk)
    assert StoreUser.objects.get(pk=target.pk).role == StoreRole.VIEWER


def test_app_admin_manages_any_store():
    world = build_world()
    store = world.stores["B"]
    store_membership_set_role(
        actor=world.users["admin"], store=store, membership_id=world.memberships["B"].pk, role=StoreRole.MANAGER
    )
    assert StoreUser.objects.get(pk=world.memberships["B"].pk).role == StoreRole.MANAGER


def test_membership_of_another_store_cannot_be_changed_through_yours():
    world = build_world()
    with pytest.raises(StoreUser.DoesNotExist):
        store_membership_set_role(
            actor=world.users["owner"],
            store=world.stores["A"],
            membership_id=world.memberships["B"].pk,
            role=StoreRole.OWNER,
        )


@pytest.mark.django_db(transaction=True)
def test_two_owners_demoting_each_other_at_once_leave_one_owner():
    owner_a = make_user("a@example.com")
    owner_b = make_user("b@example.com")
    store = make_store(owner_a, "Shared")
    add_member(store, owner_b, StoreRole.OWNER)
    membership_a = StoreUser.objects.get(store=store, user=owner_a)
    membership_b = StoreUser.objects.get(store=store, user=owner_b)
    barrier = threading.Barrier(2)
    outcomes = {}

    def demote(actor, membership_id, hold):
        try:
            with transaction.atomic():
                if not hold:
                    barrier.wait()
                store_membership_set_role(
                    actor=fresh(actor), store=store, membership_id=membership_id, role=StoreRole.VIEWER
                )
                if hold:
                    barrier.wait()  # the other thread now blocks on our row locks
                    time.sleep(0.3)
            outcomes[actor.email] = "ok"
        except LastOwnerError:
            outcomes[actor.email] = "last owner"
        finally:
            connection.close()

    run_at_once(
        partial(demote, owner_a, membership_b.pk, True), partial(demote, owner_b, membership_a.pk, False), timeout=10
    )
    assert sorted(outcomes.values()) == ["last owner", "ok"]
    assert StoreUser.objects.filter(store=store, role=StoreRole.OWNER).count() == 1


def test_grants_through_guardian_affect_has_perm_and_access():
    world = build_world()
    store = world.stores["A"]
    helper = make_user("helper@example.com")
    assert not fresh(helper).has_perm(RUN_SYNC, store)
    assert store.pk not in load_access(helper).store_ids_for(VIEW_STORE)

    store_permission_add(store=store, user=helper, perm=RUN_SYNC)  # as when an invitation is accepted
    helper = fresh(helper)
    assert helper.has_perm(RUN_SYNC, store)  # StoreRoleBackend and guardian's backend agree
    assert not helper.has_perm(CHANGE_CATALOG, store)
    access = access_for(helper)
    assert access.can(RUN_SYNC, store.pk) and access.can(VIEW_STORE, store.pk)
    assert access.store_ids_for(RUN_SYNC) == {store.pk}
    assert StoreUserObjectPermission.objects.filter(content_object=store, user=helper).count() == 1

    store_revoke_permission(actor=world.users["owner"], store=store, user=helper, perm=RUN_SYNC)
    assert not fresh(helper).has_perm(RUN_SYNC, store)
    assert load_access(helper).store_ids_for(VIEW_STORE) == set()


def test_only_grantable_permissions_and_only_by_owners():
    world = build_world()
    store = world.stores["A"]
    helper = make_user("helper@example.com")
    with pytest.raises(ValidationError):
        store_grant_permission(actor=world.users["owner"], store=store, user=helper, perm="stores.manage_members")
    with pytest.raises(PermissionDenied):
        store_grant_permission(actor=world.users["manager"], store=store, user=helper, perm=RUN_SYNC)


def test_grants_cascade_with_the_store_and_go_with_a_removed_member():
    world = build_world()
    store = world.stores["A"]
    viewer_membership = world.memberships["A"]
    store_grant_permission(actor=world.users["owner"], store=store, user=world.users["viewer"], perm=RUN_SYNC)
    store_membership_remove(actor=world.users["owner"], store=store, membership_id=viewer_membership.pk)
    assert not StoreUserObjectPermission.objects.filter(content_object=store, user=world.users["viewer"]).exists()
    store_delete(actor=world.users["owner"], store=store)
    assert not StoreUserObjectPermission.objects.filter(content_object_id=store.pk).exists()
    assert not Store.objects.filter(pk=store.pk).exists()


def test_a_store_with_orders_is_deleted_and_the_other_stores_counts_stay():
    """Deleting a store's orders (the cascade) must not leave status counts pointing at it: the
    foreign keys are checked at COMMIT, which SET CONSTRAINTS ALL IMMEDIATE runs here."""
    world = build_world()
    doomed, kept = world.stores["A"], world.stores["B"]
    make_orders(doomed, count=3)
    make_orders(kept, count=2)
    kept_counts = list(OrderStatusCount.objects.filter(store=kept).values_list("status", "count"))

    store_delete(actor=world.users["owner"], store=doomed)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    assert not Store.objects.filter(pk=doomed.pk).exists()
    assert not OrderStatusCount.objects.filter(store_id=doomed.pk).exists()
    assert sorted(OrderStatusCount.objects.filter(store=kept).values_list("status", "count")) == sorted(kept_counts)
    assert sum(count for _, count in kept_counts) == 2


def test_role_change_and_removal_take_effect_on_the_next_request(client):
    world = build_world()
    store, viewer = world.stores["A"], world.users["viewer"]
    client.force_login(viewer)
    team_url = reverse("stores:team", kwargs={"store_id": store.pk})
    assert client.get(team_url).status_code == 403

    store_membership_set_role(
        actor=world.users["owner"], store=store, membership_id=world.memberships["A"].pk, role=StoreRole.OWNER
    )
    assert client.get(team_url).status_code == 200

    store_membership_remove(actor=world.users["owner"], store=store, membership_id=world.memberships["A"].pk)
    assert client.get(reverse("stores:detail", kwargs={"store_id": store.pk})).status_code == 404


def test_store_update_and_delete_need_ownership():
    world = build_world()
    store = world.stores["A"]
    with pytest.raises(PermissionDenied):
        store_update(actor=world.users["manager"], store=store, name="Renamed")
    store_update(actor=world.users["owner"], store=store, name="Renamed", currency="USD")
    store.refresh_from_db()
    assert (store.name, store.currency) == ("Renamed", "USD")
    with pytest.raises(PermissionDenied):
        store_delete(actor=world.users["manager"], store=store)
    with pytest.raises(Http404):
        store_delete(actor=world.users["other_owner"], store=store)
    assert Store.objects.filter(pk=store.pk).exists()


def test_credentials_are_replaced_only_when_typed():
    world = build_world()
    store = world.stores["A"]
    before = (store.api_key, store.api_secret)
    assert store_credentials_set(actor=world.users["owner"], store=store) == []
    assert (store.api_key, store.api_secret) == before
    changed = store_credentials_set(actor=world.users["owner"], store=store, api_secret="cs_new_secret_0042")
    assert changed == ["api_secret"]
    store.refresh_from_db()
    assert store.api_key == before[0]
    assert credentials.decrypt(store.api_secret) == "cs_new_secret_0042"
    assert credentials.last4(store.api_secret) == "0042"
    with pytest.raises(PermissionDenied):
        store_credentials_set(actor=world.users["manager"], store=store, api_key="ck_manager_try")
