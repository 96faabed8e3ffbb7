"""Product categories, tags, brands, global attributes and attribute terms."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from .catalog import Catalog
from .errors import ApiError
from .errors import term_invalid
from .errors import trash_not_supported
from .model import term_out
from .params import Args
from .params import FieldSpec
from .params import Page
from .params import apply_common_filters
from .params import collection_args
from .params import order_records
from .params import paginate
from .params import search_filter
from .params import validate_body
from .store import Store
from .text import slugify

Record = dict[str, Any]

TERM_ORDERBY = ("id", "include", "name", "slug", "term_group", "description", "count")
TERM_SORT_KEYS: dict[str, Callable[[Record], Any]] = {
    "id": itemgetter("id"),
    "name": lambda r: (r["name"].casefold(), r["id"]),
    "slug": itemgetter("slug"),
    "term_group": itemgetter("id"),
    "description": itemgetter("description"),
    "count": itemgetter("count", "id"),
}
HIERARCHICAL_FIELDS = ("id", "name", "slug", "parent", "description", "display", "image", "menu_order", "count")
TAG_FIELDS = ("id", "name", "slug", "description", "count")
ATTRIBUTE_TERM_FIELDS = ("id", "name", "slug", "description", "menu_order", "count")

TERM_SCHEMA: dict[str, FieldSpec] = {
    "name": "string",
    "slug": "string",
    "parent": "integer",
    "description": "string",
    "display": ("enum", ("default", "products", "subcategories", "both")),
    "image": "object|null",
    "menu_order": "integer",
}
ATTRIBUTE_SCHEMA: dict[str, FieldSpec] = {
    "name": "string",
    "slug": "string",
    "type": ("enum", ("select",)),
    "order_by": ("enum", ("menu_order", "name", "name_num", "id")),
    "has_archives": "boolean",
}


@dataclass(frozen=True)
class Taxonomy:
    """A term collection: the product field it fills (``product_key``) and its REST path."""

    product_key: str
    path: str
    hierarchical: bool


CATEGORIES = Taxonomy("categories", "products/categories", True)
TAGS = Taxonomy("tags", "products/tags", False)
BRANDS = Taxonomy("brands", "products/brands", True)


@dataclass
class _TermSet:
    """One addressable set of terms: a taxonomy, or the terms of one global attribute."""

    table: dict[int, Record]
    ids: list[int]
    collection: str
    fields: tuple[str, ...]
    hierarchical: bool
    attribute_id: int = 0


def missing_params(*names: str) -> ApiError:
    return ApiError(400, "rest_missing_callback_param", f"Missing parameter(s): {', '.join(names)}", params=list(names))


class Taxonomies:
    """Term endpoints; renames and deletions propagate into product records like term joins do."""

    def __init__(self, store: Store, catalog: Catalog) -> None:
        self.s = store
        self.catalog = catalog

    def table(self, taxonomy: Taxonomy) -> dict[int, Record]:
        return {"categories": self.s.categories, "tags": self.s.tags, "brands": self.s.brands}[taxonomy.product_key]

    # --- categories, tags, brands ------------------------------------------------------

    def list_terms(self, taxonomy: Taxonomy, params: dict[str, Any]) -> Page:
        return self._list(self._taxonomy_set(taxonomy), params)

    def get_term(self, taxonomy: Taxonomy, term_id: int) -> Record:
        with self.s.lock:
            return self._out(self._taxonomy_set(taxonomy), self._term(self._taxonomy_set(taxonomy), term_id))

    def create_term(self, taxonomy: Taxonomy, body: dict[str, Any]) -> Record:
        return self._create(lambda: self._taxonomy_set(taxonomy), body)

    def update_term(self, taxonomy: Taxonomy, term_id: int, body: dict[str, Any]) -> Record:
        return self._update(lambda: self._taxonomy_set(taxonomy), term_id, body, taxonomy.product_key)

    def delete_term(self, taxonomy: Taxonomy, term_id: int, force: bool) -> Record:
        return self._delete(lambda: self._taxonomy_set(taxonomy), term_id, force, taxonomy.product_key)

    # --- global attributes -------------------------------------------------------------

    def list_attributes(self) -> list[Record]:
        with self.s.lock:
            return [self._attribute_out(a) for a in self.s.attributes.values()]

    def get_attribute(self, attribute_id: int) -> Record:
        with self.s.lock:
            return self._attribute_out(self._attribute(attribute_id))

    def create_attribute(self, body: dict[str, Any]) -> Record:
        fields = validate_body(body, ATTRIBUTE_SCHEMA, self.s.clock)
        if not fields.get("name"):
            raise missing_params("name")
        with self.s.tx():
            rec = {
                "id": self.s.next_id("attribute"),
                "name": fields["name"],
                "slug": "",
                "type": fields.get("type", "select"),
                "order_by": fields.get("order_by", "menu_order"),
                "has_archives": fields.get("has_archives", False),
            }
            rec["slug"] = self._attribute_slug(fields.get("slug") or fields["name"], rec["id"])
            self.s.attributes[rec["id"]] = rec
            return self._attribute_out(rec)

    def update_attribute(self, attribute_id: int, body: dict[str, Any]) -> Record:
        fields = validate_body(body, ATTRIBUTE_SCHEMA, self.s.clock)
        with self.s.tx():
            rec = dict(self._attribute(attribute_id))
            for key in ("name", "type", "order_by", "has_archives"):
                if key in fields:
                    rec[key] = fields[key]
            if "slug" in fields:
                rec["slug"] = self._attribute_slug(fields["slug"], attribute_id)
            self.s.attributes[attribute_id] = rec
            self._rename_attribute(attribute_id, rec["name"])
            return self._attribute_out(rec)

    def delete_attribute(self, attribute_id: int, force: bool) -> Record:
        with self.s.tx():
            rec = self._attribute(attribute_id)
            if not force:
                raise trash_not_supported()
            out = self._attribute_out(rec)
            for term_id in [t for t, a in self.s.term_attribute.items() if a == attribute_id]:
                del self.s.terms[term_id]
                del self.s.term_attribute[term_id]
            self.s.bump("terms")
            del self.s.attributes[attribute_id]
            self._rename_attribute(attribute_id, None)
            return out

    # --- attribute terms ---------------------------------------------------------------

    def list_attribute_terms(self, attribute_id: int, params: dict[str, Any]) -> Page:
        with self.s.lock:
            term_set = self._attribute_set(attribute_id)
        return self._list(term_set, params)

    def get_attribute_term(self, attribute_id: int, term_id: int) -> Record:
        with self.s.lock:
            term_set = self._attribute_set(attribute_id)
            return self._out(term_set, self._term(term_set, term_id))

    def create_attribute_term(self, attribute_id: int, body: dict[str, Any]) -> Record:
        return self._create(lambda: self._attribute_set(attribute_id), body)

    def update_attribute_term(self, attribute_id: int, term_id: int, body: dict[str, Any]) -> Record:
        return self._update(lambda: self._attribute_set(attribute_id), term_id, body, None)

    def delete_attribute_term(self, attribute_id: int, term_id: int, force: bool) -> Record:
        return self._delete(lambda: self._attribute_set(attribute_id), term_id, force, None)

    # --- shared term logic -------------------------------------------------------------

    def _taxonomy_set(self, taxonomy: Taxonomy) -> _TermSet:
        table = self.table(taxonomy)
        fields = HIERARCHICAL_FIELDS if taxonomy.hierarchical else TAG_FIELDS
        return _TermSet(table, list(table), f"{self.s.api}/{taxonomy.path}", fields, taxonomy.hierarchical)

    def _attribute_set(self, attribute_id: int) -> _TermSet:
        if attribute_id not in self.s.attributes:
            raise ApiError(404, "woocommerce_rest_taxonomy_invalid", "Taxonomy does not exist.")
        ids = [t for t, a in self.s.term_attribute.items() if a == attribute_id]
        collection = f"{self.s.api}/products/attributes/{attribute_id}/terms"
        return _TermSet(self.s.terms, ids, collection, ATTRIBUTE_TERM_FIELDS, False, attribute_id)

    def _attribute(self, attribute_id: int) -> Record:
        rec = self.s.attributes.get(attribute_id)
        if rec is None:
            raise ApiError(404, "woocommerce_rest_attribute_invalid", "Resource does not exist.")
        return rec

    def _attribute_out(self, rec: Record) -> Record:
        return term_out(rec, f"{self.s.api}/products/attributes")

    def _attribute_slug(self, wanted: str, attribute_id: int) -> str:
        slug = "pa_" + slugify(wanted.removeprefix("pa_"))[:28]
        if any(a["slug"] == slug and a["id"] != attribute_id for a in self.s.attributes.values()):
            raise ApiError(
                400,
                "woocommerce_rest_cannot_create",
                f'Slug "{slug.removeprefix("pa_")}" is already in use. Change it, please.',
            )
        return slug

    def _term(self, term_set: _TermSet, term_id: int) -> Record:
        if term_id not in term_set.ids:
            raise term_invalid()
        return term_set.table[term_id]

    def _out(self, term_set: _TermSet, rec: Record) -> Record:
        out = term_out(rec, term_set.collection)
        out["count"] = self.s.term_counts()[rec["id"]]
        return out

    def _list(self, term_set: _TermSet, params: dict[str, Any]) -> Page:
        args = Args(params, self.s.clock)
        coll = collection_args(args, TERM_ORDERBY, default_orderby="name", default_order="asc", dated=False)
        hide_empty = args.boolean("hide_empty")
        parent = args.integer("parent") if term_set.hierarchical and args.has("parent") else None
        product = args.integer("product") if args.has("product") else None
        slugs = set(args.strings("slug"))
        args.check()
        with self.s.lock:
            counts = self.s.term_counts()
            records = [dict(term_set.table[t], count=counts[t]) for t in term_set.ids]
            records = apply_common_filters(records, coll)
            if coll.search:
                records = search_filter(records, coll.search, ("name", "slug", "description"))
            if hide_empty:
                records = [r for r in records if r["count"]]
            if parent is not None:
                records = [r for r in records if r["parent"] == parent]
            if slugs:
                records = [r for r in records if r["slug"] in slugs]
            if product is not None:
                records = [r for r in records if r["id"] in self._product_term_ids(product)]
            page = paginate(order_records(records, coll, TERM_SORT_KEYS), coll)
            page.items = [term_out(r, term_set.collection) for r in page.items]
        return page

    def _product_term_ids(self, product_id: int) -> set[int]:
        product = self.s.products.get(product_id)
        if product is None:
            return set()
        ids = {ref["id"] for key in ("categories", "tags", "brands") for ref in product[key]}
        for attribute in product["attributes"]:
            for option in attribute["options"]:
                term = self.catalog.find_term(attribute["id"], option) if attribute["id"] else None
                if term:
                    ids.add(term["id"])
        return ids

    def _create(self, term_set_of: Callable[[], _TermSet], body: dict[str, Any]) -> Record:
        fields = validate_body(body, TERM_SCHEMA, self.s.clock)
        if not fields.get("name"):
            raise missing_params("name")
        with self.s.tx():
            term_set = term_set_of()
            parent = self._valid_parent(term_set, fields.get("parent", 0), 0)
            name = fields["name"].strip()
            siblings = [term_set.table[t] for t in term_set.ids]
            for other in siblings:
                if other["name"].casefold() == name.casefold() and (
                    not term_set.hierarchical or other["parent"] == parent
                ):
                    message = (
                        "A term with the name provided already exists with this parent."
                        if term_set.hierarchical
                        else "A term with the name provided already exists in this taxonomy."
                    )
                    raise ApiError(400, "term_exists", message, resource_id=other["id"])
            term_id = self.s.next_id("term")
            slug = self._term_slug(siblings, fields.get("slug") or name, bool(fields.get("slug")), term_id)
            rec = {
                "id": term_id,
                "name": name,
                "slug": slug,
                "parent": parent,
                "description": fields.get("description", ""),
                "display": fields.get("display", "default"),
                "image": self._term_image(fields.get("image")),
                "menu_order": fields.get("menu_order", 0),
                "count": 0,
            }
            term_set.table[term_id] = {key: rec[key] for key in term_set.fields}
            if term_set.attribute_id:
                self.s.term_attribute[term_id] = term_set.attribute_id
                self.s.bump("terms")
            return self._out(term_set, term_set.table[term_id])

    def _update(
        self, term_set_of: Callable[[], _TermSet], term_id: int, body: dict[str, Any], product_key: str | None
    ) -> Record:
        fields = validate_body(body, TERM_SCHEMA, self.s.clock)
        with self.s.tx():
            term_set = term_set_of()
            old = self._term(term_set, term_id)
            rec = dict(old)
            for key in ("name", "description", "display", "menu_order"):
                if key in fields and key in rec:
                    rec[key] = fields[key].strip() if key == "name" else fields[key]
            if "slug" in fields:
                siblings = [term_set.table[t] for t in term_set.ids if t != term_id]
                rec["slug"] = self._term_slug(siblings, fields["slug"], True, term_id)
            if "parent" in fields and term_set.hierarchical:
                rec["parent"] = self._valid_parent(term_set, fields["parent"], term_id)
            if "image" in fields and "image" in rec:
                rec["image"] = self._term_image(fields["image"])
            term_set.table[term_id] = rec
            self.s.bump("terms")
            if (rec["name"], rec["slug"]) != (old["name"], old["slug"]):
                self._propagate(term_set, product_key, old, rec)
            return self._out(term_set, rec)

    def _delete(
        self, term_set_of: Callable[[], _TermSet], term_id: int, force: bool, product_key: str | None
    ) -> Record:
        with self.s.tx():
            term_set = term_set_of()
            rec = self._term(term_set, term_id)
            if not force:
                raise trash_not_supported()
            out = self._out(term_set, rec)
            if term_set.hierarchical:
                # wp_delete_term() hands the children to the deleted term's parent.
                for child_id in term_set.ids:
                    child = term_set.table[child_id]
                    if child["parent"] == term_id:
                        term_set.table[child_id] = dict(child, parent=rec["parent"])
            del term_set.table[term_id]
            self.s.term_attribute.pop(term_id, None)
            self.s.bump("terms")
            self._propagate(term_set, product_key, rec, None)
            return out

    def _valid_parent(self, term_set: _TermSet, parent: int | None, term_id: int) -> int:
        parent = parent or 0
        if not term_set.hierarchical or not parent:
            return 0
        ancestor = parent
        while ancestor:
            if ancestor == term_id or ancestor not in term_set.ids:
                raise ApiError(400, "woocommerce_rest_term_invalid", "Parent resource doesn't exist.")
            ancestor = term_set.table[ancestor]["parent"]
        return parent

    def _term_slug(self, siblings: list[Record], wanted: str, explicit: bool, term_id: int) -> str:
        slug = slugify(wanted) or str(term_id)
        taken = {s["slug"] for s in siblings if s["id"] != term_id}
        if slug not in taken:
            return slug
        if explicit:
            raise ApiError(
                400, "duplicate_term_slug", f"The slug \u201c{slug}\u201d is already in use by another term."
            )
        suffix = 2
        while f"{slug}-{suffix}" in taken:
            suffix += 1
        return f"{slug}-{suffix}"

    def _term_image(self, value: Any) -> Any:
        # Terms without an image answer an empty array (PHP's array()), as in the samples.
        if not value:
            return []
        return self.catalog.image_from(value, self.s.clock.stamp())

    # --- propagation into products -----------------------------------------------------

    def _propagate(self, term_set: _TermSet, product_key: str | None, old: Record, new: Record | None) -> None:
        """Products show term names through a join, so renames/deletes rewrite the embedded copies.

        date_modified stays untouched: editing a term does not save the products.
        """
        if product_key is not None:
            ref = {"id": new["id"], "name": new["name"], "slug": new["slug"]} if new else None
            for product_id, product in list(self.s.products.items()):
                refs = product[product_key]
                if any(r["id"] == old["id"] for r in refs):
                    updated = [ref if r["id"] == old["id"] else r for r in refs]
                    self.s.products[product_id] = dict(product, **{product_key: [r for r in updated if r]})
            self.s.bump("products")
            return
        attribute_id = term_set.attribute_id
        new_name = new["name"] if new else None
        for product_id, product in list(self.s.products.items()):
            if not any(a["id"] == attribute_id for a in product["attributes"]):
                continue
            attributes = []
            for attribute in product["attributes"]:
                if attribute["id"] == attribute_id:
                    options = [new_name if o == old["name"] else o for o in attribute["options"]]
                    attribute = dict(attribute, options=[o for o in options if o is not None])
                attributes.append(attribute)
            defaults = [
                dict(d, option=new["slug"]) if new and d["id"] == attribute_id and d["option"] == old["slug"] else d
                for d in product["default_attributes"]
                if new or not (d["id"] == attribute_id and d["option"] == old["slug"])
            ]
            self.s.products[product_id] = dict(product, attributes=attributes, default_attributes=defaults)
        if new:
            for variation_id, variation in list(self.s.variations.items()):
                if any(a["id"] == attribute_id and a["option"] == old["name"] for a in variation["attributes"]):
                    attributes = [
                        dict(a, option=new_name) if a["id"] == attribute_id and a["option"] == old["name"] else a
                        for a in variation["attributes"]
                    ]
                    self.s.variations[variation_id] = dict(variation, attributes=attributes)
        self.s.bump("products")

    def _rename_attribute(self, attribute_id: int, name: str | None) -> None:
        """Embedded attribute names follow the global attribute; ``None`` removes it (deleted)."""

        def rewrite(items: list[Record]) -> list[Record]:
            if name is None:
                return [a for a in items if a["id"] != attribute_id]
            return [dict(a, name=name) if a["id"] == attribute_id else a for a in items]

        for product_id, product in list(self.s.products.items()):
            if any(a["id"] == attribute_id for a in product["attributes"]):
                self.s.products[product_id] = dict(
                    product,
                    attributes=rewrite(product["attributes"]),
                    default_attributes=rewrite(product["default_attributes"]),
                )
        for variation_id, variation in list(self.s.variations.items()):
            if any(a["id"] == attribute_id for a in variation["attributes"]):
                self.s.variations[variation_id] = dict(variation, attributes=rewrite(variation["attributes"]))
        self.s.bump("products")
