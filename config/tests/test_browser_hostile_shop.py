"""A hostile shop in a real browser: every text a store controls (names, descriptions, notes,
addresses, item meta, links) carries markup and script, the store is pulled as usual, and every
page that shows that content is opened in Chromium. Nothing of it may run, nor even try to: no
script ran, the CSP had nothing to block (a blocked attempt is still an injection), and the
page holds no element or attribute the shop wrote as markup."""

import pytest

from accounts.models import AppRole
from accounts.services import user_role_grant
from catalog.models import Product
from catalog.models import ProductVariation
from catalog.models import StoreAttribute
from config.testing import PASSWORD
from config.tests.browser_pages import settle
from config.tests.browser_pages import store_page_urls
from orders.models import Order
from sync.models import SyncError
from sync.woo import client_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KEYS = ("ck_hostile_browser_0000000000000000000000000", "cs_hostile_browser_0000000000000000000000000")

RUN = "window.__ran=1"
# Breaks out of text, of both kinds of attribute quotes, and of a template; every way in sets the flag.
TEXT = (
    f'Mug "><img src=x onerror={RUN}><svg onload={RUN}></svg><script>{RUN}</script>'
    f"' autofocus onfocus='{RUN}' {{{{7*7}}}} <a href=\"javascript:{RUN}\">x</a>"
)
HTML = (
    f'<p>Soft <b>linen</b></p><img src="x" onerror="{RUN}"><script>{RUN}</script>'
    f'<a href="javascript:{RUN}">care</a><iframe src="javascript:{RUN}"></iframe>'
    f'<svg><a href="javascript:{RUN}"><text>svg</text></a></svg>'
    f'<form action="javascript:{RUN}"><button>go</button></form>'
    f'<p hx-get="/" hx-trigger="load" hx-on:htmx:load="{RUN}" style="background:url(javascript:{RUN})">htmx</p>'
)
LINK = f"javascript:{RUN}"

# DOMPurify parses what it cleans in an inert document that shares the page's policy, so
# Chromium reports each on*= handler it reads (nothing runs there, with or without a policy):
# those reports are the sanitiser at work, not an injection.
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  if (event.sourceFile.endsWith("/static/vendor/dompurify/purify.min.js")) { return; }
  window.__violations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"} at ${event.sourceFile}`);
});
"""
# What the page holds that the shop wrote as markup: handlers, script links, frames, the flag.
MARKUP_FOUND = """() => {
  const URL_ATTRIBUTES = ["href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcdoc"];
  const found = [];
  for (const node of document.querySelectorAll("*")) {
    for (const attribute of node.attributes) {
      const name = attribute.name.toLowerCase(), value = attribute.value.replace(/\\s/g, "").toLowerCase();
      if (name.startsWith("on") || name.startsWith("hx-on") || name.startsWith("data-hx-on")) {
        found.push(`${node.tagName} ${name}`);
      }
      if (URL_ATTRIBUTES.includes(name) && /^(javascript|data|vbscript):/.test(value)) {
        found.push(`${node.tagName} ${name}=${attribute.value}`);
      }
      if (name.startsWith("hx-") && value.includes("__ran")) { found.push(`${node.tagName} ${name}`); }
    }
    if (["IFRAME", "OBJECT", "EMBED", "FRAME"].includes(node.tagName)) { found.push(node.tagName); }
    if (node.tagName === "SCRIPT" && node.textContent.includes("__ran")) { found.push("SCRIPT"); }
  }
  return found;
}"""


@pytest.fixture
def hostile_shop(start_sandbox, make_store, owner, settings, tmp_path):
    """A store on a sandbox shop whose admin wrote markup everywhere, pulled in full."""
    from sync.models import SyncRunKind
    from sync.runs import run_pull
    from sync.services import sync_run_queue

    settings.ALLOWED_HOSTS = ["*"]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.SYNC_FETCH_IMAGES = False
    user_role_grant(user=owner, role=AppRole.ADMIN)
    sandbox = start_sandbox(products=6, orders=4, seed=3, keys=[KEYS])
    store = make_store(name=TEXT, url=sandbox.url, api_key=KEYS[0], api_secret=KEYS[1])

    shop = client_for(store)
    category = shop.post("products/categories", {"name": TEXT, "description": HTML}).data
    tag = shop.post("products/tags", {"name": TEXT, "description": HTML}).data
    brand = shop.post("products/brands", {"name": TEXT, "description": HTML}).data
    attribute = shop.post("products/attributes", {"name": TEXT}).data
    shop.post(f"products/attributes/{attribute['id']}/terms", {"name": TEXT, "description": HTML})
    product = sandbox.create_product(
        name=TEXT,
        type="variable",
        sku="hostile-1",
        description=HTML,
        short_description=HTML,
        permalink=LINK,
        categories=[{"id": category["id"]}],
        tags=[{"id": tag["id"]}],
        brands=[{"id": brand["id"]}],
        attributes=[
            {"id": attribute["id"], "options": [TEXT], "variation": True, "visible": True},
            {"name": f"{TEXT} (local)", "options": [TEXT, "Blue"], "variation": True, "visible": True},
        ],
        images=[{"src": sandbox.url + "/wp-content/uploads/hostile.jpg", "alt": TEXT, "name": TEXT}],
    )
    sandbox.create_variation(
        product["id"],
        regular_price="12.00",
        sku="hostile-1-a",
        description=HTML,
        attributes=[{"id": attribute["id"], "option": TEXT}, {"name": f"{TEXT} (local)", "option": TEXT}],
    )
    person = {"first_name": TEXT, "last_name": TEXT, "company": TEXT, "address_1": TEXT, "city": TEXT}
    order = sandbox.create_order(
        status="processing",
        billing={**person, "email": "hostile@example.com", "phone": TEXT},
        shipping=person,
        customer_note=TEXT,
        line_items=[{"product_id": product["id"], "quantity": 1, "meta_data": [{"key": TEXT, "value": TEXT}]}],
    )
    shop.post(f"orders/{order['id']}/notes", {"note": TEXT, "customer_note": True})

    run = sync_run_queue(store.pk, kind=SyncRunKind.FULL, enqueue=False)
    assert run_pull(run.pk).status in ("success", "partial")
    assert list(SyncError.objects.filter(store=store).values_list("error_message", flat=True)) == []
    return store


def test_markup_and_script_from_the_shop_never_run_on_any_page(browser, live_server, hostile_shop, owner):
    store, base = hostile_shop, live_server.url
    product = Product.objects.get(store=store, sku="hostile-1")
    variation = ProductVariation.objects.get(product=product)
    order = Order.objects.filter(store=store).order_by("-woo_id").first()
    attribute = StoreAttribute.objects.filter(store=store).order_by("-woo_id").first()
    root = f"{base}/stores/{store.pk}"
    pages = {
        **store_page_urls(base, store, product, order),
        "product-attributes": f"{root}/products/{product.pk}/attributes/",
        "variation": f"{root}/products/{product.pk}/variations/{variation.pk}/edit/",
        "categories": f"{root}/products/categories/",
        "tags": f"{root}/products/tags/",
        "brands": f"{root}/products/brands/",
        "attributes": f"{root}/products/attributes/",
        "attribute": f"{root}/products/attributes/{attribute.pk}/",
        "customers": f"{root}/customers/",
        "sync-errors": f"{root}/sync/errors/",
        "audit": f"{base}/audit/activity/",
        "admin-product": f"{base}/admin/catalog/product/{product.pk}/change/",
        "admin-order": f"{base}/admin/orders/order/{order.pk}/change/",
    }

    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US")
    context.add_init_script(WATCH)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on("dialog", lambda dialog: dialog.dismiss())
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", owner.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/")

    problems = {}

    def check(name, status=200):
        page.evaluate("() => new Promise(done => requestAnimationFrame(() => setTimeout(done, 50)))")
        found = [f"HTTP {status}"] if status != 200 else []
        found += page.evaluate(MARKUP_FOUND)
        found += page.evaluate("window.__violations")
        if page.evaluate("window.__ran !== undefined"):
            found.append("a script of the shop ran")
        if not page.evaluate("(text) => document.body.innerText.includes(text)", TEXT):
            found.append("the shop's text is not shown as text")
        if found:
            problems[name] = found

    for name, url in pages.items():
        response = page.goto(url)
        settle(page)
        check(name, response.status)

    # What only scripts draw: the searchable selects' options (the shop's category, tag and brand
    # names) and the description editor, shown as rich text and as its HTML source and back.
    page.goto(pages["product-edit"])
    page.wait_for_selector(".richtext-area")
    for control in page.locator(".ts-control").all():
        control.click()
        page.keyboard.type("Mug")
        page.keyboard.press("Escape")
    html_button = page.locator(".richtext-html").first
    html_button.click()
    html_button.click()
    check("product-edit, enhanced")
    assert problems == {}, "\n".join(f"{name}: {found}" for name, found in problems.items())
    context.close()
