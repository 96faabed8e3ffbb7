"""Price and stock changes from a CSV, by SKU, for products and variations alike.

1. ``import_create`` reads the upload (UTF-8 CSV, at most ``MAX_BYTES`` and ``MAX_ROWS`` rows;
   columns ``sku`` and any of ``IMPORT_COLUMNS``, the other columns of our export ignored), checks
   every row (unknown or duplicated SKUs, numbers, sale price below the regular one, prices set
   on a variable product) and keeps what the file would change: :class:`catalog.models.ProductImport`.
   Every problem is reported at once, by line; nothing is kept when there is one.
2. The preview page shows each change (old → new) and how many rows change nothing; its confirm
   form carries ``preview_token``: the import's id and a digest of exactly those changes, signed.
3. ``import_apply`` computes the changes again under row locks. If they differ from the signed
   ones (the catalog changed since the preview), nothing is saved: the import keeps the new
   changes and :class:`StalePreview` says so, for a new preview. Otherwise the changes are saved
   in one transaction and pushed by one task (``catalog.push.products_push_batch``: products
   through the batch endpoint, 100 per request; variations through their product's variations
   batch).

An empty cell leaves the value as it is. ``stock_quantity`` without ``stock_status`` sets the
stock status as the product form does (in stock above 0, else out of stock).
"""

import csv
import hashlib
import io
import json
import logging
from decimal import Decimal
from decimal import InvalidOperation

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.anomalies import check_mass_changes
from catalog.exports import EXPORT_HEADER
from catalog.models import Product
from catalog.models import ProductImport
from catalog.models import ProductVariation
from catalog.push import products_push_batch
from config.exports import unsafe_cell
from stores.access import CHANGE_CATALOG
from stores.access import access_for
from stores.access import get_scoped_or_404
from sync.models import PushOperation
from sync.models import PushStatus

logger = logging.getLogger(__name__)

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10000
MAX_ERRORS_SHOWN = 50
IMPORT_COLUMNS = ("regular_price", "sale_price", "stock_quantity", "stock_status")
STOCK_STATUSES = ("instock", "outofstock", "onbackorder")
MAX_PRICE = Decimal("99999999.99")
MAX_QUANTITY = 10**9
TOKEN_SALT = "catalog.imports.preview"
TOKEN_MAX_AGE = 24 * 3600
# Our columns per kind: the import's column -> the model's field.
PRODUCT_FIELDS = {"regular_price": "price", "sale_price": "sale_price", "stock_quantity": "stock_quantity"}
VARIATION_FIELDS = {"regular_price": "regular_price", "sale_price": "sale_price", "stock_quantity": "stock_quantity"}


class ImportInvalid(ValidationError):
    """The file cannot be imported: ``messages`` says why, line by line."""


class StalePreview(Exception):
    """The catalog changed between the preview and the confirmation: the import holds the new changes."""

    def __init__(self, product_import):
        super().__init__("The catalog changed since the preview.")
        self.product_import = product_import


# --- reading the file ------------------------------------------------------------------------------


def _text_of(upload):
    if upload.size > MAX_BYTES:
        raise ImportInvalid(
            _("The file is too large (%(size)s MB); at most %(max)s MB, about %(rows)s rows.")
            % {"size": round(upload.size / 1024 / 1024, 1), "max": MAX_BYTES // 1024 // 1024, "rows": MAX_ROWS}
        )
    data = upload.read(MAX_BYTES + 1)
    if not data.strip():
        raise ImportInvalid(_("The file is empty."))
    if b"\x00" in data[:4096]:
        raise ImportInvalid(_("This is not a CSV file. Save the sheet as “CSV UTF-8” and upload that."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportInvalid(
            _("The file is not UTF-8 text. Save the sheet as “CSV UTF-8” (Excel: File → Save As) and upload that.")
        ) from None


def _header(row):
    names = [unsafe_cell(name).strip().lower().replace(" ", "_") for name in row]
    duplicated = sorted({name for name in names if name and names.count(name) > 1})
    if duplicated:
        raise ImportInvalid(_("These columns appear twice: %(names)s.") % {"names": ", ".join(duplicated)})
    unknown = [name for name in names if name and name not in EXPORT_HEADER]
    if unknown or "sku" not in names or not set(names) & set(IMPORT_COLUMNS):
        raise ImportInvalid(
            _(
                "The columns do not fit: the file needs a “sku” column and at least one of %(columns)s "
                "(the other columns of the product export are ignored)."
            )
            % {"columns": ", ".join(IMPORT_COLUMNS)}
            + (" " + _("Unknown columns: %(names)s.") % {"names": ", ".join(unknown)} if unknown else "")
        )
    return names


def read_rows(upload):
    """``[[line, sku, {column: text}], ...]`` of the file's non-empty rows; :class:`ImportInvalid`
    for a file that is not a CSV of the expected shape."""
    text = _text_of(upload)
    try:
        sample = text[:4096]
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample.count("\n") else csv.excel
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        names = _header(next(reader, []))
        rows = []
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(rows) >= MAX_ROWS:
                raise ImportInvalid(_("The file has more than %(max)s rows; split it.") % {"max": MAX_ROWS})
            if len(row) > len(names) and any(cell.strip() for cell in row[len(names) :]):
                message = _("Line %(line)d has more cells than the header has columns (write prices like 12.50).")
                raise ImportInvalid(message % {"line": reader.line_num})
            values = {name: unsafe_cell(cell).strip() for name, cell in zip(names, row, strict=False) if name}
            rows.append([reader.line_num, values.get("sku", ""), {c: values.get(c, "") for c in IMPORT_COLUMNS}])
    except csv.Error as error:
        raise ImportInvalid(_("This is not a CSV file the importer can read: %(error)s.") % {"error": error}) from None
    if not rows:
        raise ImportInvalid(_("The file has no rows under its header."))
    return rows


# --- what the rows change ---------------------------------------------------------------------------


def _price(text, line, errors):
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value < 0 or value > MAX_PRICE or value.as_tuple().exponent < -2:
        errors.append(
            _("Line %(line)d: “%(value)s” is not a price (write it like 12.50).") % {"line": line, "value": text}
        )
        return None
    return value.quantize(Decimal("0.01"))


def _quantity(text, line, errors):
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or abs(value) >= MAX_QUANTITY:
        errors.append(
            _("Line %(line)d: “%(value)s” is not a stock quantity (a whole number).") % {"line": line, "value": text}
        )
    return value


def _targets(store_id, skus, lock):
    products = Product.objects.filter(store_id=store_id, sku__in=skus).exclude(status="trash")
    variations = ProductVariation.objects.filter(store_id=store_id, sku__in=skus).select_related("product")
    if lock:
        products = products.select_for_update()
        variations = variations.select_for_update(of=("self",))
    found = {}
    for item in [*products, *variations]:
        found.setdefault(item.sku, []).append(item)
    return found


def _text(value):
    return None if value is None else str(value)


def _row_changes(item, values, line, errors):
    """``{column: [old, new]}`` of one row, with the new values checked."""
    is_product = isinstance(item, Product)
    fields = PRODUCT_FIELDS if is_product else VARIATION_FIELDS
    new = {}
    for column in ("regular_price", "sale_price"):
        if values[column]:
            new[column] = _price(values[column], line, errors)
    if values["stock_quantity"]:
        new["stock_quantity"] = _quantity(values["stock_quantity"], line, errors)
    if values["stock_status"]:
        if values["stock_status"] not in STOCK_STATUSES:
            errors.append(
                _("Line %(line)d: the stock status must be one of %(choices)s.")
                % {"line": line, "choices": ", ".join(STOCK_STATUSES)}
            )
        new["stock_status"] = values["stock_status"]
    if None in new.values():
        return {}
    if is_product and item.type == "variable" and ({"regular_price", "sale_price"} & set(new)):
        errors.append(
            _("Line %(line)d: %(sku)s is a variable product: set prices on its variations.")
            % {"line": line, "sku": item.sku}
        )
        return {}
    old = {column: getattr(item, field) for column, field in fields.items()}
    old["stock_status"] = item.stock_status
    if "stock_quantity" in new and "stock_status" not in new and new["stock_quantity"] != old["stock_quantity"]:
        new["stock_status"] = "instock" if new["stock_quantity"] > 0 else "outofstock"
    regular = new.get("regular_price", old["regular_price"])
    sale = new.get("sale_price", old["sale_price"])
    if sale is not None and regular is not None and sale >= regular and {"regular_price", "sale_price"} & set(new):
        errors.append(
            _("Line %(line)d: the sale price (%(sale)s) must be lower than the regular price (%(regular)s).")
            % {"line": line, "sale": sale, "regular": regular}
        )
        return {}
    return {column: [_text(old[column]), _text(value)] for column, value in new.items() if value != old[column]}


def compute_changes(store_id, rows, *, lock=False):
    """``(changes, unchanged, errors)`` of the rows against the catalog as it is now (rows
    without a SKU are left out)."""
    errors, changes, unchanged, seen = [], [], 0, {}
    found = _targets(store_id, {sku for _line, sku, _values in rows if sku}, lock)
    for line, sku, values in rows:
        if not sku:
            continue  # counted as left out (``without_sku``): products without a SKU are exported too
        if sku in seen:
            errors.append(
                _("Line %(line)d: %(sku)s is already on line %(first)d.")
                % {"line": line, "sku": sku, "first": seen[sku]}
            )
            continue
        seen[sku] = line
        items = found.get(sku, [])
        if len(items) != 1:
            message = (
                _("Line %(line)d: no product or variation of this store has the SKU %(sku)s.")
                if not items
                else _("Line %(line)d: more than one product or variation has the SKU %(sku)s.")
            )
            errors.append(message % {"line": line, "sku": sku})
            continue
        item = items[0]
        row = _row_changes(item, values, line, errors)
        if not row:
            unchanged += 1
            continue
        is_product = isinstance(item, Product)
        changes.append(
            {
                "line": line,
                "kind": "product" if is_product else "variation",
                "id": str(item.pk),
                "product_id": str(item.pk if is_product else item.product_id),
                "sku": sku,
                "name": item.name if is_product else item.product.name,
                "fields": row,
            }
        )
    return changes, unchanged, errors


def _digest(changes):
    return hashlib.sha256(json.dumps(changes, sort_keys=True).encode()).hexdigest()


def preview_token(product_import):
    """What the confirm form carries: the import and exactly the changes shown, signed."""
    return signing.dumps({"import": str(product_import.pk), "digest": _digest(product_import.changes)}, salt=TOKEN_SALT)


# --- services ---------------------------------------------------------------------------------------


def import_create(*, actor, store_id, upload):
    """Read and check an uploaded CSV; the import to preview, or :class:`ImportInvalid`."""
    access_for(actor).require(CHANGE_CATALOG, store_id)
    try:
        rows = read_rows(upload)
    except ImportInvalid:
        logger.info("Product import refused for store %s: the file cannot be read", store_id)
        raise
    changes, unchanged, errors = compute_changes(store_id, rows)
    if errors:
        logger.info("Product import refused for store %s: %d problem(s) in %d rows", store_id, len(errors), len(rows))
        shown = errors[:MAX_ERRORS_SHOWN]
        if len(errors) > len(shown):
            shown.append(_("… and %(n)d more problems.") % {"n": len(errors) - len(shown)})
        raise ImportInvalid(shown)
    return ProductImport.objects.create(
        store_id=store_id,
        requested_by=actor,
        file_name=(getattr(upload, "name", "") or "")[:200],
        rows=rows,
        changes=changes,
        unchanged=unchanged,
        without_sku=sum(1 for _line, sku, _values in rows if not sku),
    )


def import_get(access, user, store_id, import_id):
    """An import of this store uploaded by ``user`` (anyone else's is a 404)."""
    access.require(CHANGE_CATALOG, store_id)
    queryset = ProductImport.objects.filter(store_id=store_id, requested_by_id=user.pk)
    return get_scoped_or_404(queryset, access, CHANGE_CATALOG, pk=import_id)


def _save(store_id, changes):
    """Write the changes (rows locked by ``compute_changes``); ``[(product id, fields, {variation
    id: fields})]`` for the push."""
    products = {
        str(p.pk): p
        for p in Product.objects.filter(store_id=store_id, pk__in=[c["id"] for c in changes if c["kind"] == "product"])
    }
    variations = {
        str(v.pk): v
        for v in ProductVariation.objects.filter(
            store_id=store_id, pk__in=[c["id"] for c in changes if c["kind"] == "variation"]
        )
    }
    pushes = {}
    for change in changes:
        item = products.get(change["id"]) if change["kind"] == "product" else variations.get(change["id"])
        mapping = PRODUCT_FIELDS if change["kind"] == "product" else VARIATION_FIELDS
        names = []
        for column, (_old, new) in change["fields"].items():
            name = mapping.get(column, column)
            field = item._meta.get_field(name)
            setattr(item, name, field.to_python(new) if new is not None else None)
            names.append(name)
        entry = pushes.setdefault(change["product_id"], [set(), {}])
        if change["kind"] == "product":
            entry[0].update(names)
        else:
            effective = item.sale_price if item.sale_price is not None else item.regular_price
            item.price = effective
            entry[1][change["id"]] = names
    now = timezone.now()
    for model, items in ((Product, products), (ProductVariation, variations)):
        if items:
            for item in items.values():
                item.updated_at = now
            names = ["price", "sale_price", "stock_quantity", "stock_status", "updated_at"]
            if model is ProductVariation:
                names.append("regular_price")
            model.objects.bulk_update(list(items.values()), names, batch_size=500)
    return [
        (product_id, sorted(fields) or None, variations or None) for product_id, (fields, variations) in pushes.items()
    ]


def import_apply(*, actor, store_id, import_id, token):
    """Save and push a previewed import once; :class:`StalePreview` when the catalog changed
    since the preview, ``ValidationError`` for a token that is not this import's."""
    access = access_for(actor)
    with transaction.atomic():
        product_import = get_scoped_or_404(
            ProductImport.objects.select_for_update().filter(store_id=store_id, requested_by_id=actor.pk),
            access,
            CHANGE_CATALOG,
            pk=import_id,
        )
        access.require(CHANGE_CATALOG, store_id)
        if product_import.status == "applied":
            return product_import
        try:
            signed = signing.loads(token or "", salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
        except signing.BadSignature:
            raise ValidationError(_("This preview has expired: upload the file again.")) from None
        if signed.get("import") != str(product_import.pk):
            raise ValidationError(_("This preview has expired: upload the file again."))
        changes, unchanged, errors = compute_changes(store_id, product_import.rows, lock=True)
        if errors or _digest(changes) != signed.get("digest"):
            product_import.changes, product_import.unchanged = changes, unchanged
            product_import.save(update_fields=["changes", "unchanged"])
            stale = StalePreview(product_import)
            stale.errors = errors
        else:
            stale = None
            ops = products_push_batch(changes=_save(store_id, changes), actor=actor) if changes else []
            product_import.status = "applied"
            product_import.applied_at = timezone.now()
            product_import.push_ids = [str(op.pk) for op in ops]
            product_import.save(update_fields=["status", "applied_at", "push_ids"])
    if stale is not None:
        raise stale
    if product_import.changes:
        check_mass_changes(actor.pk)
    return product_import


def import_progress(product_import):
    """Where the import's pushes are: counts per outcome and the refused ones (one query)."""
    ops = list(
        PushOperation.objects.filter(pk__in=product_import.push_ids).only(
            "id", "status", "object_id", "last_error", "store_id"
        )
    )
    counts = dict.fromkeys(PushStatus.values, 0)
    for op in ops:
        counts[op.status] += 1
    waiting = counts[PushStatus.PENDING] + counts[PushStatus.RUNNING]
    return {
        "total": len(ops),
        "done": counts[PushStatus.DONE],
        "waiting": waiting,
        "finished": waiting == 0,
        "percent": 100 if not ops else (len(ops) - waiting) * 100 // len(ops),
        "problems": [op for op in ops if op.status in (PushStatus.FAILED, PushStatus.CONFLICT)],
    }
