"""The taxonomy steps of a pull: categories, tags, brands, global attributes and their terms.

Each taxonomy is small (a few thousand terms at most): its pages are read whole, then written in
one transaction with what the complete listing no longer holds removed. Categories are written
parents first (by depth), and a parent written after its child is linked at the end. Brands are
skipped on a WooCommerce without the endpoint (before 9.4, no Brands plugin). The terms of the
global attributes are asked for all attributes concurrently.
"""

from __future__ import annotations

from django.db import transaction

from sync import upsert
from sync import woo
from sync.mappers import MappingError
from sync.mappers.attributes import attribute_fields
from sync.mappers.attributes import attribute_term_fields
from sync.mappers.brands import brand_fields
from sync.mappers.categories import category_depths
from sync.mappers.categories import category_fields
from sync.mappers.tags import tag_fields
from sync.models import EntityType
from sync.pull_variations import FATAL_ERRORS
from sync.records import ItemError
from sync.woo import WooError
from sync.woo import WooNotWooCommerceError
from sync.writer import EntityStats


class TaxonomySteps:
    """Mixed into the puller: ``_listing``/``_progress``/``_errors``/``_item_error``/
    ``_row_error_handler``/``_resolve``/``_delete_missing``, ``client`` and ``store_id`` come from
    the run."""

    def _fetch_taxonomy(
        self, entity: str, entity_type: str, stats: EntityStats, taxonomy: woo.Taxonomy, mapper, table_name: str
    ) -> tuple[list[dict], bool]:
        """Every term, and whether they are all here (what else ``table_name`` holds is gone)."""
        rows, errors = [], []

        def read(pages, listing: str) -> None:
            for items in self._listing(entity, stats, pages, listing=listing):
                for item in items:
                    try:
                        rows.append({**mapper(item), "store_id": self.store_id})
                    except MappingError as exc:
                        errors.append(self._item_error(stats, entity_type, item, exc))
                self._progress(entity, done=len(rows))

        read(woo.terms_pages(self.client, taxonomy=taxonomy, errors="yield"), str(taxonomy))
        if stats.complete and not errors:
            # Asked for by id before they are removed: a term deleted while the listing was read
            # moved the later ones up a place, past a page's edge (WooCommerce pages by offset).
            unlisted = self.unlisted(table_name, {row["woo_id"] for row in rows})
            for chunk in upsert.chunked(unlisted, woo.MAX_PER_PAGE):
                read(
                    woo.terms_pages(self.client, taxonomy=taxonomy, include=chunk, errors="yield"),
                    f"{taxonomy}:unlisted",
                )
        self._errors(errors)
        return rows, stats.complete and not errors

    def pull_categories(self, stats: EntityStats) -> None:
        rows, complete = self._fetch_taxonomy(
            "categories", EntityType.CATEGORY, stats, woo.Taxonomy.CATEGORY, category_fields, "store_categories"
        )
        with transaction.atomic():
            if complete:
                stats.deleted += self._delete_missing(
                    "store_categories", [r["woo_id"] for r in rows], (EntityType.CATEGORY,)
                )
            depths = category_depths(rows)
            errors: list[ItemError] = []
            handler = self._row_error_handler(stats, EntityType.CATEGORY, errors)
            for depth in sorted(set(depths.values())):
                level = [row for row in rows if depths[row["woo_id"]] == depth]
                stats.add(upsert.upsert(upsert.CATEGORIES, level, on_row_error=handler))
            # A parent written after its child (cycle, or a parent that failed) is linked here.
            stats.updated += upsert.execute(
                "UPDATE store_categories c SET parent_id = p.id, updated_at = now() FROM store_categories p "
                "WHERE c.store_id = %s AND p.store_id = c.store_id AND p.woo_id = c.parent_woo_id "
                "AND c.parent_id IS DISTINCT FROM p.id",
                [self.store_id],
            )
        self._errors(errors)
        self._resolve(EntityType.CATEGORY, [r["woo_id"] for r in rows])

    def pull_tags(self, stats: EntityStats) -> None:
        self._simple_taxonomy("tags", EntityType.TAG, stats, woo.Taxonomy.TAG, tag_fields, upsert.TAGS, "store_tags")

    def pull_brands(self, stats: EntityStats) -> None:
        try:
            self._simple_taxonomy(
                "brands", EntityType.BRAND, stats, woo.Taxonomy.BRAND, brand_fields, upsert.BRANDS, "store_brands"
            )
        except WooNotWooCommerceError as exc:
            if exc.code != "rest_no_route":
                raise
            # WooCommerce before 9.4 without the Brands plugin: no brands to pull.
            stats.skipped = "This store has no brands endpoint (WooCommerce < 9.4)."
            stats.complete = True
            stats.errors.clear()

    def _simple_taxonomy(self, entity, entity_type, stats, taxonomy, mapper, table, table_name) -> None:
        rows, complete = self._fetch_taxonomy(entity, entity_type, stats, taxonomy, mapper, table_name)
        errors: list[ItemError] = []
        with transaction.atomic():
            if complete:
                stats.deleted += self._delete_missing(table_name, [r["woo_id"] for r in rows], (entity_type,))
            stats.add(upsert.upsert(table, rows, on_row_error=self._row_error_handler(stats, entity_type, errors)))
        self._errors(errors)
        self._resolve(entity_type, [r["woo_id"] for r in rows])

    def pull_attributes(self, stats: EntityStats) -> None:
        items = woo.attributes_list(self.client)
        stats.pages += 1
        stats.fetched += len(items)
        rows, errors = [], []
        for item in items:
            try:
                rows.append({**attribute_fields(item), "store_id": self.store_id})
            except MappingError as exc:
                errors.append(self._item_error(stats, EntityType.ATTRIBUTE, item, exc))
        with transaction.atomic():
            if not errors:
                stats.deleted += self._delete_missing(
                    "store_attributes", [r["woo_id"] for r in rows], (EntityType.ATTRIBUTE,)
                )
            stats.add(
                upsert.upsert(upsert.ATTRIBUTES, rows, on_row_error=self._row_error_handler(stats, "attribute", errors))
            )
        local = upsert.fetch_map(
            "SELECT woo_id, id FROM store_attributes WHERE store_id = %s AND woo_id = ANY(%s)",
            [self.store_id, [r["woo_id"] for r in rows]],
        )
        self._progress("attributes", total=len(local) or 0, done=0)
        # Terms of every attribute, fetched concurrently.
        for attribute_woo_id, result in woo.attribute_terms_for_many(self.client, local):
            self._progress("attributes", add=1)
            if isinstance(result, WooError):
                if isinstance(result, FATAL_ERRORS):
                    raise result
                stats.complete = False
                stats.errors.append(str(result))
                errors.append(
                    ItemError.from_exception(
                        EntityType.ATTRIBUTE, result, metadata={"listing": f"attribute_terms:{attribute_woo_id}"}
                    )
                )
                continue
            stats.fetched += len(result)
            attribute_id = local[attribute_woo_id]
            found, kept = self._unlisted_terms(attribute_woo_id, attribute_id, result, stats, errors)
            term_rows = []
            for item in result + found:
                try:
                    term_rows.append(
                        {**attribute_term_fields(item), "store_id": self.store_id, "attribute_id": attribute_id}
                    )
                except MappingError as exc:
                    error = self._item_error(stats, EntityType.ATTRIBUTE, item, exc, metadata={"term": True})
                    errors.append(error)
                    kept.append(error.woo_id)  # still exists upstream: keep what we have
            with transaction.atomic():
                stats.add(upsert.upsert(upsert.ATTRIBUTE_TERMS, term_rows))
                stats.deleted += upsert.execute(
                    "DELETE FROM store_attribute_terms t WHERE t.attribute_id = %s "  # noqa: S608 - identifiers are code constants
                    "AND NOT (t.woo_id::bigint = ANY(%s::bigint[])) "
                    f"AND {upsert.OPEN_PUSH_GUARD}",
                    [attribute_id, [r["woo_id"] for r in term_rows] + [k for k in kept if k is not None]],
                )
        self._errors(errors)

    def _unlisted_terms(
        self, attribute_woo_id: int, attribute_id, listed: list[dict], stats: EntityStats, errors: list[ItemError]
    ) -> tuple[list[dict], list[int]]:
        """The terms here that the attribute's listing did not hold, asked for by id before they
        are removed (a term deleted while the listing was read moved the later ones up a place,
        past a page's edge): those found, and those to keep because the check failed."""
        listed_ids = {item.get("id") for item in listed if isinstance(item, dict)}
        unlisted = [
            woo_id
            for (woo_id,) in upsert.fetch_all(
                "SELECT woo_id FROM store_attribute_terms WHERE attribute_id = %s AND woo_id IS NOT NULL",
                [attribute_id],
            )
            if woo_id not in listed_ids
        ]
        found: list[dict] = []
        try:
            for chunk in upsert.chunked(unlisted, woo.MAX_PER_PAGE):
                found += woo.attribute_terms_by_ids(self.client, attribute_id=attribute_woo_id, ids=chunk)
        except WooError as exc:
            if isinstance(exc, FATAL_ERRORS):
                raise
            stats.complete = False
            stats.errors.append(str(exc))
            errors.append(
                ItemError.from_exception(
                    EntityType.ATTRIBUTE, exc, metadata={"listing": f"attribute_terms:{attribute_woo_id}:unlisted"}
                )
            )
            return [], unlisted
        return found, []
