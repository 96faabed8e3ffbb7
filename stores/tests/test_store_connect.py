"""STORE_CONNECT: who may connect a new store (everyone signed in, or app admins only)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError
from django.core.management import call_command
from django.urls import reverse

from stores.models import Store
from stores.tests.helpers import make_store
from stores.tests.helpers import make_user

pytestmark = pytest.mark.django_db

FORM = {
    "name": "Corner shop",
    "url": "https://corner.example.com",
    "currency": "ILS",
    "sync_interval_minutes": 15,
    "api_key": "ck_corner_1234567890abcdef",
    "api_secret": "cs_corner_1234567890abcdef",
    "webhook_secret": "",
}


def test_by_default_everyone_signed_in_may_connect_a_store(client):
    user = make_user("someone@example.com")
    client.force_login(user)
    assert reverse("stores:create") in client.get(reverse("home")).content.decode()
    response = client.post(reverse("stores:create"), FORM)
    assert response.status_code == 302
    assert Store.objects.filter(name="Corner shop", memberships__user=user).exists()


def test_admins_only_keeps_other_users_out_of_the_connect_form(client, settings):
    settings.STORE_CONNECT = "admins"
    user = make_user("someone@example.com")
    make_store(make_user("admin@example.com", admin=True), "Admin's shop")
    client.force_login(user)

    assert client.get(reverse("stores:create")).status_code == 403
    assert client.post(reverse("stores:create"), FORM).status_code == 403
    assert not Store.objects.filter(name="Corner shop").exists()
    home = client.get(reverse("home")).content.decode()
    assert reverse("stores:create") not in home  # neither the button nor the sidebar's "+"
    assert "Ask an owner to invite you" in home


def test_admins_only_still_lets_app_admins_connect(client, settings):
    settings.STORE_CONNECT = "admins"
    admin = make_user("admin@example.com", admin=True)
    client.force_login(admin)
    assert client.get(reverse("stores:create")).status_code == 200
    assert client.post(reverse("stores:create"), FORM).status_code == 302
    assert Store.objects.filter(name="Corner shop", memberships__user=admin).exists()


def test_admins_only_holds_in_the_service_and_the_command(settings):
    settings.STORE_CONNECT = "admins"
    user = make_user("someone@example.com")
    with pytest.raises(PermissionDenied):
        make_store(user, "Sneaky shop")
    with pytest.raises(CommandError, match="STORE_CONNECT=admins"):
        call_command(
            "connect_store", "--name", "Cli shop", "--url", "https://cli.example.com", "--key", "ck_1",
            "--secret", "cs_1", "--owner", user.email, "--no-sync",
        )  # fmt: skip
    assert not Store.objects.exists()
    admin = make_user("admin@example.com", admin=True)
    call_command(
        "connect_store", "--name", "Cli shop", "--url", "https://cli.example.com", "--key", "ck_1",
        "--secret", "cs_1", "--owner", admin.email, "--no-sync",
    )  # fmt: skip
    assert Store.objects.filter(name="Cli shop").exists()
