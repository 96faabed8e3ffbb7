"""Owners invite by email with a role; a one-time, expiring link lets the invitee in."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation
from accounts.models import User
from accounts.services import InvitationInvalid
from accounts.services import invitation_accept
from accounts.services import invitation_create
from stores.models import StoreRole
from stores.models import StoreUser
from stores.tests.helpers import PASSWORD
from stores.tests.helpers import build_world

pytestmark = pytest.mark.django_db


def invite(client, store, email, role="manager", capture=None):
    with capture(execute=True):
        response = client.post(reverse("stores:invite", kwargs={"store_id": store.pk}), {"email": email, "role": role})
    assert response.status_code == 302, response.content.decode()[:2000]
    return re.search(r"http://testserver(/invitations/\S+/accept/)", mail.outbox[-1].body).group(1)


def test_invitation_email_accept_and_one_time_use(client, django_capture_on_commit_callbacks):
    world = build_world()
    store = world.stores["A"]
    client.force_login(world.users["owner"])
    link = invite(client, store, "New.Person@Example.com", capture=django_capture_on_commit_callbacks)
    message = mail.outbox[-1]
    assert message.to == ["new.person@example.com"] and "Alpha Shop" in message.subject
    invitation = Invitation.objects.get(email="new.person@example.com")
    assert invitation.token_hash not in message.body and link.split("/")[2] != invitation.token_hash

    team = client.get(reverse("stores:team", kwargs={"store_id": store.pk})).content.decode()
    assert "new.person@example.com" in team

    client.logout()
    page = client.get(link)
    assert page.status_code == 200 and "Alpha Shop" in page.content.decode()
    response = client.post(
        link,
        {
            "first_name": "New",
            "last_name": "Person",
            "new_password1": "Sup3r-secret-pw",
            "new_password2": "Sup3r-secret-pw",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="new.person@example.com")
    assert user.check_password("Sup3r-secret-pw")
    assert StoreUser.objects.get(store=store, user=user).role == StoreRole.MANAGER
    assert client.get(reverse("stores:detail", kwargs={"store_id": store.pk})).status_code == 200  # signed in

    client.logout()
    assert client.get(link).status_code == 404  # used
    invitation.refresh_from_db()
    assert invitation.accepted_by == user and not invitation.is_open


def test_expired_and_revoked_links_do_not_work(client):
    world = build_world()
    store, owner = world.stores["A"], world.users["owner"]
    expired, expired_token = invitation_create(actor=owner, store=store, email="late@example.com", role="viewer")
    Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(reverse("invitation_accept", kwargs={"token": expired_token})).status_code == 404
    with pytest.raises(InvitationInvalid):
        invitation_accept(token=expired_token, password="Sup3r-secret-pw")

    revoked, revoked_token = invitation_create(actor=owner, store=store, email="nope@example.com", role="viewer")
    client.force_login(owner)
    response = client.post(
        reverse("stores:invitation_revoke", kwargs={"store_id": store.pk, "invitation_id": revoked.pk})
    )
    assert response.status_code == 302
    client.logout()
    assert client.get(reverse("invitation_accept", kwargs={"token": revoked_token})).status_code == 404
    assert client.get(reverse("invitation_accept", kwargs={"token": "made-up"})).status_code == 404
    assert not User.objects.filter(email__in=["late@example.com", "nope@example.com"]).exists()


def test_a_new_invitation_replaces_the_open_one():
    world = build_world()
    store, owner = world.stores["A"], world.users["owner"]
    _first, first_token = invitation_create(actor=owner, store=store, email="twice@example.com", role="viewer")
    _second, second_token = invitation_create(actor=owner, store=store, email="twice@example.com", role="manager")
    with pytest.raises(InvitationInvalid):
        invitation_accept(token=first_token, password="Sup3r-secret-pw")
    user, membership = invitation_accept(token=second_token, password="Sup3r-secret-pw")
    assert membership.role == StoreRole.MANAGER


def test_existing_accounts_sign_in_to_accept_and_only_as_the_invitee(client):
    world = build_world()
    store, owner = world.stores["A"], world.users["owner"]
    _invitation, token = invitation_create(actor=owner, store=store, email="other@example.com", role="viewer")
    url = reverse("invitation_accept", kwargs={"token": token})
    assert "Sign in to accept" in client.get(url).content.decode()

    client.force_login(world.users["viewer"])  # someone else
    client.post(url)
    assert not StoreUser.objects.filter(store=store, user=world.users["other_owner"]).exists()
    with pytest.raises(PermissionDenied):
        invitation_accept(token=token, user=world.users["viewer"])

    client.force_login(world.users["other_owner"])  # other@example.com
    response = client.post(url)
    assert response.status_code == 302
    assert StoreUser.objects.get(store=store, user=world.users["other_owner"]).role == StoreRole.VIEWER


def test_only_owners_invite_and_members_cannot_be_invited_twice(client):
    world = build_world()
    url = reverse("stores:invite", kwargs={"store_id": world.stores["A"].pk})
    for response in world.posts_as(client, ("manager", "viewer"), url, {"email": "x@example.com", "role": "owner"}):
        assert response.status_code == 403
    client.force_login(world.users["owner"])
    response = client.post(url, {"email": "viewer@example.com", "role": "owner"})
    assert response.status_code == 400 and "already a member" in response.content.decode()
    assert not Invitation.objects.filter(email__in=["x@example.com", "viewer@example.com"]).exists()


def test_accept_form_enforces_the_password_rules(client):
    world = build_world()
    url = reverse("invitation_accept", kwargs={"token": world.tokens["A"]})
    response = client.post(url, {"new_password1": "123", "new_password2": "123"})
    assert response.status_code == 200
    assert not User.objects.filter(email="invitee-a@example.com").exists()
    assert PASSWORD  # the world's users keep their passwords


def test_the_invitation_email_names_the_store_as_written(client, store, owner, django_capture_on_commit_callbacks):
    """E-mails are text: a store name with HTML-significant characters is not entity-encoded."""
    client.force_login(owner)
    invite(client, store, "guest@example.com", capture=django_capture_on_commit_callbacks)
    message = mail.outbox[-1]
    assert message.subject == "You are invited to Olive & Thyme on Storedesk"
    assert '"Olive & Thyme"' in message.body


def test_a_store_name_on_two_lines_still_gets_its_invitation_sent(
    client, make_store, owner, django_capture_on_commit_callbacks
):
    """A line break in a store name cannot reach the subject header (it would refuse to send)."""
    store = make_store(name="Olive\r\nThyme")
    client.force_login(owner)
    invite(client, store, "guest@example.com", capture=django_capture_on_commit_callbacks)
    assert mail.outbox[-1].subject == "You are invited to Olive Thyme on Storedesk"
