"""The product list as CSV: the rows of the list's filters, search and sort, through
``config.exports`` (safe cells, UTF-8 with a byte-order mark, streamed or written by a worker).

One row per product, and after a variable product one row per variation: type ``variation``,
``parent_sku`` its product's SKU, the product's name with the variation's options, its own
prices and stock (categories, tags and brands are the product's, left empty on its variations).
So a file edited in a spreadsheet comes back through the price and stock import
(``catalog.imports``), which finds products and variations by SKU alike.

The rows come from a server-side cursor in chunks of ``CHUNK_ROWS`` products (plain tuples, no
model instances), each chunk with one query for its variations: memory stays flat whatever the size of the store
(``benchmarks/catalog_csv_export.py``). Viewers may export: a product holds no customer data.
"""

from itertools import batched

from django.conf import settings
from django.db.models import F
from django.http import QueryDict

from catalog.forms import ProductFilterForm
from catalog.models import ProductExport
from catalog.models import ProductVariation
from catalog.selectors import filtered_products
from catalog.selectors import term_choices_for
from config.exports import queue_export
from config.exports import write_export_file
from config.pagination import total_of
from stores.access import VIEW_STORE
from stores.access import access_for
from stores.access import get_scoped_or_404

EXPORT_HEADER = (
    "id",
    "sku",
    "parent_sku",
    "name",
    "type",
    "status",
    "regular_price",
    "sale_price",
    "stock_status",
    "stock_quantity",
    "categories",
    "tags",
    "brands",
    "woo_id",
    "permalink",
)
# What the rows read: the header's columns of each (a product's regular price is its ``price``).
PRODUCT_COLUMNS = ["price" if c == "regular_price" else c for c in EXPORT_HEADER if c != "parent_sku"]
_PRODUCT_ONLY = ("parent_sku", "name", "type", "categories", "tags", "brands", "permalink")
VARIATION_COLUMNS = ["id", "product_id", "attributes", *(c for c in EXPORT_HEADER if c not in (*_PRODUCT_ONLY, "id"))]
_TYPE = PRODUCT_COLUMNS.index("type")
CHUNK_ROWS = 2000
EXPORT_TASK = "catalog.tasks.product_export_task"


def _names(refs):
    return ", ".join(str(ref.get("name", "")) for ref in refs or [] if isinstance(ref, dict))


def _options(attributes):
    return ", ".join(
        f"{ref.get('name', '')}: {ref.get('option') or '*'}" for ref in attributes or [] if isinstance(ref, dict)
    )


def product_export_rows_for(access, store_id, filters, chunk_rows=CHUNK_ROWS):
    """The export's rows (``EXPORT_HEADER``), products in the list's order, each variable
    product followed by its variations; plain tuples read in chunks from a server-side cursor,
    with one query per chunk for the variations of its variable products."""
    products = filtered_products(access, store_id, filters).values_list(*PRODUCT_COLUMNS)
    variations = ProductVariation.objects.values_list(*VARIATION_COLUMNS).order_by(
        "product_id", F("woo_id").asc(nulls_last=True), "created_at"
    )
    for chunk in batched(products.iterator(chunk_size=chunk_rows), chunk_rows):
        variable = [row[0] for row in chunk if row[_TYPE] == "variable"]
        children = {}
        for row in variations.filter(product_id__in=variable) if variable else ():
            children.setdefault(row[1], []).append(row)
        for row in chunk:
            values = dict(zip(PRODUCT_COLUMNS, row, strict=True))
            for name in ("categories", "tags", "brands"):
                values[name] = _names(values[name])
            values["regular_price"] = values.pop("price")
            yield [values.get(name) for name in EXPORT_HEADER]
            for child in children.get(row[0], ()):
                yield _variation_row(dict(zip(VARIATION_COLUMNS, child, strict=True)), values)


def _variation_row(variation, product):
    options = _options(variation.pop("attributes"))
    variation["parent_sku"] = product["sku"]
    variation["name"] = f"{product['name']} – {options}" if options else product["name"]
    variation["type"] = "variation"
    return [variation.get(name) for name in EXPORT_HEADER]


def product_export_size(access, store_id, filters, limit):
    """How many rows the export has (products and their variations): exact up to ``limit``
    each, PostgreSQL's estimate beyond (one capped count or EXPLAIN per table)."""
    products = filtered_products(access, store_id, filters)
    total, _exact = total_of(products, limit)
    variations = ProductVariation.objects.filter(product__in=products.order_by().values("pk"))
    return total + total_of(variations, limit)[0]


def filters_of(access, store_id, query):
    """The list's filters from its query string (as the product list reads them)."""
    form = ProductFilterForm(QueryDict(query) or None, terms=term_choices_for(access, store_id))
    return form.to_filters()


# --- background exports --------------------------------------------------------------------------


def product_export_start(user, store_id, query):
    """Queue a background export of the product list filtered by ``query`` (its query string)."""
    access_for(user).require(VIEW_STORE, store_id)
    return queue_export(ProductExport, EXPORT_TASK, user=user, store_id=store_id, query=query)


def product_export_write(export_id):
    """Write a queued export for its requester; None when it was started already."""

    def build(export):
        access = access_for(export.requested_by)
        filters = filters_of(access, export.store_id, export.query)
        total = product_export_size(access, export.store_id, filters, settings.PRODUCT_EXPORT_STREAM_LIMIT)
        return total, EXPORT_HEADER, product_export_rows_for(access, export.store_id, filters)

    return write_export_file(ProductExport, export_id, build)


def product_export_get(access, user, store_id, export_id):
    """An export of this store requested by ``user`` (anyone else's is a 404)."""
    access.require(VIEW_STORE, store_id)
    queryset = ProductExport.objects.filter(store_id=store_id, requested_by_id=user.pk)
    return get_scoped_or_404(queryset, access, VIEW_STORE, pk=export_id)
