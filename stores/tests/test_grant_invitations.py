"""The team page's grant form: members get a permission at once; anyone else is sent an
invitation, with one answer whatever the email, and has nothing until they accept."""

import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from accounts.models import Invitation
from accounts.models import User
from stores.access import RUN_SYNC
from stores.access import VIEW_STORE
from stores.access import load_access
from stores.models import StoreUser
from stores.models import StoreUserObjectPermission
from stores.services import store_grant_permission
from stores.tests.helpers import PASSWORD
from stores.tests.helpers import build_world
from stores.tests.helpers import make_user

pytestmark = pytest.mark.django_db

FLASH = re.compile(r'<span class="flash-text">(.*?)</span>', re.S)


def grant(client, store, email, capture):
    with capture(execute=True):
        response = client.post(
            reverse("stores:grant", kwargs={"store_id": store.pk}),
            {"email": email, "permission": RUN_SYNC},
            follow=True,
        )
    return response


def _answer(response, email):
    """What the owner sees, with the address itself blanked out."""
    flashes = [text.replace(email, "EMAIL") for text in FLASH.findall(response.content.decode())]
    return response.redirect_chain, response.status_code, flashes


def test_existing_and_unknown_emails_get_the_same_answer_and_no_access(client, django_capture_on_commit_callbacks):
    world = build_world()
    store = world.stores["A"]
    existing = make_user("has.account@example.com")
    client.force_login(world.users["owner"])

    for_existing = grant(client, store, "has.account@example.com", django_capture_on_commit_callbacks)
    for_unknown = grant(client, store, "no.account@example.com", django_capture_on_commit_callbacks)

    assert _answer(for_existing, "has.account@example.com") == _answer(for_unknown, "no.account@example.com")
    assert for_existing.status_code == 200 and _answer(for_existing, "has.account@example.com")[2]
    assert "has an account" not in for_existing.content.decode()
    # Both were sent the same kind of invitation e-mail.
    assert [message.to for message in mail.outbox[-2:]] == [["has.account@example.com"], ["no.account@example.com"]]
    # Nobody got anything yet.
    assert not StoreUserObjectPermission.objects.filter(content_object_id=store.pk, user=existing).exists()
    assert not load_access(existing).can(RUN_SYNC, store.pk)
    assert store.pk not in load_access(existing).store_ids_for(VIEW_STORE)
    assert not User.objects.filter(email="no.account@example.com").exists()
    assert set(
        Invitation.objects.filter(store=store, permission=RUN_SYNC, accepted_at__isnull=True).values_list(
            "email", flat=True
        )
    ) == {"has.account@example.com", "no.account@example.com"}


def test_the_grantee_accepts_and_only_then_holds_the_permission(client, django_capture_on_commit_callbacks):
    world = build_world()
    store = world.stores["A"]
    existing = make_user("has.account@example.com")
    client.force_login(world.users["owner"])
    grant(client, store, "has.account@example.com", django_capture_on_commit_callbacks)
    grant(client, store, "no.account@example.com", django_capture_on_commit_callbacks)
    links = {
        message.to[0]: re.search(r"http://testserver(/invitations/\S+/accept/)", message.body).group(1)
        for message in mail.outbox[-2:]
    }

    grantee = Client()
    grantee.force_login(existing)
    page = grantee.get(links["has.account@example.com"]).content.decode()
    assert "Run a sync with WooCommerce" in page and "Nothing changes until you accept" in page
    assert not load_access(existing).can(RUN_SYNC, store.pk)  # opening the link is not accepting
    assert grantee.post(links["has.account@example.com"]).status_code == 302
    access = load_access(existing)
    assert access.can(RUN_SYNC, store.pk) and access.can(VIEW_STORE, store.pk)
    assert not StoreUser.objects.filter(store=store, user=existing).exists()  # a permission, not a role
    # The store's sync page now opens for them.
    assert grantee.get(reverse("sync:sync_status", kwargs={"store_id": store.pk})).status_code == 200

    newcomer = Client()
    created = newcomer.post(
        links["no.account@example.com"],
        {"first_name": "New", "last_name": "Comer", "new_password1": PASSWORD, "new_password2": PASSWORD},
    )
    assert created.status_code == 302
    new_user = User.objects.get(email="no.account@example.com")
    assert load_access(new_user).can(RUN_SYNC, store.pk)


def test_a_member_gets_the_permission_at_once(client):
    world = build_world()
    store = world.stores["A"]
    viewer = world.users["viewer"]
    client.force_login(world.users["owner"])
    response = client.post(
        reverse("stores:grant", kwargs={"store_id": store.pk}), {"email": viewer.email, "permission": RUN_SYNC}
    )
    assert response.status_code == 302
    assert load_access(viewer).can(RUN_SYNC, store.pk)
    assert not Invitation.objects.filter(store=store, email=viewer.email, permission=RUN_SYNC).exists()


def test_the_service_refuses_a_direct_grant_to_a_non_member():
    world = build_world()
    outsider = make_user("outsider@example.com")
    with pytest.raises(ValidationError):
        store_grant_permission(actor=world.users["owner"], store=world.stores["A"], user=outsider, perm=RUN_SYNC)
    assert not load_access(outsider).can(RUN_SYNC, world.stores["A"].pk)
