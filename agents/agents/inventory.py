"""Inventory: stock and catalog gaps on each store's products, in one pass over ``products``.

Causes: ``out_of_stock`` and ``low_stock`` (published products; the store's own threshold),
``negative_stock``, ``sale_above_regular``, ``missing_price`` (published simple/external products),
``missing_image`` and ``missing_category`` (published products).
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from agents.base import STORE_SCOPE
from agents.base import Agent
from agents.base import Figure
from agents.base import Finding
from agents.base import Item
from agents.base import setting
from agents.base import text
from config.db import Severity

EXAMPLES = 10

_SQL = """
WITH candidates AS (
    SELECT p.store_id, p.id, p.name, p.stock_quantity, p.price, p.sale_price,
           COALESCE(s.low_stock_threshold, %(low_stock)s) AS threshold,
           array_remove(ARRAY[
               CASE WHEN p.status = 'publish' AND p.stock_status = 'outofstock' THEN 'out_of_stock' END,
               CASE WHEN p.status = 'publish' AND p.stock_status <> 'outofstock'
                     AND p.stock_quantity BETWEEN 1 AND COALESCE(s.low_stock_threshold, %(low_stock)s)
                    THEN 'low_stock' END,
               CASE WHEN p.stock_quantity < 0 THEN 'negative_stock' END,
               CASE WHEN p.sale_price > p.price THEN 'sale_above_regular' END,
               CASE WHEN p.status = 'publish' AND p.type IN ('simple', 'external') AND p.price IS NULL
                    THEN 'missing_price' END,
               CASE WHEN p.status = 'publish' AND p.featured_image_id IS NULL
                     AND NOT EXISTS (SELECT 1 FROM product_images AS i WHERE i.product_id = p.id)
                    THEN 'missing_image' END,
               CASE WHEN p.status = 'publish'
                     AND (p.categories IS NULL OR jsonb_typeof(p.categories) <> 'array'
                          OR jsonb_array_length(p.categories) = 0)
                    THEN 'missing_category' END
           ], NULL) AS causes
    FROM products AS p
    LEFT JOIN agent_store_settings AS s ON s.store_id = p.store_id
    WHERE true {store_filter}
),
flagged AS (
    -- Only products with a problem are unnested (one row per product and cause).
    SELECT c.store_id, c.id, c.name, c.stock_quantity, c.price, c.sale_price, c.threshold, cause
    FROM candidates AS c CROSS JOIN LATERAL unnest(c.causes) AS cause
    WHERE cardinality(c.causes) > 0
),
ranked AS (
    SELECT f.*, row_number() OVER (
        PARTITION BY f.store_id, f.cause ORDER BY f.stock_quantity NULLS LAST, f.name, f.id) AS rn
    FROM flagged AS f
),
published AS (
    SELECT p.store_id, count(*) AS published FROM products AS p
    WHERE p.status = 'publish' {published_filter}
    GROUP BY p.store_id
)
SELECT r.store_id, r.cause, count(*) AS total, max(pub.published) AS published, max(r.threshold) AS threshold,
       json_agg(json_build_object('id', r.id, 'name', r.name, 'stock', r.stock_quantity,
                                  'price', r.price, 'sale_price', r.sale_price) ORDER BY r.rn)
           FILTER (WHERE r.rn <= {examples}) AS examples
FROM ranked AS r LEFT JOIN published AS pub ON pub.store_id = r.store_id
GROUP BY r.store_id, r.cause
"""


def _stock_detail(row):
    return text(_("Stock: %(stock)s"), stock=row["stock"] if row["stock"] is not None else "—")


def _price_detail(row):
    return text(_("Regular %(price)s, sale %(sale)s"), price=row["price"], sale=row["sale_price"])


# cause -> (title, analysis, recommendations, item detail, severity(total, share))
CAUSES = {
    "out_of_stock": (
        ngettext_lazy(
            "%(count)s published product is out of stock", "%(count)s published products are out of stock", "count"
        ),
        _(
            "%(count)s of the %(published)s published products (%(share)s%%) show as out of stock, so "
            "customers can see them but cannot buy them."
        ),
        [
            _("Restock the best sellers among them or mark them as backorder."),
            _("Hide products you will not restock (set them to draft) so customers stop landing on them."),
        ],
        _stock_detail,
        lambda total, share: Severity.HIGH if share >= 25 or total >= 50 else Severity.MEDIUM,
    ),
    "low_stock": (
        ngettext_lazy(
            "%(count)s published product is running low", "%(count)s published products are running low", "count"
        ),
        _(
            "Published products with %(threshold)s items or fewer left in stock: %(count)s. At the usual "
            "pace they may sell out soon."
        ),
        [
            _("Order more stock for these products."),
            _("Change the low-stock threshold on this page if it does not suit the store."),
        ],
        _stock_detail,
        lambda total, share: Severity.MEDIUM if total >= 20 else Severity.LOW,
    ),
    "negative_stock": (
        ngettext_lazy("%(count)s product has negative stock", "%(count)s products have negative stock", "count"),
        _(
            "Products with a stock quantity below zero: %(count)s. More was sold than was in stock, or "
            "the stock was entered wrongly."
        ),
        [
            _("Count the real stock of these products and correct the quantity."),
            _("Check whether orders were accepted that cannot be fulfilled, and contact those customers."),
        ],
        _stock_detail,
        lambda total, share: Severity.HIGH,
    ),
    "sale_above_regular": (
        ngettext_lazy(
            "%(count)s product has a sale price above the regular price",
            "%(count)s products have a sale price above the regular price",
            "count",
        ),
        _(
            "Products “on sale” for more than their regular price: %(count)s. Customers are charged "
            "more while the shop shows a sale."
        ),
        [
            _("Correct the sale price (or the regular price) of these products."),
            _("Check the price import or bulk edit that set them."),
        ],
        _price_detail,
        lambda total, share: Severity.MEDIUM,
    ),
    "missing_price": (
        ngettext_lazy(
            "%(count)s published product has no price", "%(count)s published products have no price", "count"
        ),
        ngettext_lazy(
            "%(count)s published product has no price, so WooCommerce does not let customers buy it.",
            "%(count)s published products have no price, so WooCommerce does not let customers buy them.",
            "count",
        ),
        [_("Set a regular price for these products, or set them to draft until they have one.")],
        None,
        lambda total, share: Severity.HIGH,
    ),
    "missing_image": (
        ngettext_lazy(
            "%(count)s published product has no image", "%(count)s published products have no image", "count"
        ),
        ngettext_lazy(
            "%(count)s published product has no image; products without pictures sell noticeably less.",
            "%(count)s published products have no image; products without pictures sell noticeably less.",
            "count",
        ),
        [_("Add at least one product image to each of them, starting with the best sellers.")],
        None,
        lambda total, share: Severity.MEDIUM if share >= 20 else Severity.LOW,
    ),
    "missing_category": (
        ngettext_lazy(
            "%(count)s published product has no category", "%(count)s published products have no category", "count"
        ),
        ngettext_lazy(
            "%(count)s published product is in no category, so shoppers browsing categories never see it.",
            "%(count)s published products are in no category, so shoppers browsing categories never see them.",
            "count",
        ),
        [_("Assign each of them to a category.")],
        None,
        lambda total, share: Severity.LOW,
    ),
}


def analyse(context):
    low_stock = setting("AGENTS_LOW_STOCK_THRESHOLD")
    sql = _SQL.format(
        store_filter=context.store_filter("p.store_id"),
        published_filter=context.store_filter("p.store_id"),
        examples=EXAMPLES,
    )
    findings = []
    for row in context.rows(sql, low_stock=low_stock):
        title, analysis, recommendations, detail, severity = CAUSES[row["cause"]]
        total, published = row["total"], row["published"] or 0
        share = round(100 * total / published) if published else 0
        params = {
            "count": total,
            "published": published,
            "share": share,
            "threshold": row["threshold"],
        }
        findings.append(
            Finding(
                cause=row["cause"],
                severity=severity(total, share),
                store_id=row["store_id"],
                title=text(title, **params),
                analysis=text(analysis, **params),
                recommendations=[text(r) for r in recommendations],
                figures=[
                    Figure(text(_("Products concerned")), str(total)),
                    Figure(text(_("Published products")), str(published)),
                    Figure(text(_("Share of the published catalog")), f"{share}%"),
                ],
                items=[
                    Item("product", str(ex["id"]), ex["name"], detail(ex) if detail else None)
                    for ex in row["examples"] or []
                ],
                facts={"products": total, "published": published, "share_percent": share},
            )
        )
    return findings


AGENT = Agent("inventory", _("Inventory"), analyse, STORE_SCOPE, _("Stock levels and catalog gaps"))
