"""The ``wc/v3`` route table: URL patterns, their services, batch handling."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from functools import partial
from typing import Any

from .catalog import Catalog
from .catalog_schema import PRODUCT_SCHEMA
from .catalog_schema import VARIATION_SCHEMA
from .errors import ApiError
from .errors import no_route
from .orders import ORDER_SCHEMA
from .orders import Orders
from .params import Args
from .params import FieldSpec
from .params import Page
from .params import coerce_body
from .params import parse_int
from .taxonomy import ATTRIBUTE_SCHEMA
from .taxonomy import BRANDS
from .taxonomy import CATEGORIES
from .taxonomy import TAGS
from .taxonomy import TERM_SCHEMA
from .taxonomy import Taxonomies
from .webhooks import WEBHOOK_SCHEMA
from .webhooks import Webhooks

BATCH_LIMIT = 100  # woocommerce_rest_batch_items_limit
WOOCOMMERCE_VERSION = (10, 3, 1)
# Routes newer than WooCommerce 3.5's wc/v3, by the version that added them.
NEWEST_ROUTE = {"variations": (10, 3, 0)}
EDITABLE = ("POST", "PUT", "PATCH")

# What an anonymous request is told, per kind of endpoint (the controllers' permission checks).
ANONYMOUS_ERRORS = {
    "list": ("woocommerce_rest_cannot_view", "Sorry, you cannot list resources."),
    "view": ("woocommerce_rest_cannot_view", "Sorry, you cannot view this resource."),
    "create": ("woocommerce_rest_cannot_create", "Sorry, you are not allowed to create resources."),
    "edit": ("woocommerce_rest_cannot_edit", "Sorry, you are not allowed to edit this resource."),
    "delete": ("woocommerce_rest_cannot_delete", "Sorry, you are not allowed to delete this resource."),
    "batch": ("woocommerce_rest_cannot_batch", "Sorry, you are not allowed to batch manipulate this resource."),
}


@dataclass
class ApiRequest:
    method: str
    path: str  # below /wp-json/wc/v3, e.g. "/products/12"
    query: dict[str, Any]
    body: Any

    @property
    def params(self) -> dict[str, Any]:
        """Query merged with body parameters; the body wins, as in WP_REST_Request."""
        return {**self.query, **self.body} if isinstance(self.body, dict) else dict(self.query)


@dataclass
class ApiResult:
    status: int
    data: Any
    page: Page | None = None  # set for collections: drives X-WP-Total, X-WP-TotalPages and Link
    location: str | None = None  # set on 201 Created


Handler = Callable[[ApiRequest, dict[str, int]], ApiResult]


@dataclass
class Route:
    name: str  # template for stats, e.g. "products/{id}"
    pattern: re.Pattern[str]
    methods: dict[str, tuple[Handler, str]] = field(default_factory=dict)

    @property
    def allow(self) -> str:
        return ", ".join(self.methods)


def anonymous_error(action: str) -> ApiError:
    code, message = ANONYMOUS_ERRORS[action]
    return ApiError(401, code, message)


def _force(req: ApiRequest) -> bool:
    args = Args(req.params)
    force = args.boolean("force")
    args.check()
    return force


def _page(page: Page) -> ApiResult:
    return ApiResult(200, page.items, page=page)


def _body(req: ApiRequest) -> dict[str, Any]:
    return req.body if isinstance(req.body, dict) else {}


class Router:
    """Maps a method and path to a handler; builds every wc/v3 route the sandbox serves."""

    def __init__(
        self, catalog: Catalog, orders: Orders, taxonomies: Taxonomies, webhooks: Webhooks, api_url: str
    ) -> None:
        self.api_url = api_url
        self.routes: list[Route] = []
        # The WooCommerce version the shop runs (``system_status``); older ones lack newer routes.
        self.version = WOOCOMMERCE_VERSION
        self._products(catalog)
        self._taxonomies(taxonomies)
        self._orders(orders)
        self._webhooks(webhooks)
        self._add("system_status", {"list": (("GET",), lambda r, i: ApiResult(200, self.system_status()), "list")})

    def resolve(self, method: str, path: str) -> tuple[Route, Handler, str, dict[str, int]]:
        lookup = "GET" if method == "HEAD" else method
        for route in self._served():
            match = route.pattern.fullmatch(path)
            if match and lookup in route.methods:
                handler, action = route.methods[lookup]
                return route, handler, action, {k: int(v) for k, v in match.groupdict().items()}
        raise no_route()

    def namespace_index(self) -> dict[str, Any]:
        return {
            "namespace": "wc/v3",
            "routes": {f"/wc/v3/{r.name}": {"methods": list(r.methods)} for r in self._served()},
        }

    def system_status(self) -> dict[str, Any]:
        """The part of ``GET /system_status`` a client reads: which WooCommerce this is."""
        site = self.api_url.split("/wp-json", 1)[0]
        return {
            "environment": {
                "home_url": site,
                "site_url": site,
                "version": ".".join(map(str, self.version)),
                "wp_version": "6.8.3",
                "php_version": "8.3.14",
            },
            "active_plugins": [],
        }

    def _served(self) -> list[Route]:
        """The routes of the WooCommerce version the shop pretends to run."""
        if self.version >= NEWEST_ROUTE["variations"]:
            return self.routes
        return [route for route in self.routes if route.name != "variations"]

    # --- route construction ------------------------------------------------------------

    def _add(self, name: str, methods: dict[str, tuple[Handler, str]]) -> None:
        regex = re.escape("/" + name)
        for placeholder in re.findall(r"\\\{(\w+)\\\}", regex):
            regex = regex.replace(f"\\{{{placeholder}\\}}", f"(?P<{placeholder}>\\d+)")
        route = Route(name, re.compile(regex))
        for verbs, handler, action in methods.values():
            for verb in verbs:
                route.methods[verb] = (handler, action)
        self.routes.append(route)

    def _collection(
        self,
        name: str,
        list_: Callable[[ApiRequest, dict[str, int]], Page],
        create: Callable[[ApiRequest, dict[str, int]], dict[str, Any]],
    ) -> None:
        def created(req: ApiRequest, ids: dict[str, int]) -> ApiResult:
            item = create(req, ids)
            base = name.format(**ids)
            return ApiResult(201, item, location=f"{self.api_url}/{base}/{item['id']}")

        self._add(
            name,
            {"list": (("GET",), lambda r, i: _page(list_(r, i)), "list"), "create": (("POST",), created, "create")},
        )

    def _item(
        self,
        name: str,
        get: Callable[[ApiRequest, dict[str, int]], Any],
        update: Callable[[ApiRequest, dict[str, int]], Any],
        delete: Callable[[ApiRequest, dict[str, int]], Any],
    ) -> None:
        self._add(
            name,
            {
                "view": (("GET",), lambda r, i: ApiResult(200, get(r, i)), "view"),
                "edit": (EDITABLE, lambda r, i: ApiResult(200, update(r, i)), "edit"),
                "delete": (("DELETE",), lambda r, i: ApiResult(200, delete(r, i)), "delete"),
            },
        )

    def _batch(
        self,
        name: str,
        schema: dict[str, FieldSpec],
        create: Callable[[dict[str, int], dict[str, Any]], Any],
        update: Callable[[dict[str, int], int, dict[str, Any]], Any],
        delete: Callable[[dict[str, int], int], Any],
    ) -> None:
        def batch(req: ApiRequest, ids: dict[str, int]) -> ApiResult:
            body = _body(req)
            groups = {
                key: body[key]
                for key in ("create", "update", "delete")
                if isinstance(body.get(key), list) and body[key]
            }
            if sum(len(items) for items in groups.values()) > BATCH_LIMIT:
                raise ApiError(
                    413,
                    "woocommerce_rest_request_entity_too_large",
                    f"Unable to accept more than {BATCH_LIMIT} items for this request.",
                )
            out: dict[str, list[Any]] = {}
            for item in groups.get("create", []):
                out.setdefault("create", []).append(_batch_item(0, create, ids, coerce_body(item, schema)))
            for item in groups.get("update", []):
                item_id = (parse_int(item.get("id")) if isinstance(item, dict) else None) or 0
                out.setdefault("update", []).append(
                    _batch_item(item_id, update, ids, item_id, coerce_body(item, schema))
                )
            for item in groups.get("delete", []):
                item_id = parse_int(item.get("id") if isinstance(item, dict) else item) or 0
                # Batch deletes are always forced.
                out.setdefault("delete", []).append(_batch_item(item_id, delete, ids, item_id))
            return ApiResult(200, out)

        self._add(name, {"batch": (EDITABLE, batch, "batch")})

    def _resource(
        self,
        path: str,
        schema: dict[str, FieldSpec],
        service: Any,
        noun: str,
        *,
        parent: str | None = None,
        bound: tuple[Any, ...] = (),
        paged: bool = True,
    ) -> None:
        """One resource's routes, served by ``service``'s ``list_<noun>s``, ``create_<noun>``,
        ``get_<noun>``, ``update_<noun>`` and ``delete_<noun>``: the paged collection at ``path``
        (unless not ``paged``), ``path/batch`` and ``path/{id}``. Each handler is given ``bound``
        first, then the parent's id when ``path`` has one (``parent`` names its placeholder)."""

        def handler(name: str) -> Callable[..., Any]:
            return partial(getattr(service, name), *bound)

        create, get, update, delete = (handler(f"{verb}_{noun}") for verb in ("create", "get", "update", "delete"))

        def lead(ids: dict[str, int]) -> tuple[int, ...]:
            return (ids[parent],) if parent else ()

        if paged:
            list_ = handler(f"list_{noun}s")
            self._collection(path, lambda r, i: list_(*lead(i), r.params), lambda r, i: create(*lead(i), _body(r)))
        self._batch(
            f"{path}/batch",
            schema,
            lambda ids, body: create(*lead(ids), body),
            lambda ids, item_id, body: update(*lead(ids), item_id, body),
            lambda ids, item_id: delete(*lead(ids), item_id, force=True),
        )
        self._item(
            f"{path}/{{id}}",
            lambda r, i: get(*lead(i), i["id"]),
            lambda r, i: update(*lead(i), i["id"], _body(r)),
            lambda r, i: delete(*lead(i), i["id"], force=_force(r)),
        )

    def _products(self, catalog: Catalog) -> None:
        self._resource("products", PRODUCT_SCHEMA, catalog, "product")
        self._resource("products/{product_id}/variations", VARIATION_SCHEMA, catalog, "variation", parent="product_id")
        self._add(
            "variations",
            {"list": (("GET",), lambda r, i: _page(catalog.list_all_variations(r.params)), "list")},
        )

    def _taxonomies(self, terms: Taxonomies) -> None:
        # Attributes list without paging, like WooCommerce.
        self._add(
            "products/attributes",
            {
                "list": (("GET",), lambda r, i: ApiResult(200, terms.list_attributes()), "list"),
                "create": (
                    ("POST",),
                    lambda r, i: self._created("products/attributes", terms.create_attribute(_body(r))),
                    "create",
                ),
            },
        )
        self._resource("products/attributes", ATTRIBUTE_SCHEMA, terms, "attribute", paged=False)
        self._resource(
            "products/attributes/{attribute_id}/terms", TERM_SCHEMA, terms, "attribute_term", parent="attribute_id"
        )
        for taxonomy in (CATEGORIES, TAGS, BRANDS):
            self._resource(taxonomy.path, TERM_SCHEMA, terms, "term", bound=(taxonomy,))

    def _orders(self, orders: Orders) -> None:
        self._resource("orders", ORDER_SCHEMA, orders, "order")
        # Notes are listed whole (no paging), like WC_REST_Order_Notes_Controller.
        self._add(
            "orders/{order_id}/notes",
            {
                "list": (
                    ("GET",),
                    lambda r, i: ApiResult(200, orders.extras.list_notes(i["order_id"], r.params)),
                    "list",
                ),
                "create": (
                    ("POST",),
                    lambda r, i: self._created(
                        f"orders/{i['order_id']}/notes", orders.extras.create_note(i["order_id"], _body(r))
                    ),
                    "create",
                ),
            },
        )
        self._collection(
            "orders/{order_id}/refunds",
            lambda r, i: orders.extras.list_refunds(i["order_id"], r.params),
            lambda r, i: orders.extras.create_refund(i["order_id"], _body(r)),
        )

    def _webhooks(self, webhooks: Webhooks) -> None:
        self._resource("webhooks", WEBHOOK_SCHEMA, webhooks, "webhook")

    def _created(self, collection: str, item: dict[str, Any]) -> ApiResult:
        return ApiResult(201, item, location=f"{self.api_url}/{collection}/{item['id']}")


def _batch_item(item_id: int, action: Callable[..., Any], *args: Any) -> Any:
    """Run one batch item; a failure is answered in place and the batch carries on."""
    try:
        return action(*args)
    except ApiError as exc:
        return {
            "id": item_id,
            "error": {"code": exc.code, "message": exc.message, "data": {"status": exc.status, **exc.data}},
        }
