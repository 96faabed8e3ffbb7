"""Every WooCommerce operation Storedesk uses, by name.

Callers say what they want (``product_update(client, product_id=..., body=...)``); only this
module knows the REST paths, the query parameters and the envelopes (``batch`` bodies, the
answer of a batch, ``term_exists``). Bodies of products, variations, orders and terms are built
from fields by ``sync.mappers``; this module sends them as they are.

Lists are read in id order, so items created while a listing is read come last. WooCommerce
pages by offset, though: an item that leaves a listing meanwhile (trashed, deleted) moves the
later ones up a place and one of them is never listed, and one that joins it (restored) is
listed twice; the pull asks for what a listing did not hold by id before removing it.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Iterator
from enum import StrEnum
from typing import Any

from sync.woo.client import WooClient
from sync.woo.errors import WooClientError
from sync.woo.errors import WooError
from sync.woo.errors import WooNotWooCommerceError
from sync.woo.responses import Page

ID_ORDER = {"orderby": "id", "order": "asc"}
# What a reconciliation compares: enough to tell which items changed (a server that ignores
# ``_fields`` answers whole items, which can be written at once).
INDEX_FIELDS = "id,status,date_modified_gmt"
# WooCommerce's largest page: a search for one product this adapter may have created.
SEARCH_PAGE_SIZE = 100


class Taxonomy(StrEnum):
    """The product taxonomies, by the collection WooCommerce keeps them in."""

    CATEGORY = "products/categories"
    TAG = "products/tags"
    BRAND = "products/brands"
    ATTRIBUTE = "products/attributes"
    ATTRIBUTE_TERM = "products/attributes/{attribute_id}/terms"


class Listing(StrEnum):
    """The dated collections a pull walks page by page."""

    PRODUCTS = "products"
    ORDERS = "orders"


def _dated_query(status: str, modified_after: str | None) -> dict[str, Any]:
    query: dict[str, Any] = {**ID_ORDER, "status": status}
    if modified_after is not None:
        query.update(modified_after=modified_after, dates_are_gmt="true")
    return query


def _by_ids_query(ids: Iterable[int], status: str) -> dict[str, Any]:
    return {"include": ",".join(str(woo_id) for woo_id in ids), "status": status, **ID_ORDER}


def _collection(taxonomy: Taxonomy, attribute_id: int | None) -> str:
    if taxonomy is Taxonomy.ATTRIBUTE_TERM:
        if attribute_id is None:
            raise ValueError("attribute terms live under an attribute: attribute_id is required")
        return taxonomy.format(attribute_id=attribute_id)
    return str(taxonomy)


# --- store ------------------------------------------------------------------------------------


def store_ping(client: WooClient) -> None:
    """The cheapest authenticated call: one product. Raises the typed error that explains why
    the store cannot be reached (address, credentials, TLS, not WooCommerce...)."""
    client.get("products", params={"per_page": 1})


def woocommerce_version(client: WooClient) -> str | None:
    """The store's WooCommerce version from ``GET /system_status`` (None when it does not say)."""
    data = client.get("system_status", {"_fields": "environment"}).data
    environment = data.get("environment") if isinstance(data, dict) else None
    version = environment.get("version") if isinstance(environment, dict) else None
    return str(version)[:40] if version else None


def has_variations_listing(client: WooClient) -> bool:
    """Whether the store lists every variation at ``GET /variations`` (WooCommerce 10.3+); an
    older one answers ``404 rest_no_route``."""
    try:
        client.get("variations", {"per_page": 1, "_fields": "id"})
    except WooNotWooCommerceError as exc:
        if exc.code == "rest_no_route":
            return False
        raise
    return True


# --- products and variations ------------------------------------------------------------------


def list_pages(
    client: WooClient,
    *,
    listing: Listing,
    status: str,
    modified_after: str | None = None,
    index_only: bool = False,
    fields: Iterable[str] = (),
    errors: str = "raise",
) -> Iterator[Page]:
    """The pages of products or orders with ``status`` (``any`` leaves out the trash), changed
    after ``modified_after`` (GMT, ``YYYY-MM-DDTHH:MM:SS``) when given; ``index_only`` asks for
    the id, status and modification time of each item only, ``fields`` for those keys only."""
    query = _dated_query(status, modified_after)
    if index_only:
        query["_fields"] = INDEX_FIELDS
    elif fields := ",".join(fields):
        query["_fields"] = fields
    return client.iter_pages(str(listing), query, errors=errors)


def list_by_ids(client: WooClient, *, listing: Listing, ids: Iterable[int], status: str = "any") -> list[dict]:
    """The products or orders among ``ids`` that exist with ``status``."""
    return client.fetch_all(str(listing), _by_ids_query(ids, status))


def item_get(client: WooClient, *, listing: Listing, item_id: int) -> dict:
    """One product or order as WooCommerce holds it now (a trashed one has status ``trash``)."""
    return client.get(f"{listing}/{item_id}").data


def product_get(client: WooClient, *, product_id: int) -> dict:
    return item_get(client, listing=Listing.PRODUCTS, item_id=product_id)


def products_search(client: WooClient, *, sku: str | None = None, search: str | None = None) -> list[dict]:
    """The first page of products (trash included) with this SKU, or whose text matches."""
    query: dict[str, Any] = {"status": "any", "per_page": SEARCH_PAGE_SIZE}
    if sku:
        query["sku"] = sku
    else:
        query["search"] = search or ""
    return client.get("products", query).data or []


def product_create(client: WooClient, *, body: dict) -> dict:
    return client.post("products", body).data


def product_update(client: WooClient, *, product_id: int, body: dict) -> dict:
    return client.put(f"products/{product_id}", body).data


def product_delete(client: WooClient, *, product_id: int, force: bool) -> None:
    """Trash the product, or delete it for good with ``force``."""
    client.delete(f"products/{product_id}", {"force": "true"} if force else None)


def products_batch_update(client: WooClient, *, updates: list[tuple[int, dict]]) -> dict[Any, dict]:
    """Update many products in one request: ``updates`` holds (product id, body). The answer per
    id: the product as saved, or ``{"error": {...}}`` for an item WooCommerce refused."""
    body = {"update": [{"id": product_id, **fields} for product_id, fields in updates]}
    answer = client.post("products/batch", body).data or {}
    return {item.get("id"): item for item in answer.get("update") or [] if isinstance(item, dict)}


def batch_item_error(item: dict | None) -> str | None:
    """Why WooCommerce refused one item of a batch (None when it was saved)."""
    if item is None:
        return "no answer for this item"
    if "error" in item:
        return (item.get("error") or {}).get("message") or "refused"
    return None


def variations_list(client: WooClient, *, product_id: int, status: str = "any") -> list[dict]:
    """Every variation of a product (``trash`` for a trashed product's)."""
    return client.fetch_all(f"products/{product_id}/variations", {**ID_ORDER, "status": status})


def variations_for_many(
    client: WooClient, products: Iterable[tuple[int, str]]
) -> Iterator[tuple[int, list[dict] | WooError]]:
    """The variations of many products at once: ``products`` yields (product id, status);
    answers come as (product id, variations or the error) in completion order."""
    jobs = (
        (product_id, f"products/{product_id}/variations", {**ID_ORDER, "status": status})
        for product_id, status in products
    )
    return client.fetch_many(jobs)


def variations_pages(
    client: WooClient,
    *,
    status: str,
    modified_after: str | None = None,
    include: Iterable[int] = (),
    fields: Iterable[str] = (),
    errors: str = "yield",
) -> Iterator[Page]:
    """The pages of ``GET /variations`` (every variation of the store, each with its
    ``parent_id``), in id order, fetched in parallel like any listing. ``modified_after`` is a
    GMT time; ``fields`` limits each item to those keys (``_fields``)."""
    params = _dated_query(status, modified_after)
    if include := ",".join(map(str, include)):
        params["include"] = include
    if fields := ",".join(fields):
        params["_fields"] = fields
    return client.iter_pages("variations", params, errors=errors)


def variations_batch(
    client: WooClient, *, product_id: int, create: list[dict], update: list[tuple[int, dict]]
) -> list[dict]:
    """Create variations of one product and update others (``update`` holds (variation id,
    body)) in one request; the items answered, each a variation or ``{"id":..., "error": {...}}``."""
    body = {"create": create, "update": [{"id": variation_id, **fields} for variation_id, fields in update]}
    answer = client.post(f"products/{product_id}/variations/batch", body).data or {}
    return (answer.get("create") or []) + (answer.get("update") or [])


def variations_delete(client: WooClient, *, product_id: int, variation_ids: list[int]) -> list[dict]:
    """Delete variations of one product for good (batch deletes are forced) in one request; the
    items answered, each ``{"id":...}`` or ``{"id":..., "error": {...}}``."""
    answer = client.post(f"products/{product_id}/variations/batch", {"delete": [int(i) for i in variation_ids]}).data
    return [item for item in (answer or {}).get("delete") or [] if isinstance(item, dict)]


# --- orders -----------------------------------------------------------------------------------


def order_update_status(client: WooClient, *, order_id: int, status: str) -> dict:
    return client.put(f"orders/{order_id}", {"status": status}).data


def order_fetch(client: WooClient, order_woo_id: int) -> dict:
    """One order as WooCommerce holds it now."""
    return client.get(f"orders/{int(order_woo_id)}").data


# --- order notes and refunds (FACTS.md §11) ---------------------------------------------------


def order_notes_list(client: WooClient, order_woo_id: int) -> list[dict]:
    """Every note of an order (private, to the customer, and the system's), newest first."""
    data = client.get(f"orders/{int(order_woo_id)}/notes", {"type": "any"}).data
    return [note for note in data if isinstance(note, dict)] if isinstance(data, list) else []


def order_note_create(client: WooClient, order_woo_id: int, note: str, *, to_customer: bool) -> dict:
    """Add a note written by the API user; ``to_customer`` makes WooCommerce e-mail it to the customer."""
    body = {"note": note, "customer_note": bool(to_customer), "added_by_user": True}
    return client.post(f"orders/{int(order_woo_id)}/notes", body).data


def order_refunds_list(client: WooClient, order_woo_id: int) -> list[dict]:
    """Every refund of an order with its line items."""
    return client.fetch_all(f"orders/{int(order_woo_id)}/refunds")


def order_refund_create(
    client: WooClient,
    order_woo_id: int,
    *,
    amount: str,
    reason: str,
    line_items: list[dict],
    api_refund: bool,
    restock: bool,
) -> dict:
    """Create a refund. Both flags are always sent: WooCommerce defaults ``api_refund`` to true,
    which would ask the payment gateway to return real money unless told otherwise."""
    body = {
        "amount": amount,
        "reason": reason,
        "line_items": line_items,
        "api_refund": bool(api_refund),
        "api_restock": bool(restock),
    }
    return client.post(f"orders/{int(order_woo_id)}/refunds", body).data


# --- taxonomies -------------------------------------------------------------------------------


def terms_pages(
    client: WooClient, *, taxonomy: Taxonomy, include: Iterable[int] = (), errors: str = "raise"
) -> Iterator[Page]:
    """The pages of categories, tags or brands (only those among ``include`` when given)."""
    params: dict[str, Any] = dict(ID_ORDER)
    if include := ",".join(map(str, include)):
        params["include"] = include
    return client.iter_pages(str(taxonomy), params, errors=errors)


def attributes_list(client: WooClient) -> list[dict]:
    """Every global attribute: WooCommerce answers them at once (the collection has no paging)."""
    data = client.get(str(Taxonomy.ATTRIBUTE)).data
    return data if isinstance(data, list) else []


def attribute_terms_for_many(
    client: WooClient, attribute_ids: Iterable[int]
) -> Iterator[tuple[int, list[dict] | WooError]]:
    """The terms of many attributes at once, as (attribute id, terms or the error)."""
    jobs = ((woo_id, _collection(Taxonomy.ATTRIBUTE_TERM, woo_id), dict(ID_ORDER)) for woo_id in attribute_ids)
    return client.fetch_many(jobs)


def attribute_terms_by_ids(client: WooClient, *, attribute_id: int, ids: Iterable[int]) -> list[dict]:
    """The terms of a global attribute among ``ids`` that exist."""
    query = {**ID_ORDER, "include": ",".join(str(woo_id) for woo_id in ids)}
    return client.fetch_all(_collection(Taxonomy.ATTRIBUTE_TERM, attribute_id), query)


def term_create(client: WooClient, *, taxonomy: Taxonomy, body: dict, attribute_id: int | None = None) -> dict:
    """Create a term (or attribute); a retried create that finds its own term adopts it:
    WooCommerce answers ``term_exists`` with the existing term's id."""
    collection = _collection(taxonomy, attribute_id)
    try:
        return client.post(collection, body).data
    except WooClientError as exc:
        existing = (exc.data or {}).get("resource_id") if isinstance(exc.data, dict) else None
        if exc.code != "term_exists" or not existing:
            raise
        return client.get(f"{collection}/{existing}").data


def term_update(
    client: WooClient, *, taxonomy: Taxonomy, term_id: int, body: dict, attribute_id: int | None = None
) -> dict:
    return client.put(f"{_collection(taxonomy, attribute_id)}/{term_id}", body).data


def term_delete(client: WooClient, *, taxonomy: Taxonomy, term_id: int, attribute_id: int | None = None) -> dict:
    """Delete a category, tag, brand, global attribute (with its terms) or attribute term for
    good: WooCommerce cannot trash them and refuses a delete without ``force``. It takes the term
    off every product (a category's children move up to its parent)."""
    return client.delete(f"{_collection(taxonomy, attribute_id)}/{int(term_id)}", {"force": "true"}).data


# --- webhooks on the store ----------------------------------------------------------------------


def webhooks_list(client: WooClient) -> list[dict]:
    return client.fetch_all("webhooks")


def webhook_create(client: WooClient, *, name: str, topic: str, delivery_url: str, secret: str, status: str) -> dict:
    body = {"name": name, "topic": topic, "delivery_url": delivery_url, "secret": secret, "status": status}
    return client.post("webhooks", body).data


def webhook_update(
    client: WooClient,
    *,
    webhook_id: int,
    secret: str | None = None,
    status: str | None = None,
    delivery_url: str | None = None,
) -> dict:
    """Change what is given (None leaves a field as it is)."""
    fields = {"secret": secret, "status": status, "delivery_url": delivery_url}
    return client.put(f"webhooks/{webhook_id}", {key: value for key, value in fields.items() if value is not None}).data


__all__ = [
    "Listing",
    "Taxonomy",
    "attribute_terms_by_ids",
    "attribute_terms_for_many",
    "attributes_list",
    "batch_item_error",
    "has_variations_listing",
    "item_get",
    "list_by_ids",
    "list_pages",
    "order_fetch",
    "order_note_create",
    "order_notes_list",
    "order_refund_create",
    "order_refunds_list",
    "order_update_status",
    "product_create",
    "product_delete",
    "product_get",
    "product_update",
    "products_batch_update",
    "products_search",
    "store_ping",
    "term_create",
    "term_delete",
    "term_update",
    "terms_pages",
    "variations_batch",
    "variations_delete",
    "variations_for_many",
    "variations_list",
    "variations_pages",
    "webhook_create",
    "webhook_update",
    "webhooks_list",
    "woocommerce_version",
]
