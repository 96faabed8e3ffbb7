"""The staff admin keeps the rule of the team page: a store keeps at least one owner."""

import pytest
from django.urls import reverse

from accounts.models import User
from stores.models import Store
from stores.models import StoreRole
from stores.models import StoreUser
from stores.tests.helpers import add_member
from stores.tests.helpers import build_world
from stores.tests.helpers import make_store
from stores.tests.helpers import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(client):
    world = build_world()
    client.force_login(world.users["admin"])
    return world


def _owner_membership(world):
    return StoreUser.objects.get(store=world.stores["A"], user=world.users["owner"])


def _owners(store):
    return list(StoreUser.objects.filter(store=store, role=StoreRole.OWNER).values_list("user__email", flat=True))


def test_admin_cannot_demote_or_move_the_last_owner(client, world):
    membership = _owner_membership(world)
    url = reverse("admin:stores_storeuser_change", args=[membership.pk])
    for store, role in ((world.stores["A"], StoreRole.VIEWER), (world.stores["B"], StoreRole.OWNER)):
        response = client.post(url, {"store": store.pk, "user": membership.user_id, "role": role})
        assert response.status_code == 200
        assert "A store must keep at least one owner." in response.content.decode()
    assert _owners(world.stores["A"]) == ["owner@example.com"]

    # With a second owner the first may step down here too.
    StoreUser.objects.filter(store=world.stores["A"], user=world.users["manager"]).update(role=StoreRole.OWNER)
    response = client.post(url, {"store": world.stores["A"].pk, "user": membership.user_id, "role": "viewer"})
    assert response.status_code == 302
    assert _owners(world.stores["A"]) == ["manager@example.com"]


def test_admin_cannot_delete_the_last_owner(client, world):
    membership = _owner_membership(world)
    response = client.post(reverse("admin:stores_storeuser_delete", args=[membership.pk]), {"post": "yes"})
    assert "A store must keep at least one owner" in response.content.decode()
    response = client.post(
        reverse("admin:stores_storeuser_changelist"),
        {"action": "delete_selected", "_selected_action": [membership.pk, world.memberships["A"].pk], "post": "yes"},
    )
    assert "A store must keep at least one owner" in response.content.decode()
    assert _owners(world.stores["A"]) == ["owner@example.com"]
    assert StoreUser.objects.filter(pk=world.memberships["A"].pk).exists()


def test_admin_store_page_keeps_an_owner(client, world):
    store = world.stores["A"]
    memberships = list(StoreUser.objects.filter(store=store).order_by("pk"))
    data = {
        "name": store.name,
        "url": store.url,
        "currency": store.currency,
        "user": store.user_id,
        "sync_interval_minutes": store.sync_interval_minutes,
        "memberships-TOTAL_FORMS": len(memberships),
        "memberships-INITIAL_FORMS": len(memberships),
        "memberships-MIN_NUM_FORMS": 0,
        "memberships-MAX_NUM_FORMS": 1000,
    }
    for index, membership in enumerate(memberships):
        data |= {
            f"memberships-{index}-id": membership.pk,
            f"memberships-{index}-store": store.pk,
            f"memberships-{index}-user": membership.user_id,
            f"memberships-{index}-role": membership.role,
        }
    owner_index = next(i for i, m in enumerate(memberships) if m.role == StoreRole.OWNER)
    url = reverse("admin:stores_store_change", args=[store.pk])
    for change in ({f"memberships-{owner_index}-role": "manager"}, {f"memberships-{owner_index}-DELETE": "on"}):
        response = client.post(url, data | change)
        assert response.status_code == 200
        assert "A store must keep at least one owner." in response.content.decode()
    assert _owners(store) == ["owner@example.com"]

    # Handing the store over in one save is fine: another member becomes owner as the owner leaves.
    viewer_index = next(i for i, m in enumerate(memberships) if m.pk == world.memberships["A"].pk)
    response = client.post(
        url, data | {f"memberships-{owner_index}-DELETE": "on", f"memberships-{viewer_index}-role": "owner"}
    )
    assert response.status_code == 302
    assert _owners(store) == ["viewer@example.com"]


def _delete_account(client, user):
    response = client.post(reverse("admin:accounts_user_delete", args=[user.pk]), {"post": "yes"})
    return response.status_code, response.content.decode()


def test_deleting_an_account_in_the_admin_never_takes_a_store_with_it(client, world):
    """The database deletes the stores an account connected (``stores.user_id`` cascades, as in
    the inventory) and its memberships: the admin refuses while that would cost a store its data
    or its last owner, and says what to do first."""
    founder, heir = make_user("founder@example.com"), make_user("heir@example.com")
    shop = make_store(founder, "Founded Shop")
    add_member(shop, heir, StoreRole.OWNER)  # the founder handed the shop over and left
    StoreUser.objects.filter(store=shop, user=founder).delete()

    status, page = _delete_account(client, founder)
    assert status == 200 and "Founded Shop" in page and "connected" in page
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "delete_selected", "_selected_action": [founder.pk], "post": "yes"},
    )
    assert "Founded Shop" in response.content.decode()
    status, page = _delete_account(client, heir)  # the shop's only owner
    assert status == 200 and "A store must keep at least one owner." in page
    assert Store.objects.filter(pk=shop.pk).exists()
    assert User.objects.filter(pk__in=[founder.pk, heir.pk]).count() == 2

    # Once the shop names its new owner as the account that connected it, the founder can go.
    Store.objects.filter(pk=shop.pk).update(user=heir)
    assert _delete_account(client, founder)[0] == 302
    assert not User.objects.filter(pk=founder.pk).exists()
    assert StoreUser.objects.filter(store=shop, user=heir, role=StoreRole.OWNER).exists()
