"""A viewer crawls every page they can reach, with realistic orders in their store, and no
response contains a customer's name, email, phone or address.

The crawl follows every same-site link from the home page (so future order, sync and webhook
pages linked from the store navigation are covered as soon as they exist), and also requests
every URL pattern of the project for the viewer's store, as a full page and as an htmx request.
"""

import html
import re
from urllib.parse import urljoin
from urllib.parse import urlparse

import pytest
from django.urls import reverse

from stores.tests.helpers import build_world
from stores.tests.helpers import make_orders
from stores.tests.helpers import pii_strings
from stores.tests.test_permission_matrix import _kwargs_for
from stores.tests.test_permission_matrix import project_urls
from stores.tests.test_permission_matrix import url_for

pytestmark = pytest.mark.django_db

HREF = re.compile(r"""href=["']([^"'#]+)""")
SKIP_PREFIXES = ("/static/", "/media/", "/admin/", "/i18n/", "/accounts/logout/", "/healthz")


def _leaks(body):
    text = html.unescape(body)
    return sorted({value for value in pii_strings() if value in text or value in body})


def _pattern_urls(world):
    values = _kwargs_for(world, "A")
    urls = []
    for key, namespace, route, _pattern in project_urls():
        if namespace == "admin" or key.startswith("^"):
            continue
        urls.append(url_for(key, route, values))
    return urls


def test_the_leak_detector_detects():
    assert _leaks("<td>dana.levi@gmail.com</td>") and _leaks("<td>Jonathan O&#x27;Brien</td>")
    assert _leaks("<p>דנה לוי</p>")


def test_viewer_never_sees_customer_data(client):
    world = build_world()
    make_orders(world.stores["A"])
    make_orders(world.stores["B"], start=5000)
    client.force_login(world.users["viewer"])

    seen, queue, leaks = set(), ["/", *_pattern_urls(world)], {}
    while queue:
        url = queue.pop()
        path = urlparse(url).path
        if path in seen or path.startswith(SKIP_PREFIXES):
            continue
        seen.add(path)
        for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
            response = client.get(url, **headers)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            body = response.content.decode()
            found = _leaks(body)
            if found:
                leaks[url] = found
            for href in HREF.findall(body):
                target = urljoin(url, html.unescape(href))
                if urlparse(target).netloc in ("", "testserver"):
                    queue.append(urlparse(target).path)
    assert not leaks, leaks
    assert len(seen) > 5  # the crawl really went somewhere
    assert reverse("stores:detail", kwargs={"store_id": world.stores["A"].pk}) in seen
