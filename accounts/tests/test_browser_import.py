"""In Chromium: someone whose account came over from Supabase signs in with the password they
had there, and their GoTrue bcrypt hash is replaced by our default hasher's on that sign-in."""

from io import StringIO

import pytest
from django.core.management import call_command

import config.settings as project_settings
from accounts.models import User
from accounts.tests import supabase_source

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def imported(empty_source, settings, tmp_path):
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    settings.MEDIA_ROOT = str(tmp_path / "media")
    supabase_source.fill_source(empty_source)
    call_command(
        "import_supabase",
        "--source",
        empty_source,
        "--credentials-passphrase",
        supabase_source.PASSPHRASE,
        stdout=StringIO(),
        stderr=StringIO(),
    )
    return empty_source


def test_imported_person_signs_in_with_the_old_password_and_the_hash_is_upgraded(browser, live_server, imported):
    # person2 has a $2a$10$ hash made by pgcrypto's crypt(..., gen_salt('bf', 10)), as GoTrue's.
    before = User.objects.get(email="person2@example.com").password
    assert before.startswith("bcrypt$$2a$10$")
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(15_000)

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "person2@example.com")
    page.fill("input[name=password]", "password-3")  # someone else's password first
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert "/accounts/login/" in page.url
    assert User.objects.get(email="person2@example.com").password == before

    page.fill("input[name=username]", "person2@example.com")
    page.fill("input[name=password]", "password-2")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.screenshot(path="/tmp/h6-imported-signed-in.png", full_page=True)
    assert "Shop 1" in page.inner_text("body")  # a manager of the imported stores

    after = User.objects.get(email="person2@example.com")
    assert after.password.startswith("pbkdf2_sha256$")
    assert after.check_password("password-2")
    assert after.last_login is not None
