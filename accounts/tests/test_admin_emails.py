"""Accounts made or edited in the staff admin sign in like every other: by their email, whatever
its case (sign-in, invitations and password resets all compare emails without case)."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from stores.tests.helpers import PASSWORD
from stores.tests.helpers import make_user

pytestmark = pytest.mark.django_db


def _signs_in(email, password=PASSWORD):
    client = Client()
    client.post(reverse("accounts:login"), {"username": email, "password": password})
    return "_auth_user_id" in client.session


@pytest.fixture
def admin_client(client):
    client.force_login(make_user("admin@example.com", admin=True))
    return client


def test_an_account_added_in_the_admin_with_capitals_signs_in(admin_client):
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {"email": "New.Person@Example.com", "password1": PASSWORD, "password2": PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302
    assert User.objects.get(email__iexact="new.person@example.com").email == "new.person@example.com"
    assert _signs_in("New.Person@Example.com") and _signs_in("new.person@example.com")


def test_the_admin_cannot_make_a_second_account_for_an_email_in_another_case(admin_client):
    make_user("taken@example.com")
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {"email": "Taken@Example.com", "password1": PASSWORD, "password2": PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 200
    assert User.objects.filter(email__iexact="taken@example.com").count() == 1
