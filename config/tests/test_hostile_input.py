"""Every page with hostile query values: no 5xx, ever, and no value echoed as markup.

The URL walk is the permission matrix's (stores/tests/test_permission_matrix.py), so a new page
is driven as soon as it exists. Each GET page is first loaded as someone who may see it; the
parameters it uses (names in its GET forms and in its own ``?…`` links) plus the common ones are
then sent hostile values: huge and negative numbers, NUL and other control characters, 10 kB
strings, repeated parameters, a lone surrogate, bidi overrides, HTML markup.

Each value goes to all of a page's parameters in one request. A number that makes the page answer
otherwise than without it (a 404 for a page past the end) may have turned the request aside before
another parameter was read, so it is sent again to each half of the parameters, down to the one
parameter that turns the request aside: every parameter still meets every number, in a handful of
requests instead of one per parameter. Strings are answered by the input layer alike for every
parameter (config/input.py), so they are not split.
"""

import re
from html import unescape
from urllib.parse import parse_qsl
from urllib.parse import quote
from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django.test import Client
from django.urls import path
from django.urls import reverse

from stores.tests.test_permission_matrix import GET
from stores.tests.test_permission_matrix import MATRIX
from stores.tests.test_permission_matrix import _kwargs_for
from stores.tests.test_permission_matrix import entry_for
from stores.tests.test_permission_matrix import project_urls
from stores.tests.test_permission_matrix import url_for
from stores.tests.test_permission_matrix import world as world  # built once per module

pytestmark = pytest.mark.django_db

COMMON_PARAMS = ("page", "q", "sort", "status", "per_page", "kind", "store", "category", "days")
# Raw query-string values (already percent-encoded where the value is not plain ASCII).
NUMBERS = {
    "huge number": "99999999999999999999",
    "huge negative": "-99999999999999999999",
    "float overflow": "1e309",
}
STRINGS = {
    "NUL and control characters": "a%00b%01%1b%7f",
    "10 kB": "x" * 10_000,
    "lone surrogate": "%ED%A0%80",
    "bidi override": quote("\u202eevil\u202c"),
    "repeated": "1&{name}=2&{name}[]=3",
    "markup": quote('"><b id=hostile-echo>'),
}
# What the markup value would put in a page that echoed it unescaped.
ECHOED_MARKUP = "<b id=hostile-echo>"
FORM_FIELD = re.compile(r"""<(?:input|select|textarea)\b[^>]*\bname=["']([\w\[\]-]+)["']""")
QUERY_LINK = re.compile(r"""href=["']\?([^"'#]*)""")


def _get_pages():
    for key, namespace, route, _pattern in project_urls():
        entry = entry_for(key, namespace)
        if namespace == "admin" or key.startswith("^") or entry is None or entry.method != GET:
            continue
        yield key, route


def _params_of(html):
    names = set(FORM_FIELD.findall(html))
    for query in QUERY_LINK.findall(html):
        names.update(name for name, _ in parse_qsl(unescape(query), keep_blank_values=True))
    return names - {"csrfmiddlewaretoken"}


def _query(names, raw):
    return "&".join(f"{quote(name)}={raw.format(name=quote(name))}" for name in sorted(names))


def _role_for(key):
    entry = MATRIX.get(key)
    if entry is not None and entry.own.get("owner") not in (200, "200/503"):
        return "admin"  # pages only the app admin reaches (audit)
    return "owner"


class _HostileProbe:
    """Sends hostile queries to one page and collects what went wrong."""

    def __init__(self, client, url, server_error):
        self.client, self.path, self.server_error = client, urlsplit(url).path, server_error
        self.failures = []

    def send(self, label, query):
        with transaction.atomic():  # a database error must not poison the next request
            response = self.client.get(f"{self.path}?{query}")
            transaction.set_rollback(True)
        if self.server_error(response.status_code):
            self.failures.append(f"{label}: {response.status_code}")
        elif "html" in response.get("Content-Type", "") and ECHOED_MARKUP in response.content.decode():
            self.failures.append(f"{label}: echoed unescaped")
        return response.status_code

    def number(self, label, raw, names, course):
        """``raw`` in every parameter of ``names`` at once; halves again while the page answers
        otherwise than ``course`` (its answer without hostile input), down to one parameter."""
        failed_before = len(self.failures)
        status = self.send(f"{','.join(names)}={label}", _query(names, raw))
        if status == course or len(names) == 1:
            return
        if self.server_error(status):
            del self.failures[failed_before:]  # named below by the half (or parameter) that fails
        half = len(names) // 2
        self.number(label, raw, names[:half], course)
        self.number(label, raw, names[half:], course)
        if self.server_error(status) and len(self.failures) == failed_before:
            self.failures.append(f"{','.join(names)}={label} together: {status}")


@pytest.mark.parametrize("key,route", list(_get_pages()), ids=[key for key, _ in _get_pages()])
def test_hostile_query_values_never_cause_a_server_error_nor_echo_as_markup(world, key, route):
    url = url_for(key, route, _kwargs_for(world, "A"))
    client = Client(raise_request_exception=False)
    client.force_login(world.users[_role_for(key)])
    server_error = (
        (lambda status: status >= 500 and status != 503) if key == "healthz" else (lambda status: status >= 500)
    )
    first = client.get(url)
    assert not server_error(first.status_code), f"{url} fails even without hostile input"
    params = set(COMMON_PARAMS)
    if "html" in first.get("Content-Type", ""):
        params |= _params_of(first.content.decode())
    probe = _HostileProbe(client, url, server_error)
    for label, raw in NUMBERS.items():
        probe.number(label, raw, sorted(params), first.status_code)
    for label, raw in STRINGS.items():
        probe.send(f"all={label}", _query(params, raw))
    assert probe.failures == [], f"{url}: " + ", ".join(probe.failures)


def test_without_debug_a_failing_page_never_shows_the_debug_page(settings):
    settings.DEBUG = False

    def broken(request):
        raise RuntimeError("secret internals: SELECT * FROM stores")

    urlconf = type("urls", (), {"urlpatterns": [path("broken/", broken)], "handler500": None})
    settings.ROOT_URLCONF = urlconf
    response = Client(raise_request_exception=False).get("/broken/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "secret internals" not in body and "Traceback" not in body and "technical_500" not in body


def test_control_characters_are_stripped_from_form_values(world):
    from accounts.models import Profile

    owner = world.users["owner"]
    client = Client(raise_request_exception=False)
    client.force_login(owner)
    response = client.post(
        reverse("accounts:profile"), {"first_name": "Da\x00\x1bna\x7f", "last_name": "Le\tvi", "phone": ""}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    profile = Profile.objects.get(pk=owner.pk)
    assert (profile.first_name, profile.last_name) == ("Dana", "Le\tvi")  # a tab is not a control to strip


def test_an_over_long_query_value_is_a_clear_400_page(world):
    client = Client()
    client.force_login(world.users["owner"])
    url = reverse("catalog:tag_list", kwargs={"store_id": world.stores["A"].pk})
    response = client.get(url, {"q": "x" * 10_000})
    assert response.status_code == 400
    assert "longer than 1000 characters" in response.content.decode()
    assert client.get(url, {"q": "x" * 1000}).status_code == 200


def test_page_numbers_past_the_end_or_absurd_are_404_and_garbage_is_page_one(world):
    client = Client()
    client.force_login(world.users["owner"])
    url = reverse("catalog:tag_list", kwargs={"store_id": world.stores["A"].pk})
    assert client.get(url, {"page": "99999999999999999999"}).status_code == 404
    assert client.get(url, {"page": "2"}).status_code == 404  # one tag: page 2 is past the end
    for value in ("-5", "abc", "1e309", ""):
        response = client.get(url, {"page": value})
        assert response.status_code == 200 and response.context["page"].number == 1
