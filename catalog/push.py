"""The catalog's changes on their way to WooCommerce: a product's push (with its variations; a
change not sent yet absorbs the next one) and settling a conflict a push found. The queue and
its executors are the sync's (``sync.services.push_enqueue`` and friends, ``sync.push``).

Keyword-only, acting for ``actor``: the permission is checked through ``stores.access`` first.
"""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from catalog.models import Product
from catalog.models import ProductVariation
from stores.access import CHANGE_CATALOG
from stores.access import VIEW_STORE
from stores.access import access_for
from sync import services as sync_services
from sync.mappers.products import PRODUCT_FIELDS
from sync.mappers.products import product_fields
from sync.models import ConflictChoice
from sync.models import ConflictStatus
from sync.models import ProductConflict
from sync.models import PushAction
from sync.models import PushEntity
from sync.models import PushOperation
from sync.writer import apply_payloads


def product_push(
    *,
    product_id,
    actor,
    action=PushAction.UPDATE,
    fields=None,
    variation_ids=None,
    force_delete=False,
    base=None,
    variation_fields=None,
    deleted_variation_woo_ids=None,
) -> PushOperation:
    """Send a local product change to WooCommerce (managers and owners).

    Call it after saving the local edit. ``fields`` names the changed ``products`` columns
    (plus "images", "attributes"); empty means all. ``base`` holds those fields' values before
    the edit (what we last knew of the shop): the push refuses to overwrite a field the shop
    changed since. ``variation_ids`` lists local variations to create or update with it, and
    ``variation_fields`` the variation fields changed (all when not given);
    ``deleted_variation_woo_ids`` variations deleted here, to delete in WooCommerce. A product without
    ``woo_id`` is created. ``action="delete"`` trashes it in WooCommerce (``force_delete``
    deletes it for good).
    """
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        raise Http404("No such product.")
    access_for(actor).require(CHANGE_CATALOG, product.store_id)
    if action not in PushAction.values:
        raise ValidationError(f"Unknown push action {action!r}.")
    if action == PushAction.UPDATE and not product.woo_id:
        action = PushAction.CREATE
    fields = sorted(set(fields)) if fields else None
    variation_ids = [str(v) for v in variation_ids or []]
    if variation_ids and ProductVariation.objects.filter(pk__in=variation_ids).exclude(product=product).exists():
        raise ValidationError("Those variations belong to another product.")
    base = json.loads(json.dumps(base, cls=DjangoJSONEncoder)) if base else {}
    # Per variation, the fields to send; None: all of them.
    sent_fields = sorted(set(variation_fields)) if variation_fields else None
    per_variation = dict.fromkeys(variation_ids, sent_fields)
    with transaction.atomic():
        pending = (
            sync_services.push_pending_for(entity_type=PushEntity.PRODUCT, object_id=product.pk)
            if action == PushAction.UPDATE
            else None
        )
        if pending is not None and pending.action == PushAction.UPDATE:
            # Not sent yet: fold this change into it (the earlier base of a field stays the base).
            pending.fields = None if pending.fields is None or fields is None else sorted({*pending.fields, *fields})
            earlier = pending.payload.get("variation_fields") or {}
            for variation_id in pending.payload.get("variation_ids", []):
                before = earlier.get(variation_id)
                mine = per_variation.get(variation_id, [])
                per_variation[variation_id] = None if before is None or mine is None else sorted({*before, *mine})
            pending.payload = {
                **pending.payload,
                "variation_ids": sorted({*pending.payload.get("variation_ids", []), *variation_ids}),
                "variation_fields": per_variation,
                "base": {**base, **(pending.payload.get("base") or {})},
                "deleted_variation_woo_ids": sorted(
                    {*pending.payload.get("deleted_variation_woo_ids", []), *(deleted_variation_woo_ids or [])}
                ),
            }
            pending.save(update_fields=["fields", "payload"])
            return pending
        return sync_services.push_enqueue(
            store_id=product.store_id,
            entity_type=PushEntity.PRODUCT,
            action=action,
            actor=actor,
            object_id=product.pk,
            woo_id=product.woo_id,
            fields=fields,
            payload={
                "variation_ids": variation_ids,
                "variation_fields": per_variation,
                "base": base,
                "force": bool(force_delete),
                "deleted_variation_woo_ids": sorted(deleted_variation_woo_ids or []),
            },
        )


def products_push_bulk(*, product_ids, actor, fields=None) -> list[PushOperation]:
    """A bulk edit already saved locally: one operation per product, sent through the batch
    endpoint (100 products per request) by one task."""
    fields = sorted(set(fields)) if fields else None
    return products_push_batch(changes=[(product_id, fields, None) for product_id in product_ids], actor=actor)


def products_push_batch(*, changes, actor) -> list[PushOperation]:
    """Changes already saved locally, each ``(product id, product fields, {variation id: its
    fields})`` (fields None: all of them; no variations: None), sent by one task: the products
    through the batch endpoint (100 per request), each product's variations through its
    variations batch endpoint."""
    changes = list(changes)
    products = {str(p.pk): p for p in Product.objects.filter(pk__in=[change[0] for change in changes])}
    access = access_for(actor)
    for store_id in {p.store_id for p in products.values()}:
        access.require(CHANGE_CATALOG, store_id)
    operations = []
    for product_id, fields, variations in changes:
        product = products.get(str(product_id))
        if product is None:
            continue
        variations = {str(pk): sorted(names) for pk, names in (variations or {}).items()}
        payload = {"variation_ids": sorted(variations), "variation_fields": variations} if variations else {}
        fields = [*(fields or []), "variations"] if variations else fields
        operations.append(
            {
                "store_id": product.store_id,
                "entity_type": PushEntity.PRODUCT,
                "action": PushAction.UPDATE if product.woo_id else PushAction.CREATE,
                "object_id": product.pk,
                "woo_id": product.woo_id,
                "fields": sorted(set(fields)) if fields else None,
                "payload": payload,
            }
        )
    return sync_services.push_enqueue_batch(operations=operations, actor=actor)


# --- conflicts --------------------------------------------------------------------------------


def product_conflict_resolve(*, conflict_id, choice, actor, fields=None) -> ProductConflict:
    """A manager settles a conflict: "ours" pushes our values over WooCommerce's, "theirs"
    takes WooCommerce's values here, "merge" takes ``fields`` = {field: "ours"|"theirs"}
    (fields not named default to theirs)."""
    if choice not in ConflictChoice.values:
        raise ValidationError(f"Choose one of {', '.join(ConflictChoice.values)}.")
    access = access_for(actor)
    with transaction.atomic():
        conflict = (
            ProductConflict.objects.select_for_update(of=("self",))
            .select_related("push")
            .filter(pk=conflict_id)
            .first()
        )
        if conflict is None or not access.can(VIEW_STORE, conflict.store_id):
            raise Http404("No such conflict.")
        access.require(CHANGE_CATALOG, conflict.store_id)
        if conflict.status != ConflictStatus.OPEN:
            raise ValidationError("This conflict is already resolved.")
        differing = [item["field"] for item in conflict.fields]
        if choice == ConflictChoice.OURS:
            sides = dict.fromkeys(differing, "ours")
        elif choice == ConflictChoice.THEIRS:
            sides = dict.fromkeys(differing, "theirs")
        else:
            bad = {k: v for k, v in (fields or {}).items() if k not in differing or v not in ("ours", "theirs")}
            if bad:
                raise ValidationError(f"Invalid field choices: {bad}.")
            sides = {name: (fields or {}).get(name, "theirs") for name in differing}
        ours = sorted(name for name, side in sides.items() if side == "ours")
        theirs = [name for name, side in sides.items() if side == "theirs"]

        # WooCommerce's values for the fields we give up, and its modified time as the new base.
        remote = product_fields(conflict.theirs_payload)
        product = Product.objects.select_for_update().get(pk=conflict.product_id)
        for name in theirs:
            if name in PRODUCT_FIELDS:
                setattr(product, name, remote[name])
        product.woo_modified_at = remote["woo_modified_at"]
        product.save(update_fields=[*[n for n in theirs if n in PRODUCT_FIELDS], "woo_modified_at", "updated_at"])

        sync_services.push_after_conflict(push=conflict.push, fields=ours)
        conflict.status = ConflictStatus.RESOLVED
        conflict.choice = choice
        conflict.resolution = sides
        conflict.resolved_by = actor
        conflict.resolved_at = timezone.now()
        conflict.save(update_fields=["status", "choice", "resolution", "resolved_by", "resolved_at"])
    if not ours:
        # Nothing to send: bring the whole product (images, attributes...) in line with theirs.
        apply_payloads(conflict.store_id, "product", [conflict.theirs_payload])
    return conflict
