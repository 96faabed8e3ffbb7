"""Login by email, logout, password change and reset, profile, lockout, CSRF."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import Profile
from stores.tests.helpers import PASSWORD
from stores.tests.helpers import make_user

pytestmark = pytest.mark.django_db


def login(client, email, password, **extra):
    return client.post(reverse("accounts:login"), {"username": email, "password": password}, **extra)


def test_login_by_email_and_logout(client):
    make_user("Dana@Example.com")
    response = login(client, "DANA@example.com", PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("accounts:logout")).status_code == 405  # logging out is a POST
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_wrong_password_is_refused_with_one_message(client):
    make_user("user@example.com")
    response = login(client, "user@example.com", "wrong-password")
    assert response.status_code == 200
    assert "do not match an active account" in response.content.decode()
    unknown = login(client, "nobody@example.com", "wrong-password")
    assert "do not match an active account" in unknown.content.decode()


def test_repeated_failures_lock_the_account_and_ip(client, settings):
    make_user("target@example.com")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "target@example.com", "guess", REMOTE_ADDR="198.51.100.9")
    locked = login(client, "target@example.com", PASSWORD, REMOTE_ADDR="198.51.100.9")
    assert locked.status_code == 429
    assert "Too many attempts" in locked.content.decode()
    assert client.get(reverse("home")).status_code == 302  # not signed in


def test_password_change(client):
    user = make_user("changer@example.com")
    client.force_login(user)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "An0ther-long-passw0rd", "new_password2": "An0ther-long-passw0rd"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("An0ther-long-passw0rd")


def test_password_reset_by_email(client):
    user = make_user("forgetful@example.com")
    response = client.post(reverse("accounts:password_reset"), {"email": "forgetful@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["forgetful@example.com"]
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": "Brand-new-passw0rd!", "new_password2": "Brand-new-passw0rd!"})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Brand-new-passw0rd!")
    # The link works once.
    again = client.get(link, follow=True)
    assert "not valid any more" in again.content.decode()
    # Unknown addresses get the same answer and no email.
    client.post(reverse("accounts:password_reset"), {"email": "nobody@example.com"})
    assert len(mail.outbox) == 1


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7V\xbd\xfa\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_profile_names_phone_and_avatar(client, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    user = make_user("profile@example.com")
    client.force_login(user)
    response = client.post(
        reverse("accounts:profile"),
        {
            "first_name": "נועה",
            "last_name": "Cohen",
            "phone": "+972-50-000-0000",
            "avatar": SimpleUploadedFile("me.png", PNG, content_type="image/png"),
        },
    )
    assert response.status_code == 302
    profile = Profile.objects.get(pk=user.pk)
    assert (profile.first_name, profile.last_name, profile.phone) == ("נועה", "Cohen", "+972-50-000-0000")
    assert profile.avatar_url.startswith(settings.MEDIA_URL) and profile.avatar_url.endswith(".png")
    stored = list(tmp_path.rglob("*.png"))
    assert len(stored) == 1 and stored[0].read_bytes() == PNG

    not_an_image = client.post(
        reverse("accounts:profile"),
        {"avatar": SimpleUploadedFile("me.png", b"<script>alert(1)</script>", content_type="image/png")},
    )
    assert not_an_image.status_code == 200
    assert "Upload a PNG, JPEG, GIF or WebP picture." in not_an_image.content.decode()


def test_every_form_needs_a_csrf_token():
    from stores.tests.helpers import build_world

    world = build_world()
    client = Client(enforce_csrf_checks=True)
    assert (
        client.post(reverse("accounts:login"), {"username": "owner@example.com", "password": PASSWORD}).status_code
        == 403
    )
    client.force_login(world.users["owner"])
    store_id = world.stores["A"].pk
    for name, kwargs in [
        ("stores:create", {}),
        ("stores:settings", {"store_id": store_id}),
        ("stores:credentials", {"store_id": store_id}),
        ("stores:credentials_reveal", {"store_id": store_id}),
        ("stores:invite", {"store_id": store_id}),
        ("stores:delete", {"store_id": store_id}),
        ("accounts:profile", {}),
        ("accounts:password_change", {}),
        ("accounts:logout", {}),
    ]:
        assert client.post(reverse(name, kwargs=kwargs), {}).status_code == 403, name
    page = client.get(reverse("stores:team", kwargs={"store_id": store_id})).content.decode()
    forms = page.count('method="post"')
    assert forms and page.count('name="csrfmiddlewaretoken"') == forms
