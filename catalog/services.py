"""Local catalog edits from the dashboard, each followed by its push to WooCommerce.

A service checks the permission through ``stores.access`` (404 outside the user's scope, 403
without ``stores.change_catalog``), saves the local row(s) with ``update_fields`` in one
transaction, and hands the change to the push queue (``catalog.push`` for products, sync's
``sync.services.push_enqueue`` for taxonomies), which queues the push task on commit.
Categories, tags, brands, attributes and their terms are saved and deleted here too
(``taxonomy_save``, ``taxonomy_delete``). Nothing here talks to WooCommerce.
"""

import itertools
import json
import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_UP
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Round
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.anomalies import check_mass_changes
from catalog import models as catalog_models
from catalog.edits import EditConflict
from catalog.edits import check_conflicts
from catalog.models import Product
from catalog.models import ProductAttribute
from catalog.models import ProductImage
from catalog.models import ProductVariation
from catalog.models import StoreAttribute
from catalog.models import term_refs_without
from catalog.push import product_push
from catalog.push import products_push_bulk
from catalog.richtext import clean_html
from catalog.selectors import sku_taken
from catalog.selectors import variation_attributes_of
from config.db import DataSource
from stores.access import CHANGE_CATALOG
from stores.access import VIEW_STORE
from stores.access import access_for
from stores.access import get_scoped_or_404
from sync import services as sync_services
from sync.models import OPEN_PUSH_STATUSES
from sync.models import PushAction
from sync.models import PushEntity
from sync.models import PushOperation

# What the product form edits (all of them pushable: sync.mappers.products.PRODUCT_FIELDS).
PRODUCT_EDITABLE_FIELDS = (
    "name",
    "sku",
    "status",
    "type",
    "price",
    "sale_price",
    "stock_quantity",
    "stock_status",
    "description",
    "short_description",
    "weight",
    "length",
    "width",
    "height",
    "categories",
    "tags",
    "brands",
    "featured",
    "catalog_visibility",
)
# What the variation form edits, in the form's order.
VARIATION_EDITABLE_FIELDS = (
    "sku",
    "status",
    "regular_price",
    "sale_price",
    "date_on_sale_from",
    "date_on_sale_to",
    "stock_quantity",
    "stock_status",
    "backorders",
    "weight",
    "length",
    "width",
    "height",
    "description",
    "image_id",
)
# A bulk edit touches at most this many products per request (the push goes out 100 per batch).
BULK_LIMIT = 500


def _check_prices(price, sale_price):
    if price is not None and price < 0:
        raise ValidationError({"price": _("A price cannot be negative.")})
    if sale_price is not None and sale_price < 0:
        raise ValidationError({"sale_price": _("A price cannot be negative.")})
    if price is not None and sale_price is not None and sale_price >= price:
        raise ValidationError({"sale_price": _("The sale price must be lower than the regular price.")})


def _check_sku(store_id, sku, exclude_id=None):
    if sku and sku_taken(store_id, sku, exclude_id):
        raise ValidationError({"sku": _("Another product of this store already uses this SKU.")})


def _editable(values):
    unknown = set(values) - set(PRODUCT_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"Cannot set {', '.join(sorted(unknown))} on a product.")


def _normalise(values):
    """A product's or variation's edited values as they are stored and sent."""
    values = dict(values)
    if "sku" in values:
        values["sku"] = (values["sku"] or "").strip() or None
    if "stock_quantity" in values and values["stock_quantity"] is not None and "stock_status" not in values:
        values["stock_status"] = "instock" if values["stock_quantity"] > 0 else "outofstock"
    for name in ("description", "short_description"):
        if name in values:
            # Stored and sent to the shop only as safe HTML (the shop shows it to its customers).
            values[name] = clean_html(values[name]) or None
    return values


def product_create(*, actor, store_id, **values):
    """A new product saved here (``source`` local) and pushed to WooCommerce as a create.

    Returns ``(product, push)``.
    """
    access = access_for(actor)
    access.require(CHANGE_CATALOG, store_id)
    _editable(values)
    values = _normalise(values)
    _check_prices(values.get("price"), values.get("sale_price"))
    with transaction.atomic():
        _check_sku(store_id, values.get("sku"))
        product = Product(store_id=store_id, source=DataSource.LOCAL, **values)
        product.full_clean(exclude=["store", "featured_image", "categories", "tags", "brands"])
        product.save()
        # Re-check the scope after writing (the choke point decides, not the form).
        get_scoped_or_404(Product.objects.filter(pk=product.pk), access, CHANGE_CATALOG)
        push = product_push(product_id=product.pk, actor=actor, action=PushAction.CREATE)
    return product, push


def product_update(*, actor, store_id, product_id, base=None, **values):
    """Save the person's changes to a product and push exactly those.

    ``values`` are the changed fields only (a field not given is unchanged); ``base`` is what the
    person's form showed for them. A field changed meanwhile (by someone else, or by the shop
    through a webhook or a pull) raises :class:`catalog.edits.EditConflict` and nothing is saved.
    Returns ``(product, push)``; ``push`` is None when nothing changed.
    """
    access = access_for(actor)
    access.require(CHANGE_CATALOG, store_id)
    _editable(values)
    values = _normalise(values)
    with transaction.atomic():
        product = get_scoped_or_404(
            Product.objects.select_for_update().filter(store_id=store_id), access, CHANGE_CATALOG, pk=product_id
        )
        changes = check_conflicts(product, values, base)
        _check_prices(changes.get("price", product.price), changes.get("sale_price", product.sale_price))
        if "sku" in changes:
            _check_sku(store_id, changes["sku"], exclude_id=product.pk)
        if not changes:
            return product, None
        # What we last knew of the shop for these fields: the push's own conflict check.
        known = {name: getattr(product, name) for name in changes}
        for name, value in changes.items():
            setattr(product, name, value)
        product.save(update_fields=[*changes, "updated_at"])
        push = product_push(product_id=product.pk, actor=actor, fields=list(changes), base=known)
    return product, push


def product_trash(*, actor, store_id, product_id):
    """Move a product to WooCommerce's trash (it can be restored there)."""
    access = access_for(actor)
    access.require(CHANGE_CATALOG, store_id)
    product = get_scoped_or_404(Product.objects.filter(store_id=store_id), access, CHANGE_CATALOG, pk=product_id)
    if not product.woo_id:
        # Never reached WooCommerce: there is nothing to trash there.
        with transaction.atomic():
            Product.objects.filter(pk=product.pk).update(status="trash", updated_at=timezone.now())
        push = None
    else:
        push = product_push(product_id=product.pk, actor=actor, action=PushAction.DELETE)
    check_mass_changes(actor.pk)
    return product, push


def _variation_for_update(access, store_id, product_id, variation_id):
    """The variation, locked for the rest of the transaction; 404 outside the actor's catalog scope."""
    return get_scoped_or_404(
        ProductVariation.objects.select_for_update().filter(store_id=store_id, product_id=product_id),
        access,
        CHANGE_CATALOG,
        pk=variation_id,
    )


def variation_update(*, actor, store_id, product_id, variation_id, base=None, **values):
    """Edit of one variation (inline prices and stock, or every field), pushed with its product.

    As :func:`product_update`: ``values`` are the changes, ``base`` what the row showed, a field
    changed meanwhile raises :class:`catalog.edits.EditConflict`. Returns ``(variation, push)``;
    ``push`` is None when nothing changed.
    """
    unknown = set(values) - set(VARIATION_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"Cannot set {', '.join(sorted(unknown))} on a variation.")
    access = access_for(actor)
    access.require(CHANGE_CATALOG, store_id)
    with transaction.atomic():
        variation = _variation_for_update(access, store_id, product_id, variation_id)
        values = _normalise(values)
        if "image_id" in values:
            values["image_id"], base = _variation_image(variation, values["image_id"], base)
        changes = check_conflicts(variation, values, base)
        if "sku" in changes:
            _check_sku(store_id, changes["sku"], exclude_id=variation.pk)
        start = changes.get("date_on_sale_from", variation.date_on_sale_from)
        end = changes.get("date_on_sale_to", variation.date_on_sale_to)
        if start and end and end < start:
            raise ValidationError({"date_on_sale_to": _("The sale cannot end before it starts.")})
        regular = changes.get("regular_price", variation.regular_price)
        sale = changes.get("sale_price", variation.sale_price)
        _check_prices(regular, sale)
        if not changes:
            return variation, None
        for name, value in changes.items():
            setattr(variation, name, value)
        changed = list(changes)
        # WooCommerce's "price" is what the customer pays: the sale price when there is one.
        effective = sale if sale is not None else regular
        if variation.price != effective:
            variation.price = effective
            changed.append("price")
        variation.save(update_fields=[*changed, "updated_at"])
        push = product_push(
            product_id=product_id,
            actor=actor,
            fields=["variations"],
            variation_ids=[variation.pk],
            variation_fields=list(changes),
        )
    return variation, push


def _variation_image(variation, image_id, base):
    """The chosen image (one of the product's, or none) as an id, and ``base`` with the id the
    form showed in the same terms."""

    def as_uuid(value):
        try:
            return uuid.UUID(str(value)) if value else None
        except ValueError:
            raise ValidationError({"image_id": _("Choose one of this product's images.")}) from None

    chosen = as_uuid(image_id)
    if chosen is not None and not ProductImage.objects.filter(pk=chosen, product_id=variation.product_id).exists():
        raise ValidationError({"image_id": _("Choose one of this product's images.")})
    if base is not None and "image_id" in base:
        base = {**base, "image_id": as_uuid(base["image_id"])}
    return chosen, base


# --- bulk actions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class BulkResult:
    updated: int
    pushed: int
    skipped: int


BULK_ACTIONS = (
    "status",
    "price_set",
    "price_increase",
    "price_decrease",
    "stock_set",
    "stock_status",
    "term_add",
    "term_remove",
)
TERM_FIELDS = {"category": "categories", "tag": "tags", "brand": "brands"}


def _bulk_update_values(action, value, term=None):
    """``(update kwargs, pushed fields, extra filter)`` for one bulk action."""
    if action == "status":
        return {"status": value}, ["status"], Q()
    if action == "price_set":
        return {"price": value}, ["price"], Q(sale_price__isnull=True) | Q(sale_price__lt=value)
    if action in ("price_increase", "price_decrease"):
        factor = (Decimal(100) + (value if action == "price_increase" else -value)) / Decimal(100)
        factor = factor.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
        new_price = Round(F("price") * factor, 2)
        keep_sale_valid = Q(sale_price__isnull=True) | Q(sale_price__lt=F("price") * factor)
        return {"price": new_price}, ["price"], Q(price__isnull=False) & keep_sale_valid
    if action == "stock_set":
        status = "instock" if value > 0 else "outofstock"
        return {"stock_quantity": value, "stock_status": status}, ["stock_quantity", "stock_status"], Q()
    if action == "stock_status":
        return {"stock_status": value}, ["stock_status"], Q()
    if action in ("term_add", "term_remove"):
        kind, woo_id, name, slug = term
        column = TERM_FIELDS[kind]
        ref = {"id": woo_id, "name": name, "slug": slug}
        if action == "term_add":
            expression = RawSQL(  # noqa: S611 - fixed column names, values as parameters
                f"COALESCE({column}, '[]'::jsonb) || jsonb_build_array(%s::jsonb)",
                [json.dumps(ref)],
            )
            return {column: expression}, [column], ~Q(**{f"{column}__contains": [{"id": woo_id}]})
        return {column: term_refs_without(column, woo_id)}, [column], Q(**{f"{column}__contains": [{"id": woo_id}]})
    raise ValidationError(f"Unknown bulk action {action!r}.")


def products_bulk_update(*, actor, store_id, product_ids, action, value=None, term=None):
    """Apply one change to many products of a store in one UPDATE, then push them in batches.

    Products the change does not apply to (a price below their sale price, a term they already
    have...) are skipped and counted. ``term`` is ``(kind, woo_id, name, slug)`` for the term
    actions.
    """
    access = access_for(actor)
    access.require(CHANGE_CATALOG, store_id)
    ids = list(dict.fromkeys(str(pk) for pk in product_ids))
    if not ids:
        raise ValidationError(_("Select at least one product."))
    if len(ids) > BULK_LIMIT:
        raise ValidationError(_("Select at most %(n)d products at a time.") % {"n": BULK_LIMIT})
    update, fields, applies = _bulk_update_values(action, value, term)
    with transaction.atomic():
        scoped = access.scope(Product.objects.filter(store_id=store_id, pk__in=ids), CHANGE_CATALOG)
        targets = scoped.filter(applies).exclude(status="trash") if action != "status" else scoped.filter(applies)
        changed_ids = list(targets.select_for_update().values_list("pk", flat=True))
        if changed_ids:
            Product.objects.filter(pk__in=changed_ids).update(**update, updated_at=timezone.now())
            products_push_bulk(product_ids=changed_ids, actor=actor, fields=fields)
    if changed_ids:
        # The audit rows of the UPDATE are written: the mass-change rules (prices, deletes) for the actor.
        check_mass_changes(actor.pk)
    total = scoped.count()
    return BulkResult(updated=len(changed_ids), pushed=len(changed_ids), skipped=total - len(changed_ids))


# --- variations: create, generate, delete -------------------------------------------------------

# Generating more variations than this at once asks the person to confirm first.
GENERATE_CONFIRM_ABOVE = 20
# WooCommerce's own "generate variations" stops at this many per run.
GENERATE_LIMIT = 500


def _variable_product(access, store_id, product_id):
    product = get_scoped_or_404(
        Product.objects.select_for_update().filter(store_id=store_id), access, CHANGE_CATALOG, pk=product_id
    )
    if product.type != "variable":
        raise ValidationError(_("Only a variable product has variations."))
    return product


def _combination(attributes, chosen):
    """The variation's ``attributes`` references for ``chosen`` ({product attribute id: option};
    not by name: a global and a custom attribute may share one)."""
    refs = []
    for attribute in attributes:
        option = chosen.get(str(attribute.pk), "")
        if option and option not in attribute.options:
            raise ValidationError(
                _("“%(option)s” is not an option of %(attribute)s.") % {"option": option, "attribute": attribute.name}
            )
        refs.append({"id": attribute.woo_id or 0, "name": attribute.name, "option": option})
    return refs


def _combination_key(refs):
    return tuple(sorted((ref.get("name", ""), ref.get("option", "")) for ref in refs or []))


def variation_create(*, actor, store_id, product_id, attributes, **values):
    """One new variation of a variable product (``attributes``: {product attribute id: option},
    an empty option meaning "any"), created here and in WooCommerce. Returns ``(variation, push)``."""
    unknown = set(values) - {"regular_price", "sale_price", "sku", "stock_quantity"}
    if unknown:
        raise ValidationError(f"Cannot set {', '.join(sorted(unknown))} on a new variation.")
    access = access_for(actor)
    access.require(CHANGE_CATALOG, store_id)
    with transaction.atomic():
        product = _variable_product(access, store_id, product_id)
        refs = _combination(variation_attributes_of(product), attributes)
        existing = {_combination_key(v) for v in product.variations.values_list("attributes", flat=True)}
        if _combination_key(refs) in existing:
            raise ValidationError(_("This product already has a variation with these options."))
        sku = (values.get("sku") or "").strip() or None
        _check_sku(store_id, sku)
        _check_prices(values.get("regular_price"), values.get("sale_price"))
        quantity = values.get("stock_quantity")
        variation = ProductVariation.objects.create(
            product=product,
            store_id=store_id,
            source=DataSource.LOCAL,
            attributes=refs,
            sku=sku,
            regular_price=values.get("regular_price"),
            sale_price=values.get("sale_price"),
            price=values.get("sale_price") if values.get("sale_price") is not None else values.get("regular_price"),
            stock_quantity=quantity,
            stock_status="outofstock" if quantity == 0 else "instock",
        )
        push = product_push(product_id=product.pk, actor=actor, fields=["variations"], variation_ids=[variation.pk])
    return variation, push


def missing_combinations(attributes, variations):
    """Every combination of the options of ``attributes`` (those used for variations) that no
    variation of ``variations`` has yet, as variation ``attributes`` references."""
    if not attributes or not all(attribute.options for attribute in attributes):
        return []
    existing = {_combination_key(variation.attributes) for variation in variations}
    combinations = []
    for options in itertools.product(*(attribute.options for attribute in attributes)):
        refs = [
            {"id": attribute.woo_id or 0, "name": attribute.name, "option": option}
            for attribute, option in zip(attributes, options, strict=True)
        ]
        if _combination_key(refs) not in existing:
            combinations.append(refs)
    return combinations


def variations_generate(*, actor, store_id, product_id, confirmed=False):
    """Create a variation for every missing combination (as WooCommerce's "Generate variations"),
    pushed in batches of at most 100. Above ``GENERATE_CONFIRM_ABOVE`` it needs ``confirmed``.
    Returns ``(created variations, push)``."""
    access = access_for(actor)
    access.require(CHANGE_CATALOG, store_id)
    with transaction.atomic():
        product = _variable_product(access, store_id, product_id)
        combinations = missing_combinations(variation_attributes_of(product), product.variations.only("attributes"))
        if not combinations:
            raise ValidationError(_("Every combination of the options used for variations already exists."))
        if len(combinations) > GENERATE_LIMIT:
            raise ValidationError(
                _("That would create %(n)d variations; at most %(max)d can be created at once.")
                % {"n": len(combinations), "max": GENERATE_LIMIT}
            )
        if len(combinations) > GENERATE_CONFIRM_ABOVE and not confirmed:
            raise ValidationError(
                _("This creates %(n)d variations: confirm to go ahead.") % {"n": len(combinations)}, code="confirm"
            )
        created = ProductVariation.objects.bulk_create(
            ProductVariation(
                product=product, store_id=store_id, source=DataSource.LOCAL, attributes=refs, status="publish"
            )
            for refs in combinations
        )
        push = product_push(
            product_id=product.pk,
            actor=actor,
            fields=["variations"],
            variation_ids=[variation.pk for variation in created],
        )
    return created, push


def variation_delete(*, actor, store_id, product_id, variation_id):
    """Delete a variation here and, for good, in WooCommerce (with its product's next push)."""
    access = access_for(actor)
    access.require(CHANGE_CATALOG, store_id)
    with transaction.atomic():
        variation = _variation_for_update(access, store_id, product_id, variation_id)
        woo_id = variation.woo_id
        variation.delete()
        push = None
        if woo_id:
            push = product_push(
                product_id=product_id, actor=actor, fields=["variations"], deleted_variation_woo_ids=[woo_id]
            )
    return push


# --- attributes on a product --------------------------------------------------------------------


def _attribute_rows(product):
    return list(ProductAttribute.objects.filter(product=product).order_by("position", "name"))


def _attributes_state(rows):
    """What a product's attributes are, comparable across loads (the edit's base)."""
    return [
        {"name": row.name, "options": list(row.options or []), "visible": row.visible, "variation": row.variation}
        for row in rows
    ]


def product_attributes_state(product):
    return _attributes_state(_attribute_rows(product))


def product_attribute_set(
    *, actor, store_id, product_id, name, options, visible=True, variation=False, global_attribute_id=None, base=None
):
    """Add an attribute to a product, or change one it has (its options, "visible on the product
    page", "used for variations"), and push the product's attributes. A global attribute is named
    by ``global_attribute_id`` (its options are term names); a custom one by ``name``.

    ``base`` is the product's attributes as the person's page showed them: if they changed
    meanwhile, :class:`catalog.edits.EditConflict` and nothing is saved. Returns the push."""
    access = access_for(actor)
    access.require(CHANGE_CATALOG, store_id)
    options = list(dict.fromkeys(option.strip() for option in options if option and option.strip()))
    if not options:
        raise ValidationError({"options": _("Give the attribute at least one value.")})
    with transaction.atomic():
        product = get_scoped_or_404(
            Product.objects.select_for_update().filter(store_id=store_id), access, CHANGE_CATALOG, pk=product_id
        )
        rows = _attribute_rows(product)
        _check_attributes_unchanged(rows, base)
        woo_id = 0
        if global_attribute_id is not None:
            attribute = StoreAttribute.objects.filter(store_id=store_id, pk=global_attribute_id).first()
            if attribute is None:
                raise ValidationError(_("That attribute does not belong to this store."))
            name, woo_id = attribute.name, attribute.woo_id
            known = set(attribute.terms.values_list("name", flat=True))
            unknown = [option for option in options if option not in known]
            if unknown:
                raise ValidationError(
                    {
                        "options": _("Not terms of %(attribute)s: %(names)s")
                        % {"attribute": name, "names": ", ".join(unknown)}
                    }
                )
        name = (name or "").strip()
        if not name:
            raise ValidationError({"name": _("Enter a name.")})
        # A global attribute and a custom one may share a name: the global id tells them apart.
        row = next((row for row in rows if row.name == name and (row.woo_id or 0) == woo_id), None)
        if row is None:
            row = ProductAttribute(
                product=product,
                store_id=store_id,
                name=name,
                woo_id=woo_id,
                global_attribute_id=global_attribute_id,
                position=len(rows),
                source=DataSource.LOCAL,
            )
        row.options, row.visible, row.variation = options, bool(visible), bool(variation)
        row.save()
        return product_push(product_id=product.pk, actor=actor, fields=["attributes"])


def product_attribute_remove(*, actor, store_id, product_id, attribute_id, base=None):
    """Take an attribute (a ``product_attributes`` row's id) off a product (its variations keep
    their rows) and push the product's attributes; ``base`` as in :func:`product_attribute_set`."""
    access = access_for(actor)
    access.require(CHANGE_CATALOG, store_id)
    with transaction.atomic():
        product = get_scoped_or_404(
            Product.objects.select_for_update().filter(store_id=store_id), access, CHANGE_CATALOG, pk=product_id
        )
        _check_attributes_unchanged(_attribute_rows(product), base)
        deleted, _rows = ProductAttribute.objects.filter(product=product, pk=attribute_id).delete()
        if not deleted:
            return None
        return product_push(product_id=product.pk, actor=actor, fields=["attributes"])


def _check_attributes_unchanged(rows, base):
    if base is not None and _attributes_state(rows) != base:
        raise EditConflict(
            {"attributes": {"mine": base, "current": _attributes_state(rows)}}, current=_attributes_state(rows)
        )


# --- taxonomies -------------------------------------------------------------------------------

TAXONOMY_MODELS = {
    PushEntity.CATEGORY: catalog_models.StoreCategory,
    PushEntity.TAG: catalog_models.StoreTag,
    PushEntity.BRAND: catalog_models.StoreBrand,
    PushEntity.ATTRIBUTE: catalog_models.StoreAttribute,
    PushEntity.ATTRIBUTE_TERM: catalog_models.StoreAttributeTerm,
}
TAXONOMY_EDITABLE = {
    PushEntity.CATEGORY: ("name", "slug", "description", "parent_woo_id", "display", "menu_order", "image_url"),
    PushEntity.TAG: ("name", "slug", "description"),
    PushEntity.BRAND: ("name", "slug", "description", "logo_url"),
    PushEntity.ATTRIBUTE: ("name", "slug", "type", "order_by", "has_archives"),
    PushEntity.ATTRIBUTE_TERM: ("name", "slug", "description", "menu_order"),
}


def taxonomy_save(*, actor, kind, store_id=None, term_id=None, attribute_id=None, base=None, **values):
    """Create (no ``term_id``) or edit a category, tag, brand, global attribute or attribute
    term. An edit is saved locally at once (``sync_status`` "pending"); a new term is written
    here when WooCommerce has answered with its id (``woo_id`` is required).

    An edit's ``values`` are the changed fields only, and only those are sent; ``base`` is what
    the person's form showed for them: a field changed meanwhile raises
    :class:`catalog.edits.EditConflict`. Returns the queued push operation; None when the edit
    changes nothing."""
    if kind not in TAXONOMY_MODELS:
        raise ValidationError(f"Unknown taxonomy {kind!r}.")
    unknown = set(values) - set(TAXONOMY_EDITABLE[kind])
    if unknown:
        raise ValidationError(f"Cannot set {', '.join(sorted(unknown))} on a {kind}.")
    if values.get("description"):
        # Shown to the shop's customers on the term's archive page, as a product's description is.
        values["description"] = clean_html(values["description"])
    model = TAXONOMY_MODELS[kind]
    access = access_for(actor)
    with transaction.atomic():
        row = None
        if term_id is not None:
            row = model.objects.select_for_update().filter(pk=term_id).first()
            if row is None or not access.can(VIEW_STORE, row.store_id):
                raise Http404("No such term.")
            store_id = row.store_id
        access.require(CHANGE_CATALOG, store_id)
        payload: dict[str, Any] = {"values": values}
        if kind == PushEntity.ATTRIBUTE_TERM:
            attribute_id = attribute_id or (row.attribute_id if row else None)
            if not catalog_models.StoreAttribute.objects.filter(pk=attribute_id, store_id=store_id).exists():
                raise ValidationError("The attribute does not belong to this store.")
            payload["attribute_id"] = str(attribute_id)
        if row is not None:
            changes = check_conflicts(row, values, base)
            if not changes:
                return None
            for name, value in changes.items():
                setattr(row, name, value)
            changed = list(changes)
            if hasattr(row, "sync_status"):
                row.sync_status = "pending"
                changed.append("sync_status")
            row.save(update_fields=[*changed, "updated_at"])
            payload["values"] = changes
        return sync_services.push_enqueue(
            store_id=store_id,
            entity_type=kind,
            action=PushAction.UPDATE if row is not None else PushAction.CREATE,
            actor=actor,
            object_id=row.pk if row is not None else None,
            woo_id=row.woo_id if row is not None else None,
            payload=payload,
        )


def taxonomy_delete(*, actor, kind, term_id, store_id):
    """Delete a category, tag, brand, global attribute or attribute term, in WooCommerce first.

    The row stays here until WooCommerce confirms the delete (the push then removes it and takes
    it off the products that had it), so a refused delete loses nothing. A term WooCommerce
    never had is deleted here at once (None is returned)."""
    if kind not in TAXONOMY_MODELS:
        raise ValidationError(f"Unknown taxonomy {kind!r}.")
    access = access_for(actor)
    access.require(CHANGE_CATALOG, store_id)
    with transaction.atomic():
        row = TAXONOMY_MODELS[kind].objects.select_for_update().filter(pk=term_id, store_id=store_id).first()
        if row is None:
            raise Http404("No such term.")
        if not row.woo_id:
            row.delete()
            return None
        pending = PushOperation.objects.filter(
            entity_type=kind, object_id=row.pk, action=PushAction.DELETE, status__in=OPEN_PUSH_STATUSES
        ).first()
        if pending is not None:
            return pending
        payload: dict[str, Any] = {"values": {"name": row.name}}
        if kind == PushEntity.ATTRIBUTE_TERM:
            payload["attribute_id"] = str(row.attribute_id)
        return sync_services.push_enqueue(
            store_id=store_id,
            entity_type=kind,
            action=PushAction.DELETE,
            actor=actor,
            object_id=row.pk,
            woo_id=row.woo_id,
            payload=payload,
        )
