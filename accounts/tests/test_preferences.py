"""Language and time zone: the browser's zone recorded once, the person's choices on the profile
page, applied from the first request after sign-in."""

import pytest
from django.urls import reverse

from accounts.models import Profile
from stores.tests.helpers import PASSWORD
from stores.tests.helpers import make_user

pytestmark = pytest.mark.django_db


def sign_in(client, email):
    response = client.post(reverse("accounts:login"), {"username": email, "password": PASSWORD})
    assert response.status_code == 302


def test_the_browsers_zone_is_recorded_on_the_first_page_after_sign_in(client):
    user = make_user("tz@example.com")
    client.cookies["storedesk_tz"] = "America%2FLos_Angeles"  # encodeURIComponent, by timezone.js on the sign-in page
    sign_in(client, "tz@example.com")
    client.get(reverse("home"))
    assert Profile.objects.get(pk=user.pk).time_zone == "America/Los_Angeles"
    # Detected once: another browser's zone does not overwrite it.
    client.cookies["storedesk_tz"] = "Asia/Tokyo"
    client.logout()
    sign_in(client, "tz@example.com")
    html = client.get(reverse("accounts:profile")).content.decode()
    assert Profile.objects.get(pk=user.pk).time_zone == "America/Los_Angeles"
    assert '<option value="America/Los_Angeles" selected>' in html


def test_a_bogus_zone_cookie_is_ignored(client):
    user = make_user("tz@example.com")
    client.cookies["storedesk_tz"] = "../../etc/passwd"
    sign_in(client, "tz@example.com")
    assert client.get(reverse("home")).status_code == 200
    assert Profile.objects.get(pk=user.pk).time_zone is None


def test_profile_language_and_time_zone_apply_from_the_next_request(client):
    user = make_user("prefs@example.com")
    sign_in(client, "prefs@example.com")
    response = client.post(reverse("accounts:profile"), {"language": "he", "time_zone": "Asia/Tokyo"})
    assert response.status_code == 302
    profile = Profile.objects.get(pk=user.pk)
    assert (profile.language, profile.time_zone) == ("he", "Asia/Tokyo")
    html = client.get(reverse("accounts:profile")).content.decode()
    assert 'lang="he" dir="rtl"' in html  # no language cookie: the profile decides
    assert '<option value="Asia/Tokyo" selected>' in html

    # A fresh sign-in elsewhere (no cookies at all) gets the person's language at once.
    client.logout()
    client.cookies.clear()
    sign_in(client, "prefs@example.com")
    assert 'lang="he"' in client.get(reverse("home")).content.decode()


def test_the_language_switch_is_remembered_in_the_profile(client):
    user = make_user("switch@example.com")
    sign_in(client, "switch@example.com")
    client.post(reverse("set_language"), {"language": "he", "next": "/"})
    assert Profile.objects.get(pk=user.pk).language == "he"
    client.cookies.clear()
    sign_in(client, "switch@example.com")
    assert 'lang="he"' in client.get(reverse("home")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert 'lang="en"' in client.get(reverse("home")).content.decode()
