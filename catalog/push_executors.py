"""Sending the catalog's queued changes to WooCommerce: the executors ``sync.push`` runs for
products (with their variations and images) and taxonomies, registered in ``CatalogConfig.ready``.

* Conflicts: before updating a product, its current state is read; if WooCommerce changed it
  since our last sync (its ``date_modified_gmt`` is newer than the one we recorded) and the
  values differ, nothing is sent: a :class:`ProductConflict` lists ours vs theirs field by
  field and a manager chooses (``catalog.push.product_conflict_resolve``). Our own pushes are
  not remote changes: their answer's modified time is what we record.
* Idempotency: a create that may have reached the store (an earlier attempt timed out) first
  looks for the product by SKU or by the ``storedesk_id`` marker written into its meta data.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from catalog.models import Product
from catalog.models import ProductAttribute
from catalog.models import ProductImage
from catalog.models import ProductVariation
from catalog.models import StoreAttribute
from catalog.models import StoreAttributeTerm
from catalog.models import StoreBrand
from catalog.models import StoreCategory
from catalog.models import StoreTag
from catalog.models import term_refs_without
from sync import upsert
from sync import woo
from sync.mappers.attributes import attribute_fields
from sync.mappers.attributes import attribute_term_fields
from sync.mappers.attributes import attribute_term_to_woo
from sync.mappers.attributes import attribute_to_woo
from sync.mappers.brands import brand_fields
from sync.mappers.brands import brand_to_woo
from sync.mappers.categories import category_fields
from sync.mappers.categories import category_to_woo
from sync.mappers.common import without_nul
from sync.mappers.products import PRODUCT_FIELDS
from sync.mappers.products import marker
from sync.mappers.products import product_fields
from sync.mappers.products import product_to_woo
from sync.mappers.tags import tag_fields
from sync.mappers.tags import tag_to_woo
from sync.mappers.variations import VARIATION_FIELDS
from sync.mappers.variations import variation_to_woo
from sync.models import ConflictStatus
from sync.models import ProductConflict
from sync.models import PushAction
from sync.models import PushEntity
from sync.models import PushOperation
from sync.models import PushStatus
from sync.models import SyncLogStatus
from sync.push import BATCH_LIMIT
from sync.push import TRANSIENT_ERRORS
from sync.push import PushFailed
from sync.push import answer_modified_at
from sync.push import push_done
from sync.push import push_fail
from sync.push import push_log
from sync.push import register_batch_update
from sync.push import register_executor
from sync.push_images import adopt_sent_images
from sync.push_images import adopt_variation_images
from sync.push_images import images_changed_remotely
from sync.push_images import images_diff
from sync.woo import WooClient
from sync.woo import WooClientError
from sync.woo import WooError
from sync.writer import apply_payloads

logger = logging.getLogger(__name__)


# --- products ---------------------------------------------------------------------------------


def _product(op: PushOperation) -> Product:
    product = Product.objects.filter(pk=op.object_id, store_id=op.store_id).first()
    if product is None:
        raise PushFailed("the product no longer exists here")
    return product


def _local_fields(product: Product) -> dict[str, Any]:
    return {name: getattr(product, name) for name in PRODUCT_FIELDS}


def _body(product: Product, only: set[str] | None, *, with_marker: bool = False) -> dict:
    images = attributes = None
    if only is None or "images" in only:
        images = list(
            ProductImage.objects.filter(product=product)
            .exclude(type="variation")
            .values("woo_id", "original_url", "alt_text", "description", "display_order")
        )
    if only is None or "attributes" in only:
        attributes = list(
            ProductAttribute.objects.filter(product=product).values(
                "woo_id", "name", "options", "position", "visible", "variation"
            )
        )
    return product_to_woo(
        _local_fields(product),
        only=only,
        images=images,
        attributes=attributes,
        marker_value=str(product.pk) if with_marker else None,
    )


def _comparable(name: str, value: Any) -> Any:
    if name in ("categories", "tags", "brands"):
        return sorted(ref.get("id") for ref in value or [] if isinstance(ref, dict))
    if isinstance(value, Decimal):
        return value.normalize()
    if value == "":
        return None
    return value


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def product_diff(product: Product, remote: dict, changed_here: set[str] | None = None) -> list[dict]:
    """Field by field, where our product and WooCommerce's differ."""
    theirs = product_fields(remote)
    ours = _local_fields(product)
    diff = []
    for name in PRODUCT_FIELDS:
        if _comparable(name, ours[name]) != _comparable(name, theirs[name]):
            diff.append(
                {
                    "field": name,
                    "ours": _jsonable(ours[name]),
                    "theirs": _jsonable(theirs[name]),
                    "changed_here": changed_here is None or name in changed_here,
                }
            )
    return diff


def _record_product(op: PushOperation, product_id: Any, answer: dict) -> None:
    """Our push's answer is the new base: record it so its echo is not a remote change."""
    remote_modified = answer_modified_at(answer)
    with transaction.atomic():
        push_done(op, remote_modified, woo_id=answer.get("id"))
        if not op.fields or "images" in op.fields:
            adopt_sent_images(product_id, answer)
        Product.objects.filter(pk=product_id).update(
            woo_id=answer.get("id"), woo_modified_at=remote_modified, synced_at=timezone.now()
        )
        apply_payloads(op.store_id, "product", [answer])


def _open_conflict(op: PushOperation, product: Product, remote: dict, diff: list[dict]) -> None:
    with transaction.atomic():
        ProductConflict.objects.filter(product=product, status=ConflictStatus.OPEN).update(
            status=ConflictStatus.RESOLVED, choice=None, resolved_at=timezone.now(), resolution={"superseded": True}
        )
        ProductConflict.objects.create(
            store_id=op.store_id,
            product=product,
            push=op,
            fields=diff,
            theirs_payload=without_nul(remote),  # jsonb: no U+0000
            base_modified_at=product.woo_modified_at,
            remote_modified_at=answer_modified_at(remote),
        )
        op.status = PushStatus.CONFLICT
        op.last_error = f"changed in WooCommerce since the last sync: {', '.join(d['field'] for d in diff)}"
        op.save(update_fields=["status", "last_error"])
        push_log(op, SyncLogStatus.PENDING, op.last_error)  # pending: a person decides


def _changed_remotely(product: Product, remote: dict) -> bool:
    remote_modified = answer_modified_at(remote)
    return remote_modified is not None and (
        product.woo_modified_at is None or remote_modified > product.woo_modified_at
    )


def _overlapping_change(op: PushOperation, remote: dict) -> bool:
    """Whether the shop changed one of the fields this push sends since it was edited here.

    The operation's ``base`` holds each edited field's value before the edit (what we last knew
    of the shop). Without it (a bulk edit, an older operation), any remote change counts.
    """
    base = op.payload.get("base")
    if not base:
        return True
    if images_changed_remotely(base.get("images"), remote):
        return True
    theirs = product_fields(remote)
    for name, before in base.items():
        if name not in theirs:
            continue
        known = Product._meta.get_field(name).to_python(before) if before is not None else None
        if _comparable(name, known) != _comparable(name, theirs[name]):
            return True
    return False


def _push_product_update(op: PushOperation, client: WooClient) -> None:
    product = _product(op)
    if not product.woo_id:
        _push_product_create(op, client)
        return
    only = set(op.fields) if op.fields else None
    remote = woo.product_get(client, product_id=product.woo_id)
    if not op.payload.get("force") and _changed_remotely(product, remote) and _overlapping_change(op, remote):
        diff = product_diff(product, remote, only)
        if only is None or "images" in only:
            diff += images_diff(product.pk, remote)
        if diff:
            _open_conflict(op, product, remote, diff)
            return
    body = _body(product, only)
    answer = woo.product_update(client, product_id=product.woo_id, body=body) if body else remote
    _push_variations(op, client, product, answer)
    _record_product(op, product.pk, answer)


def find_created_product(client: WooClient, product: Product) -> dict | None:
    """A product an earlier, timed-out attempt may have created: by SKU, else by name, and
    only if it carries our marker."""
    for item in woo.products_search(client, sku=product.sku or None, search=product.name[:100]):
        if isinstance(item, dict) and item.get("type") != "variation" and marker(item) == str(product.pk):
            return item
    return None


def _push_product_create(op: PushOperation, client: WooClient) -> None:
    product = _product(op)
    answer = None
    if op.attempts > 1:
        # An earlier attempt may have reached the store (e.g. it timed out after the write).
        answer = find_created_product(client, product)
    if answer is None:
        answer = woo.product_create(client, body=_body(product, None, with_marker=True))
    with transaction.atomic():
        # A pull may have brought the new product in before we recorded its id: same object.
        Product.objects.filter(store_id=op.store_id, woo_id=answer.get("id")).exclude(pk=product.pk).delete()
        Product.objects.filter(pk=product.pk).update(woo_id=answer.get("id"))
    product.woo_id = answer.get("id")
    _push_variations(op, client, product, answer)
    _record_product(op, product.pk, answer)


def _push_product_delete(op: PushOperation, client: WooClient) -> None:
    force = bool(op.payload.get("force"))
    woo_id = op.woo_id
    if woo_id:
        try:
            woo.product_delete(client, product_id=woo_id, force=force)
        except WooClientError as exc:
            # Already trashed (410) or already gone (404): the goal is reached.
            if exc.status not in (404, 410):
                raise
    with transaction.atomic():
        push_done(op)
        if force:
            Product.objects.filter(pk=op.object_id, store_id=op.store_id).delete()
        else:
            Product.objects.filter(pk=op.object_id, store_id=op.store_id).update(
                status="trash", synced_at=timezone.now()
            )


def _push_variations(op: PushOperation, client: WooClient, product: Product, answer: dict) -> None:
    """Variations named in the operation, and those deleted here, go through WooCommerce's
    variations batch (at most 100 items per request)."""
    _delete_variations(op, client, product)
    variation_ids = op.payload.get("variation_ids") or []
    if not variation_ids:
        return
    variations = list(ProductVariation.objects.filter(product=product, pk__in=variation_ids).select_related("image"))
    images = {v.pk: v.image for v in variations}
    existing = []
    if op.attempts > 1 and any(v.woo_id is None for v in variations):
        existing = woo.variations_list(client, product_id=product.woo_id)
    by_marker = {marker(item): item for item in existing if marker(item)}
    # Per variation, the fields edited here: only those are sent to an existing variation.
    edited = op.payload.get("variation_fields") or {}
    create, update, adopted = [], [], {}
    sent_images = {}
    for variation in variations:
        fields = {name: getattr(variation, name) for name in VARIATION_FIELDS}
        image = images[variation.pk]
        image_ref = (
            {"woo_id": image.woo_id, "original_url": image.original_url, "name": image.description} if image else None
        )
        if variation.woo_id and edited.get(str(variation.pk)) is not None:
            only = set(edited[str(variation.pk)])
            # An image chosen or taken away here: {} takes it off in WooCommerce.
            chosen = (image_ref or {}) if "image_id" in only else None
            sent_images[variation.woo_id] = image if chosen else None
            update.append((variation.woo_id, variation_to_woo(fields, only=only, image=chosen)))
            continue
        if variation.woo_id:
            sent_images[variation.woo_id] = image
        if variation.woo_id:
            update.append((variation.woo_id, variation_to_woo(fields, image=image_ref)))
        elif str(variation.pk) in by_marker:
            adopted[variation.pk] = by_marker[str(variation.pk)]
        else:
            create.append(variation_to_woo(fields, image=image_ref, marker_value=str(variation.pk)))
    results: list[dict] = list(adopted.values())
    for start in range(0, max(len(create), len(update)), BATCH_LIMIT // 2):
        answered = woo.variations_batch(
            client,
            product_id=product.woo_id,
            create=create[start : start + BATCH_LIMIT // 2],
            update=update[start : start + BATCH_LIMIT // 2],
        )
        for item in answered:
            if isinstance(item, dict) and "error" in item:
                raise PushFailed(f"variation {item.get('id')}: {woo.batch_item_error(item)}")
            results.append(item)
    adopt_variation_images(sent_images, {item.get("id"): item for item in results if isinstance(item, dict)})
    by_pk = {str(v.pk): v for v in variations}
    now = timezone.now()
    for item in results:
        local = by_pk.get(marker(item) or "") or next((v for v in variations if v.woo_id == item.get("id")), None)
        if local is not None:
            ProductVariation.objects.filter(pk=local.pk).update(
                woo_id=item["id"], woo_modified_at=answer_modified_at(item), synced_at=now
            )
    apply_payloads(op.store_id, "variation", results, parent_woo_id=product.woo_id)


def _delete_variations(op: PushOperation, client: WooClient, product: Product) -> None:
    """Variations deleted here (their rows are gone already), deleted in WooCommerce for good."""
    removed = [int(woo_id) for woo_id in op.payload.get("deleted_variation_woo_ids") or []]
    for start in range(0, len(removed), BATCH_LIMIT):
        answered = woo.variations_delete(
            client, product_id=product.woo_id, variation_ids=removed[start : start + BATCH_LIMIT]
        )
        for item in answered:
            error = item.get("error")
            # Already gone from WooCommerce is what was asked for.
            if error and not str(error.get("code", "")).endswith("_invalid_id"):
                raise PushFailed(f"variation {item.get('id')}: {error.get('message')}")


def _bulk_update_products(ops: list[PushOperation], client: WooClient) -> list[PushOperation]:
    products = {p.pk: p for p in Product.objects.filter(pk__in=[op.object_id for op in ops])}
    ready: list[tuple[PushOperation, Product]] = []
    for op in ops:
        product = products.get(op.object_id)
        if product is None or not product.woo_id:
            push_fail(op, PushFailed("the product is missing here or was never created in WooCommerce"))
        else:
            ready.append((op, product))
    if not ready:
        return ops
    try:
        ids = [p.woo_id for _, p in ready]
        remote = {item["id"]: item for item in woo.list_by_ids(client, listing=woo.Listing.PRODUCTS, ids=ids)}
        to_send: list[tuple[PushOperation, Product, dict]] = []
        for op, product in ready:
            current = remote.get(product.woo_id)
            if current is None:
                push_fail(op, PushFailed(f"product {product.woo_id} no longer exists in WooCommerce"))
                continue
            only = set(op.fields) if op.fields else None
            if not op.payload.get("force") and _changed_remotely(product, current):
                diff = product_diff(product, current, only)
                if diff:
                    _open_conflict(op, product, current, diff)
                    continue
            to_send.append((op, product, _body(product, only)))
        updates = [(p.woo_id, body) for _, p, body in to_send if body]
        answers = woo.products_batch_update(client, updates=updates) if updates else {}
        for op, product, body in to_send:
            # Only variations changed: the product as WooCommerce holds it is the answer.
            answer = answers.get(product.woo_id) if body else remote[product.woo_id]
            if (message := woo.batch_item_error(answer)) is not None:
                push_fail(op, PushFailed(f"batch update of product {product.woo_id}: {message}"))
                continue
            try:
                _push_variations(op, client, product, answer)  # its variations batch, if it has any
            except (PushFailed, WooClientError) as exc:
                push_fail(op, exc)
                continue
            _record_product(op, product.pk, answer)
    except TRANSIENT_ERRORS as exc:
        for op, _ in ready:
            op.refresh_from_db()
            if op.status != PushStatus.RUNNING:
                continue
            if op.attempts >= settings.SYNC_PUSH_MAX_ATTEMPTS:
                push_fail(op, exc)  # for good: a sync_errors row and its sync_logs row
            else:
                op.last_error = str(exc)
                op.status = PushStatus.PENDING
                op.save(update_fields=["status", "last_error"])
    except WooError as exc:
        for op, _ in ready:
            op.refresh_from_db()
            if op.status == PushStatus.RUNNING:
                push_fail(op, exc)
    return ops


# --- taxonomies -------------------------------------------------------------------------------

TAXONOMIES = {
    PushEntity.CATEGORY: (StoreCategory, woo.Taxonomy.CATEGORY, category_fields, category_to_woo, upsert.CATEGORIES),
    PushEntity.TAG: (StoreTag, woo.Taxonomy.TAG, tag_fields, tag_to_woo, upsert.TAGS),
    PushEntity.BRAND: (StoreBrand, woo.Taxonomy.BRAND, brand_fields, brand_to_woo, upsert.BRANDS),
    PushEntity.ATTRIBUTE: (
        StoreAttribute,
        woo.Taxonomy.ATTRIBUTE,
        attribute_fields,
        attribute_to_woo,
        upsert.ATTRIBUTES,
    ),
    PushEntity.ATTRIBUTE_TERM: (
        StoreAttributeTerm,
        woo.Taxonomy.ATTRIBUTE_TERM,
        attribute_term_fields,
        attribute_term_to_woo,
        upsert.ATTRIBUTE_TERMS,
    ),
}


def _push_taxonomy(op: PushOperation, client: WooClient) -> None:
    _model, taxonomy, to_fields, to_woo, table = TAXONOMIES[op.entity_type]
    values = dict(op.payload.get("values") or {})
    extra: dict[str, Any] = {}
    attribute_woo_id = None
    if op.entity_type == PushEntity.ATTRIBUTE_TERM:
        attribute = StoreAttribute.objects.get(pk=op.payload["attribute_id"], store_id=op.store_id)
        attribute_woo_id = attribute.woo_id
        extra["attribute_id"] = attribute.pk
    body = to_woo(**values)
    if op.action == PushAction.CREATE:
        # A retried create adopts the term its earlier attempt made (the adapter finds it).
        answer = woo.term_create(client, taxonomy=taxonomy, body=body, attribute_id=attribute_woo_id)
    else:
        answer = woo.term_update(client, taxonomy=taxonomy, term_id=op.woo_id, body=body, attribute_id=attribute_woo_id)
    row = {**to_fields(answer), "store_id": op.store_id, **extra}
    if op.entity_type == PushEntity.CATEGORY:
        row.setdefault("parent_woo_id", None)
    with transaction.atomic():
        push_done(op, woo_id=answer.get("id"))
        upsert.upsert(table, [row])


_TERM_COLUMN = {PushEntity.CATEGORY: "categories", PushEntity.TAG: "tags", PushEntity.BRAND: "brands"}


def _push_taxonomy_delete(op: PushOperation, client: WooClient) -> None:
    """Delete the term in WooCommerce for good, then here, with what WooCommerce does with it:
    off every product, a category's children moved up to its parent."""
    model, taxonomy = TAXONOMIES[op.entity_type][:2]
    row = model.objects.filter(pk=op.object_id, store_id=op.store_id).first()
    attribute_woo_id = None
    if op.entity_type == PushEntity.ATTRIBUTE_TERM:
        attribute_woo_id = StoreAttribute.objects.get(pk=op.payload["attribute_id"], store_id=op.store_id).woo_id
    try:
        woo.term_delete(client, taxonomy=taxonomy, term_id=op.woo_id, attribute_id=attribute_woo_id)
    except WooClientError as exc:
        if exc.status != 404:  # already gone from WooCommerce: what was asked for
            raise
    with transaction.atomic():
        push_done(op)
        if row is None:
            return
        if op.entity_type in _TERM_COLUMN:
            column = _TERM_COLUMN[op.entity_type]
            Product.objects.filter(store_id=op.store_id, **{f"{column}__contains": [{"id": row.woo_id}]}).update(
                **{column: term_refs_without(column, row.woo_id)}, updated_at=timezone.now()
            )
        if op.entity_type == PushEntity.CATEGORY:
            row.children.update(parent=row.parent, parent_woo_id=row.parent_woo_id)
        elif op.entity_type == PushEntity.ATTRIBUTE:
            ProductAttribute.objects.filter(store_id=op.store_id, woo_id=row.woo_id).delete()
        elif op.entity_type == PushEntity.ATTRIBUTE_TERM:
            for used in ProductAttribute.objects.filter(
                store_id=op.store_id, woo_id=row.attribute.woo_id, options__contains=[row.name]
            ):
                used.options = [option for option in used.options if option != row.name]
                used.save(update_fields=["options", "updated_at"])
        row.delete()


def register() -> None:
    """Hand the catalog's executors to ``sync.push`` (from ``CatalogConfig.ready``)."""
    register_executor(PushEntity.PRODUCT, PushAction.CREATE, _push_product_create)
    register_executor(PushEntity.PRODUCT, PushAction.UPDATE, _push_product_update)
    register_executor(PushEntity.PRODUCT, PushAction.DELETE, _push_product_delete)
    register_batch_update(PushEntity.PRODUCT, _bulk_update_products)
    for entity in TAXONOMIES:
        register_executor(entity, PushAction.CREATE, _push_taxonomy)
        register_executor(entity, PushAction.UPDATE, _push_taxonomy)
        register_executor(entity, PushAction.DELETE, _push_taxonomy_delete)
