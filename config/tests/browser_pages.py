"""The dashboard pages a browser test walks through, by name, and how to wait for one to be whole."""


def store_page_urls(base, store, product, order):
    """A store's main pages (the home page first), with ``product`` and ``order`` as the detail
    pages; a test adds the pages of its own concern."""
    root = f"{base}/stores/{store.pk}"
    return {
        "home": f"{base}/",
        "overview": f"{root}/",
        "products": f"{root}/products/",
        "product": f"{root}/products/{product.pk}/",
        "product-edit": f"{root}/products/{product.pk}/edit/",
        "orders": f"{root}/orders/",
        "order": f"{root}/orders/{order.pk}/",
        "sync": f"{root}/sync/",
        "webhooks": f"{root}/webhooks/",
        "team": f"{root}/team/",
    }


def settle(page):
    """Wait until every part htmx loads after the page (``hx-trigger="load"``, the top products)
    has arrived and no htmx request is in flight: what ``networkidle`` waited for, without its
    half a second of silence on every page."""
    page.wait_for_function("() => !document.querySelector('[hx-trigger=\"load\"], .htmx-request')")
