"""Nothing user-supplied runs on our origin: the pages' Content-Security-Policy, the media
headers, and templates free of inline script."""

import importlib
import json
import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import clear_url_caches
from django.urls import reverse

BASE_DIR = Path(__file__).resolve().parents[2]


def _directives(header):
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part}


@pytest.mark.django_db
def test_every_page_sends_a_content_security_policy():
    """Every GET page of the project (the permission matrix's list), as its owner, and the admin."""
    from stores.tests.helpers import build_world
    from stores.tests.test_permission_matrix import GET
    from stores.tests.test_permission_matrix import MATRIX
    from stores.tests.test_permission_matrix import _kwargs_for
    from stores.tests.test_permission_matrix import project_urls
    from stores.tests.test_permission_matrix import url_for

    world = build_world()
    owner, admin = Client(), Client()
    owner.force_login(world.users["owner"])
    admin.force_login(world.users["admin"])
    values = _kwargs_for(world, "A")
    urls = [
        url_for(key, route, values)
        for key, _namespace, route, _pattern in project_urls()
        if key in MATRIX and MATRIX[key].method == GET
    ]
    assert len(urls) > 40  # the walk still finds the pages
    answers = [(url, owner.get(url)) for url in urls]
    answers += [(url, admin.get(url)) for url in (reverse("admin:index"), reverse("audit:critical_changes"))]
    answers.append(("/accounts/login/ (anonymous)", Client().get(reverse("accounts:login"))))
    missing, weak = [], []
    for url, response in answers:
        header = response.headers.get("Content-Security-Policy")
        if not header:
            missing.append(f"{url} ({response.status_code})")
            continue
        policy = _directives(header)
        script = policy.get("script-src", [])
        # Our origin, and the request's nonce when the page used it: nothing else runs.
        if (
            "'self'" not in script
            or any(source != "'self'" and not source.startswith("'nonce-") for source in script)
            or policy.get("frame-ancestors") != ["'none'"]
            or policy.get("object-src") != ["'none'"]
            or policy.get("base-uri") != ["'self'"]
        ):
            weak.append(f"{url}: {header}")
    assert missing == [] and weak == []


@pytest.mark.django_db
def test_our_scripts_carry_the_pages_nonce(client):
    from accounts.services import user_create

    client.force_login(user_create(email="nonce@example.com", password=None))
    response = client.get(reverse("home"))
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    scripts = re.findall(r"<script\b[^>]*>", response.content.decode())
    assert scripts and all(f'nonce="{nonce}"' in tag for tag in scripts if "htmx" in tag), scripts


@pytest.fixture
def media_served(settings, tmp_path):
    """The development media route (DEBUG), on a fresh copy of the URLconf."""
    import config.urls

    debug = settings.DEBUG
    settings.DEBUG = True
    settings.MEDIA_ROOT = str(tmp_path)
    importlib.reload(config.urls)
    clear_url_caches()
    yield Path(tmp_path)
    settings.DEBUG = debug
    importlib.reload(config.urls)
    clear_url_caches()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("product-images/s/1.png", b"\x89PNG\r\n\x1a\n"),
        ("product-images/s/2.txt", b"<html><script>alert(1)</script>"),
        ("avatars/3.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
    ],
)
def test_media_answers_cannot_run_on_our_origin(media_served, client, name, content):
    (media_served / name).parent.mkdir(parents=True, exist_ok=True)
    (media_served / name).write_bytes(content)

    response = client.get(f"/media/{name}")

    assert response.status_code == 200 and b"".join(response.streaming_content) == content
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "sandbox"


# What the CSP forbids in templates: inline scripts, event-handler attributes, javascript: URLs,
# and htmx features that evaluate strings.
FORBIDDEN = {
    "inline <script>": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    "on* attribute": re.compile(r"<[^>]+\son[a-z]+\s*=", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
    "hx-on": re.compile(r"\b(?:data-)?hx-on", re.I),
    "js: in hx-vals/hx-vars": re.compile(r"hx-va(?:ls|rs)\s*=\s*['\"]\s*(?:js|javascript):", re.I),
}


def test_templates_have_no_inline_script():
    templates = [
        path
        for path in BASE_DIR.rglob("*.html")
        if ".venv" not in path.parts and "var" not in path.parts and "templates" in path.parts
    ]
    assert len(templates) > 50
    found = [
        f"{path.relative_to(BASE_DIR)}: {what}"
        for path in templates
        for what, pattern in FORBIDDEN.items()
        if pattern.search(path.read_text())
    ]
    assert found == []


@pytest.mark.django_db
def test_htmx_never_evaluates_strings(client):
    page = client.get(reverse("accounts:login")).content.decode()
    config = re.search(r'<meta name="htmx-config" content=\'([^\']+)\'>', page)
    assert config, "the base layout sets htmx's configuration"
    assert json.loads(config.group(1)) == {
        "allowEval": False,
        "allowScriptTags": False,
        "includeIndicatorStyles": False,
    }
