"""The staff admin keeps the rule of the team page: a store keeps at least one owner."""

import pytest
from django.urls import reverse

from stores.models import StoreRole
from stores.models import StoreUser
from stores.tests.helpers import build_world

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
