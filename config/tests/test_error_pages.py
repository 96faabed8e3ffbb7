"""A production-like run: the product's own error pages with DEBUG off, the favicon, and the keys
``scripts/run`` generates once and keeps in ``var/``."""

import os
import stat
import subprocess
from pathlib import Path

import pytest
from django.test import Client
from django.test import override_settings
from django.urls import path

from accounts.services import user_create

BASE_DIR = Path(__file__).resolve().parents[2]
PASSWORD = "a-Long-enough-passw0rd"


def _boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", _boom)]


@pytest.fixture
def signed_in(db):
    user = user_create(email="someone@example.com", password=PASSWORD)
    client = Client()
    client.force_login(user)
    return client


@override_settings(DEBUG=False)
@pytest.mark.parametrize(("language", "heading"), [("en", "Nothing here"), ("he", "אין כאן כלום")])
def test_a_mistyped_address_shows_the_products_own_404_page(signed_in, language, heading):
    signed_in.cookies["django_language"] = language
    response = signed_in.get("/stores/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert heading in html
    assert 'class="sidebar"' in html and "/static/css/app.css" in html  # the product's layout
    assert "URLconf" not in html and "Using the URLconf" not in html  # not Django's debug page


@override_settings(DEBUG=False)
def test_the_404_page_works_signed_out(db):
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert "Nothing here" in response.content.decode()


@override_settings(DEBUG=False, ROOT_URLCONF=__name__)
@pytest.mark.parametrize(("language", "heading"), [("en", "Something went wrong"), ("he", "משהו השתבש")])
def test_a_server_error_shows_the_products_own_500_page_without_inline_styles(db, language, heading):
    client = Client(raise_request_exception=False)
    client.cookies["django_language"] = language
    response = client.get("/boom/")
    html = response.content.decode()
    assert response.status_code == 500
    assert heading in html
    assert "/static/css/app.css" in html
    assert "<style" not in html and "a bug" not in html


def test_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert b"".join(icon.streaming_content if icon.streaming else [icon.content])[:4] == b"\x00\x00\x01\x00"


def test_pages_link_the_favicon(signed_in):
    assert 'rel="icon"' in signed_in.get("/").content.decode()


def _run_defaults(cwd, **env):
    script = f'source "{BASE_DIR}/scripts/_bootstrap.sh"; cd "{cwd}"; run_defaults; env'
    clean = {key: value for key, value in os.environ.items() if key not in ("DEBUG", "SECRET_KEY")}
    clean.pop("CREDENTIAL_ENCRYPTION_KEYS", None)
    result = subprocess.run(["bash", "-c", script], env={**clean, **env}, capture_output=True, text=True, check=True)
    return dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)


def test_scripts_run_is_production_like_with_keys_kept_in_var(tmp_path):
    first = _run_defaults(tmp_path)
    assert first["DEBUG"] == "false"
    assert len(first["SECRET_KEY"]) >= 50
    assert "127.0.0.1" in first["ALLOWED_HOSTS"].split(",") and "localhost" in first["ALLOWED_HOSTS"].split(",")
    for name in ("secret_key", "credential_key"):
        assert stat.S_IMODE((tmp_path / "var" / name).stat().st_mode) == 0o600
    # Generated once: a second run reuses them (stored credentials stay readable).
    second = _run_defaults(tmp_path)
    assert (second["SECRET_KEY"], second["CREDENTIAL_ENCRYPTION_KEYS"]) == (
        first["SECRET_KEY"],
        first["CREDENTIAL_ENCRYPTION_KEYS"],
    )
    # The settings accept them with DEBUG off.
    check = subprocess.run(
        [str(BASE_DIR / ".venv/bin/python"), "manage.py", "check"],
        cwd=BASE_DIR,
        env={**os.environ, **{k: first[k] for k in ("DEBUG", "SECRET_KEY", "CREDENTIAL_ENCRYPTION_KEYS")}},
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr


def test_debug_true_keeps_the_development_defaults(tmp_path):
    env = _run_defaults(tmp_path, DEBUG="true")
    assert env["DEBUG"] == "true"
    assert not (tmp_path / "var").exists()
