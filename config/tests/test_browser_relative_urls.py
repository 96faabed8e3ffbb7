"""A shop's content pointing at our own site: a description's <img src>/<a href> or an image
``src`` written as a relative address (``/stores/<id>/orders/export.csv``) would make every
viewer's browser send a signed-in GET to Storedesk. Store content yields only absolute http(s)
addresses on our pages, and no GET changes anything (an export starts with a POST)."""

from urllib.parse import urlsplit

import pytest

from catalog.models import ProductExport
from catalog.models import ProductImage
from config.testing import PASSWORD
from config.testing import make_product
from config.testing import make_variation
from config.tests.browser_pages import settle
from orders.models import OrderExport

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _own_addresses(root, host):
    return [
        f"{root}/products/export.csv",
        f"{root}/orders/export.csv?status=completed",
        "export.csv",
        f"//{host}{root}/orders/export.csv",
        f"{root}/products/export.csv#image",
    ]


def test_store_content_sends_no_request_to_storedesk_and_an_export_needs_a_post(
    browser, live_server, store, owner, settings
):
    settings.PRODUCT_EXPORT_STREAM_LIMIT = 0  # any export request starts a background job
    settings.ORDER_EXPORT_STREAM_LIMIT = 0
    base = live_server.url
    root = f"/stores/{store.pk}"
    own = _own_addresses(root, urlsplit(base).netloc)
    description = "".join(f'<p><img src="{src}" alt="i"><a href="{src}">link</a></p>' for src in own)
    product = make_product(store, description=description, short_description=description, type="variable")
    images = [
        ProductImage.objects.create(store=store, product=product, original_url=src, display_order=n, source="woo")
        for n, src in enumerate(own)
    ]
    product.featured_image = images[0]
    product.save(update_fields=["featured_image"])
    variation = make_variation(product, image=images[1])

    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", owner.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/")

    asked = []
    page.on("request", lambda request: asked.append((request.resource_type, request.url, page.url)))
    for path in (
        f"{root}/products/",
        f"{root}/products/{product.pk}/",
        f"{root}/products/{product.pk}/edit/",
        f"{root}/products/{product.pk}/variations/{variation.pk}/edit/",
    ):
        page.goto(base + path)
        settle(page)
    # Our pages ask our site for their own scripts, styles and polls, never for an image of the shop.
    strays = [
        (kind, url, on)
        for kind, url, on in asked
        if url.startswith(base)
        and kind not in ("document", "script", "stylesheet", "xhr", "fetch", "font")
        and not urlsplit(url).path.startswith(("/static/", "/media/"))
    ]
    assert strays == []
    assert (ProductExport.objects.count(), OrderExport.objects.count()) == (0, 0)
    # The description's links and images stay, without the addresses.
    page.goto(f"{base}{root}/products/{product.pk}/")
    found = page.evaluate(
        "() => [...document.querySelectorAll('.prose a, .prose img')]"
        ".map(e => e.getAttribute('href') ?? e.getAttribute('src'))"
    )
    assert found == [None] * 20

    # A GET of an export changes nothing; the list's button posts (with its CSRF token).
    assert context.request.get(f"{base}{root}/products/export.csv").status == 405
    assert ProductExport.objects.count() == 0
    page.goto(f"{base}{root}/products/?type=variable")
    page.click("#products-export")
    page.wait_for_url(f"{base}{root}/products/exports/*/")
    export = ProductExport.objects.get()
    assert export.requested_by == owner and "type=variable" in export.query
    context.close()
