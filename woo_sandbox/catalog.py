"""Products and variations: queries, writes and the webhook events those writes fire."""

from __future__ import annotations

import threading
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from functools import partial
from operator import itemgetter
from typing import Any

from .catalog_schema import POST_ORDERBY
from .catalog_schema import PRODUCT_ORDERBY
from .catalog_schema import PRODUCT_SCHEMA
from .catalog_schema import PRODUCT_SORT_KEYS
from .catalog_schema import PRODUCT_STATUS_FILTER
from .catalog_schema import VARIATION_SCHEMA
from .catalog_schema import VARIATION_SORT_KEYS
from .catalog_schema import VARIATION_STATUS_FILTER
from .errors import ApiError
from .errors import already_trashed
from .errors import invalid_id
from .media import attachment_from
from .model import PRODUCT_TYPES
from .model import STOCK_STATUSES
from .model import blank_product
from .model import blank_variation
from .model import derive_priced
from .model import derive_product
from .model import product_links
from .model import product_out
from .model import variation_as_product
from .model import variation_links
from .model import variation_out
from .model import variation_permalink
from .params import Args
from .params import Collection
from .params import Page
from .params import StatusFilter
from .params import apply_common_filters
from .params import as_list
from .params import collection_args
from .params import order_records
from .params import paginate
from .params import parse_bool
from .params import parse_int
from .params import search_filter
from .params import validate_body
from .store import Store
from .text import slugify
from .text import to_decimal

Record = dict[str, Any]


class Catalog:
    """Product and variation endpoints over a :class:`Store`."""

    def __init__(self, store: Store) -> None:
        self.s = store
        self.local = threading.local()  # ``no_downloads``: set around the test helpers' writes

    # --- reads ---------------------------------------------------------------------------

    def list_products(self, params: dict[str, Any]) -> Page:
        args = Args(params, self.s.clock)
        coll = collection_args(args, PRODUCT_ORDERBY)
        where = _status_filter(args.enum("status", PRODUCT_STATUS_FILTER, "any"))
        product_type = args.enum("type", PRODUCT_TYPES, "") if args.has("type") else ""
        skus = set(args.strings("sku"))
        slugs = set(args.strings("slug"))
        featured = args.boolean("featured") if args.has("featured") else None
        on_sale = args.boolean("on_sale") if args.has("on_sale") else None
        stock_status = args.enum("stock_status", STOCK_STATUSES, "") if args.has("stock_status") else ""
        parents = args.ids("parent")
        category_ids, tag_ids, brand_ids = args.ids("category"), args.ids("tag"), args.ids("brand")
        args.check()

        with self.s.lock:
            if skus:
                # WooCommerce widens the query to variations when filtering by SKU.
                matches = [r for r in self.s.products.values() if r["sku"] in skus] + [
                    variation_as_product(v, self.s.products[self.s.variation_parent[v["id"]]], self.s.api)
                    for v in self.s.variations.values()
                    if v["sku"] in skus
                ]
                records = order_records(matches, coll, PRODUCT_SORT_KEYS, where=where)
            else:
                records = order_records(
                    self.s.products.values(),
                    coll,
                    PRODUCT_SORT_KEYS,
                    cached=lambda name, key, where: self.s.sorted_values("products", name, key, where),
                    where=where,
                )
            records = apply_common_filters(records, coll)
            if coll.search:
                records = search_filter(records, coll.search, ("name", "sku"))
            if product_type:
                records = [r for r in records if r["type"] == product_type]
            if slugs:
                records = [r for r in records if r["slug"] in slugs]
            if featured is not None:
                records = [r for r in records if r["featured"] is featured]
            if on_sale is not None:
                records = [r for r in records if r["on_sale"] is on_sale]
            if stock_status:
                records = [r for r in records if r["stock_status"] == stock_status]
            if parents:
                wanted = set(parents)
                records = [r for r in records if r["parent_id"] in wanted]
            # tax_query includes child terms of hierarchical taxonomies (categories, brands).
            for key, table, ids in (
                ("categories", self.s.categories, category_ids),
                ("tags", self.s.tags, tag_ids),
                ("brands", self.s.brands, brand_ids),
            ):
                if ids:
                    wanted = descendants(table, ids)
                    records = [r for r in records if any(ref["id"] in wanted for ref in r[key])]
            page = paginate(records, coll)
            if skus:
                page.items = [r if "_links" in r else product_out(r, self.s.api) for r in page.items]
            else:
                self.s.item_cache.page("product", page, {"_links": partial(product_links, api=self.s.api)})
        return page

    def get_product(self, product_id: int) -> Record:
        """A product; a variation id answers the variation in product shape, as WooCommerce does."""
        with self.s.lock:
            product = self.s.products.get(product_id)
            if product is not None:
                return product_out(product, self.s.api)
            variation = self.s.variations.get(product_id)
            if variation is not None:
                parent = self.s.products[self.s.variation_parent[product_id]]
                return variation_as_product(variation, parent, self.s.api)
        raise invalid_id("product")

    def _variations_query(self, params: dict[str, Any]) -> Callable[[list[Record]], Page]:
        """The variations collection's parameters, checked (a 400 before the lock is taken); the
        answer filters and pages a list of variation records by them."""
        args = Args(params, self.s.clock)
        coll = collection_args(args, POST_ORDERBY)
        where = _status_filter(args.enum("status", VARIATION_STATUS_FILTER, "any"))
        skus = set(args.strings("sku"))
        args.check()
        return partial(_variations_page, coll=coll, where=where, skus=skus)

    def list_variations(self, product_id: int, params: dict[str, Any]) -> Page:
        page_of = self._variations_query(params)
        with self.s.lock:
            records = [self.s.variations[v] for v in self.s.children.get(product_id, [])]
            page = page_of(records)
            self.s.item_cache.page(
                "variation", page, {"_links": partial(variation_links, parent_id=product_id, api=self.s.api)}
            )
        return page

    def list_all_variations(self, params: dict[str, Any]) -> Page:
        """``GET /variations`` (WooCommerce 10.3+): every variation of the shop, whatever its
        parent, with the per-product collection's parameters; each item names its ``parent_id``."""
        page_of = self._variations_query(params)
        with self.s.lock:
            page = page_of(
                self.s.variations.values(),
                cached=lambda name, key, where: self.s.sorted_values("variations", name, key, where),
            )
            # Read under the lock: the answer is encoded after it is released.
            parent_of = {rec["id"]: self.s.variation_parent[rec["id"]] for rec in page.items}
            self.s.item_cache.page(
                "store-wide variation",
                page,
                {
                    "_links": lambda rec: variation_links(rec, parent_of[rec["id"]], self.s.api),
                    "parent_id": lambda rec: parent_of[rec["id"]],
                },
            )
        return page

    def get_variation(self, product_id: int, variation_id: int) -> Record:
        with self.s.lock:
            return variation_out(self._variation(product_id, variation_id), product_id, self.s.api)

    # --- product writes --------------------------------------------------------------

    def create_product(self, body: dict[str, Any]) -> Record:
        if body.get("id"):
            raise ApiError(400, "woocommerce_rest_product_exists", "Cannot create existing product.")
        fields = validate_body(body, PRODUCT_SCHEMA, self.s.clock)
        with self.s.tx():
            created = self.s.clock.stamp()
            rec = blank_product(self.s.next_id("post"), created)
            rec["name"] = "Product"
            self._apply_product(rec, fields, created)
            if not rec["categories"] and self.s.categories:
                rec["categories"] = self._term_refs(self.s.categories, [min(self.s.categories)])
            self._store_product(None, rec)
            self.s.children[rec["id"]] = []
            self.s.emit("product.created", rec["id"])
            return product_out(rec, self.s.api)

    def update_product(self, product_id: int, body: dict[str, Any]) -> Record:
        fields = validate_body(body, PRODUCT_SCHEMA, self.s.clock)
        with self.s.tx():
            old = self.s.products.get(product_id)
            if old is None:
                raise invalid_id("product", 400)
            rec = dict(old)
            rec["date_modified"], rec["date_modified_gmt"] = stamp = self.s.clock.stamp(old["date_modified_gmt"])
            self._apply_product(rec, fields, stamp)
            if old["status"] == "trash" and rec["status"] != "trash":
                # A REST status change is a plain save: no untrash, so variations stay trashed
                # and no product.restored fires (woocommerce/woocommerce#62833).
                self.s.trashed_status.pop(product_id, None)
            self._store_product(old, rec)
            self.s.emit("product.updated", product_id)
            return product_out(rec, self.s.api)

    def delete_product(self, product_id: int, force: bool = False) -> Record:
        with self.s.tx():
            rec = self.s.products.get(product_id)
            if rec is None:
                raise invalid_id("product")
            # WooCommerce answers with the object as it was before the deletion.
            out = product_out(rec, self.s.api)
            if force:
                for variation_id in self.s.children.pop(product_id, []):
                    self._forget_variation(variation_id)
                del self.s.products[product_id]
                self.s.reindex_sku(rec, None)
                self.s.product_slugs.discard(rec["slug"])
                self.s.trashed_status.pop(product_id, None)
                self.s.bump("products")
                return out
            if rec["status"] == "trash":
                raise already_trashed("product")
            self._set_status(product_id, "trash")
            self.s.emit("product.deleted", product_id)
            return out

    def restore_product(self, product_id: int) -> Record:
        """Untrash like wp_untrash_post(): previous statuses come back, product.restored fires."""
        with self.s.tx():
            rec = self.s.products.get(product_id)
            if rec is None:
                raise invalid_id("product")
            if rec["status"] != "trash":
                return product_out(rec, self.s.api)
            self._set_status(product_id, self.s.trashed_status.pop(product_id, "draft"))
            self.s.emit("product.restored", product_id)
            return product_out(self.s.products[product_id], self.s.api)

    def adjust_stock(self, item_id: int, delta: int) -> None:
        """Change a managed product's or variation's stock, as order stock reduction does."""
        with self.s.tx():
            is_variation = item_id in self.s.variations
            old = self.s.variations.get(item_id) if is_variation else self.s.products.get(item_id)
            if old is None or not old["manage_stock"]:
                return
            rec = dict(old)
            rec["stock_quantity"] = (old["stock_quantity"] or 0) + delta
            rec["date_modified"], rec["date_modified_gmt"] = self.s.clock.stamp(old["date_modified_gmt"])
            if is_variation:
                parent_id = self.s.variation_parent[item_id]
                self._derive_variation(rec, self.s.products[parent_id])
                self.s.variations[item_id] = rec
                self._refresh_parent(parent_id)
            else:
                self._store_product(old, rec)
            self.s.emit("product.updated", item_id)

    # --- variation writes ------------------------------------------------------------

    def create_variation(self, product_id: int, body: dict[str, Any]) -> Record:
        if body.get("id"):
            raise ApiError(
                400, "woocommerce_rest_product_variation_exists", "Cannot create existing product_variation."
            )
        fields = validate_body(_manage_stock_parent(body), VARIATION_SCHEMA, self.s.clock)
        with self.s.tx():
            parent = self.s.products.get(product_id)
            if parent is None:
                raise invalid_id("product")
            created = self.s.clock.stamp()
            rec = blank_variation(self.s.next_id("post"), created)
            rec["menu_order"] = len(self.s.children.get(product_id, []))
            self._apply_variation(rec, fields, parent, created)
            self.s.variations[rec["id"]] = rec
            self.s.variation_parent[rec["id"]] = product_id
            self.s.children.setdefault(product_id, []).append(rec["id"])
            self.s.reindex_sku(None, rec)
            self._refresh_parent(product_id)
            self.s.emit("product.created", rec["id"])
            return variation_out(rec, product_id, self.s.api)

    def update_variation(self, product_id: int, variation_id: int, body: dict[str, Any]) -> Record:
        fields = validate_body(_manage_stock_parent(body), VARIATION_SCHEMA, self.s.clock)
        with self.s.tx():
            old = self.s.variations.get(variation_id)
            if old is None:
                raise invalid_id("product_variation", 400)
            if self.s.variation_parent[variation_id] != product_id:
                raise ApiError(401, "woocommerce_rest_cannot_edit", "Parent product does not match current variation.")
            rec = dict(old)
            rec["date_modified"], rec["date_modified_gmt"] = stamp = self.s.clock.stamp(old["date_modified_gmt"])
            self._apply_variation(rec, fields, self.s.products[product_id], stamp)
            self.s.variations[variation_id] = rec
            self.s.reindex_sku(old, rec)
            self._refresh_parent(product_id)
            self.s.emit("product.updated", variation_id)
            return variation_out(rec, product_id, self.s.api)

    def delete_variation(self, product_id: int, variation_id: int, force: bool = False) -> Record:
        with self.s.tx():
            rec = self._variation(product_id, variation_id)
            out = variation_out(rec, product_id, self.s.api)
            if force:
                self.s.children[product_id].remove(variation_id)
                self._forget_variation(variation_id)
            else:
                if rec["status"] == "trash":
                    raise already_trashed("product_variation")
                self._set_variation_status(variation_id, "trash")
                self.s.emit("product.deleted", variation_id)
            self._refresh_parent(product_id)
            return out

    # --- internals -------------------------------------------------------------------

    def _variation(self, product_id: int, variation_id: int) -> Record:
        rec = self.s.variations.get(variation_id)
        if rec is None or self.s.variation_parent.get(variation_id) != product_id:
            raise invalid_id("product_variation")
        return rec

    def _store_product(self, old: Record | None, rec: Record) -> None:
        if old is not None:
            self.s.product_slugs.discard(old["slug"])
        self.s.product_slugs.add(rec["slug"])
        children = [self.s.variations[v] for v in self.s.children.get(rec["id"], [])]
        derive_product(rec, self.s.base_url, self.s.now_gmt(), children)
        self.s.products[rec["id"]] = rec
        self.s.reindex_sku(old, rec)
        self.s.bump("products")

    def _refresh_parent(self, product_id: int) -> None:
        """Re-derive a variable product from its variations; like WC's sync it keeps date_modified."""
        old = self.s.products.get(product_id)
        if old is None:
            return
        children = [self.s.variations[v] for v in self.s.children.get(product_id, [])]
        rec = dict(old)
        rec["variations"] = [
            c["id"]
            for c in sorted(children, key=itemgetter("menu_order", "id"))
            if c["status"] in ("publish", "private")
        ]
        derive_product(rec, self.s.base_url, self.s.now_gmt(), children)
        self.s.products[product_id] = rec
        self.s.bump("products")

    def _set_status(self, product_id: int, status: str) -> None:
        """Trash or untrash a product, cascading to its variations like WC_Post_Data does."""
        old = self.s.products[product_id]
        rec = self._status_changed(product_id, old, status)
        for variation_id in self.s.children.get(product_id, []):
            variation = self.s.variations[variation_id]
            if status == "trash" and variation["status"] != "trash":
                self._set_variation_status(variation_id, "trash")
            elif status != "trash" and variation["status"] == "trash":
                self._set_variation_status(variation_id, self.s.trashed_status.pop(variation_id, "publish"))
        self._store_product(old, rec)
        self._refresh_parent(product_id)

    def _set_variation_status(self, variation_id: int, status: str) -> None:
        old = self.s.variations[variation_id]
        rec = self._status_changed(variation_id, old, status)
        self.s.variations[variation_id] = rec
        self.s.reindex_sku(old, rec)

    def _status_changed(self, item_id: int, old: Record, status: str) -> Record:
        """A copy of ``old`` with ``status``, modified now; a trashed item remembers its status."""
        if status == "trash":
            self.s.trashed_status[item_id] = old["status"]
        rec = dict(old, status=status)
        rec["date_modified"], rec["date_modified_gmt"] = self.s.clock.stamp(old["date_modified_gmt"])
        return rec

    def _forget_variation(self, variation_id: int) -> None:
        rec = self.s.variations.pop(variation_id)
        self.s.variation_parent.pop(variation_id, None)
        self.s.trashed_status.pop(variation_id, None)
        self.s.reindex_sku(rec, None)

    def _apply_product(self, rec: Record, f: dict[str, Any], stamp: tuple[str, str]) -> None:
        for key in (
            "name",
            "type",
            "status",
            "featured",
            "catalog_visibility",
            "short_description",
            "external_url",
            "button_text",
            "sold_individually",
            "reviews_allowed",
            "purchase_note",
            "parent_id",
        ):
            if key in f:
                rec[key] = f[key]
        if "slug" in f or not rec["slug"]:
            rec["slug"] = self.s.unique_product_slug(
                slugify(f.get("slug") or rec["name"]) or str(rec["id"]), rec["slug"]
            )
        for key in ("upsell_ids", "cross_sell_ids", "grouped_products"):
            if key in f:
                rec[key] = [i for i in (parse_int(v) for v in f[key]) if i]
        for key, table in (("categories", self.s.categories), ("tags", self.s.tags), ("brands", self.s.brands)):
            if key in f:
                rec[key] = self._term_refs(table, f[key])
        if "images" in f:
            rec["images"] = [
                self.image_from(value, stamp) for value in f["images"] if isinstance(value, dict) and value
            ]
        if "attributes" in f:
            rec["attributes"] = self._product_attributes(f["attributes"])
        if "default_attributes" in f:
            rec["default_attributes"] = self._default_attributes(f["default_attributes"])
        self._apply_common(rec, f)

    def _apply_variation(self, rec: Record, f: dict[str, Any], parent: Record, stamp: tuple[str, str]) -> None:
        if "status" in f:
            rec["status"] = f["status"]
        if "image" in f:
            rec["image"] = self.image_from(f["image"], stamp) if f["image"] else None
        if "attributes" in f:
            rec["attributes"] = self._variation_attributes(f["attributes"], parent)
        self._apply_common(rec, f)
        self._derive_variation(rec, parent)

    def _apply_common(self, rec: Record, f: dict[str, Any]) -> None:
        if "sku" in f:
            sku = f["sku"].strip()
            owner = self.s.sku_owner(sku) if sku else None
            if owner is not None and owner != rec["id"]:
                raise ApiError(
                    400,
                    "product_invalid_sku",
                    "Invalid or duplicated SKU.",
                    resource_id=owner,
                    unique_sku=self._unique_sku(sku),
                )
            rec["sku"] = sku
        for key in ("regular_price", "sale_price"):
            if key in f:
                # wc_format_decimal(): garbage becomes "", valid numbers keep the client's spelling.
                rec[key] = f[key].strip() if to_decimal(f[key].strip()) is not None else ""
        for base in ("date_on_sale_from", "date_on_sale_to"):
            for key, is_gmt in ((base, False), (base + "_gmt", True)):
                if key in f:
                    ts = self.s.clock.input_date(f[key], is_gmt) if f[key] else None
                    rec[base], rec[base + "_gmt"] = self.s.clock.pair(ts) if ts is not None else (None, None)
        for key in (
            "description",
            "virtual",
            "downloadable",
            "tax_status",
            "tax_class",
            "manage_stock",
            "stock_status",
            "backorders",
            "weight",
            "shipping_class",
            "menu_order",
        ):
            if key in f:
                rec[key] = f[key]
        if "stock_quantity" in f:
            rec["stock_quantity"] = f["stock_quantity"]
        if "dimensions" in f:
            rec["dimensions"] = {
                axis: str(f["dimensions"].get(axis, rec["dimensions"][axis])) for axis in ("length", "width", "height")
            }
        if "meta_data" in f:
            rec["meta_data"] = self.merge_meta(rec["meta_data"], f["meta_data"])

    def _derive_variation(self, rec: Record, parent: Record) -> None:
        derive_priced(rec, self.s.now_gmt())
        query = []
        for attribute in rec["attributes"]:
            if attribute["id"] and attribute["id"] in self.s.attributes:
                term = self.find_term(attribute["id"], attribute["option"])
                query.append(
                    (self.s.attributes[attribute["id"]]["slug"], term["slug"] if term else slugify(attribute["option"]))
                )
            else:
                query.append((slugify(attribute["name"]), attribute["option"]))
        rec["permalink"] = variation_permalink(parent["permalink"], query)

    def _unique_sku(self, sku: str) -> str:
        suffix = 1
        while f"{sku}-{suffix}" in self.s.skus:
            suffix += 1
        return f"{sku}-{suffix}"

    def _term_refs(self, table: dict[int, Record], values: list[Any]) -> list[Record]:
        refs: dict[int, Record] = {}
        for value in values:
            term_id = parse_int(value.get("id") if isinstance(value, dict) else value) or 0
            term = table.get(term_id)
            if term is not None:
                refs.setdefault(term_id, {"id": term_id, "name": term["name"], "slug": term["slug"]})
        return list(refs.values())

    def image_from(self, value: dict[str, Any], stamp: tuple[str, str]) -> Record:
        """An image given as ``{"id"}`` (existing attachment) or ``{"src"}`` (downloaded)."""
        return attachment_from(self.s, value, stamp, downloads=not getattr(self.local, "no_downloads", False))

    def find_term(self, attribute_id: int, option: str) -> Record | None:
        return self.s.attribute_term(attribute_id, option)

    def _ensure_term(self, attribute_id: int, option: str) -> Record:
        """Setting an unknown option on a global attribute creates the term (wp_set_object_terms)."""
        term = self.find_term(attribute_id, option)
        if term is None:
            term_id = self.s.next_id("term")
            term = {
                "id": term_id,
                "name": option,
                "slug": slugify(option) or str(term_id),
                "description": "",
                "menu_order": 0,
                "count": 0,
            }
            self.s.terms[term_id] = term
            self.s.term_attribute[term_id] = attribute_id
            self.s.bump("terms")
        return term

    def _product_attributes(self, values: list[Any]) -> list[Record]:
        attributes = []
        for value, attribute_id in _attribute_entries(values):
            options = [str(o).strip() for o in as_list(value.get("options", []))]
            if attribute_id:
                if attribute_id not in self.s.attributes:
                    continue
                name = self.s.attributes[attribute_id]["name"]
                options = [self._ensure_term(attribute_id, o)["name"] for o in options]
            else:
                name = str(value.get("name", "")).strip()
                if not name:
                    continue
            attributes.append(
                {
                    "id": attribute_id,
                    "name": name,
                    "position": parse_int(value.get("position", 0)) or 0,
                    "visible": bool(parse_bool(value.get("visible", False))),
                    "variation": bool(parse_bool(value.get("variation", False))),
                    "options": options,
                }
            )
        return attributes

    def _default_attributes(self, values: list[Any]) -> list[Record]:
        defaults = []
        for value, attribute_id in _attribute_entries(values):
            option = str(value.get("option", ""))
            if attribute_id in self.s.attributes:
                term = self.find_term(attribute_id, option)
                # Taxonomy defaults are answered as term slugs, unlike variation attributes.
                defaults.append(
                    {
                        "id": attribute_id,
                        "name": self.s.attributes[attribute_id]["name"],
                        "option": term["slug"] if term else slugify(option),
                    }
                )
            elif not attribute_id and value.get("name"):
                defaults.append({"id": 0, "name": str(value["name"]), "option": option})
        return defaults

    def _variation_attributes(self, values: list[Any], parent: Record) -> list[Record]:
        """Only attributes the parent uses for variations are kept, matched by id or name."""
        usable = {
            (a["id"], a["name"].casefold() if not a["id"] else ""): a for a in parent["attributes"] if a["variation"]
        }
        chosen = []
        for value, attribute_id in _attribute_entries(values):
            key = (attribute_id, "" if attribute_id else str(value.get("name", "")).casefold())
            if key not in usable:
                continue
            option = str(value.get("option", ""))
            if attribute_id:
                term = self.find_term(attribute_id, option)
                option = term["name"] if term else option
            chosen.append({"id": attribute_id, "name": usable[key]["name"], "option": option})
        return chosen

    def merge_meta(self, existing: list[Record], updates: list[Any]) -> list[Record]:
        """update_meta_data(): match by meta id, then by key; unknown keys are appended."""
        merged = [dict(m) for m in existing]
        for update in updates:
            if not isinstance(update, dict) or "key" not in update:
                continue
            meta_id = parse_int(update.get("id")) or 0
            target = next((m for m in merged if meta_id and m["id"] == meta_id), None) or next(
                (m for m in merged if m["key"] == update["key"]), None
            )
            if target is None:
                merged.append({"id": self.s.next_id("meta"), "key": str(update["key"]), "value": update.get("value")})
            else:
                target.update(key=str(update["key"]), value=update.get("value"))
        return merged


def _manage_stock_parent(body: dict[str, Any]) -> dict[str, Any]:
    # Variations accept manage_stock="parent", meaning "not managed here".
    return {**body, "manage_stock": False} if body.get("manage_stock") == "parent" else body


def _attribute_entries(values: list[Any]) -> Iterator[tuple[dict[str, Any], int]]:
    """The objects of an attributes list with their attribute id (0: a custom attribute)."""
    for value in values:
        if isinstance(value, dict):
            yield value, parse_int(value.get("id")) or 0


def descendants(table: dict[int, Record], ids: list[int]) -> set[int]:
    """The given term ids plus all their descendants (include_children of a tax_query)."""
    found = set(ids)
    frontier = set(ids)
    while frontier:
        frontier = {t for t, term in table.items() if term.get("parent") in frontier} - found
        found |= frontier
    return found


def _variations_page(
    records: Iterable[Record],
    coll: Collection,
    where: StatusFilter,
    skus: set[str],
    cached: Callable[[str, Callable[[Record], Any], StatusFilter | None], list[Record]] | None = None,
) -> Page:
    """The variations collection's filters (status, include, dates, search, sku) and paging;
    ``cached`` as for :func:`order_records`."""
    records = apply_common_filters(order_records(records, coll, VARIATION_SORT_KEYS, cached=cached, where=where), coll)
    if coll.search:
        records = search_filter(records, coll.search, ("sku", "description"))
    if skus:
        records = [r for r in records if r["sku"] in skus]
    return paginate(records, coll)


def _status_filter(status: str) -> StatusFilter:
    """``status=any`` is everything but the trash; any other status is that status only."""
    if status == "any":
        return StatusFilter(but="trash")
    return StatusFilter(only=frozenset((status,)))
