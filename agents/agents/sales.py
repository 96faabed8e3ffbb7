"""Sales: each store's last 24 hours against the same 24 hours of the previous weeks.

Causes: ``sales_drop`` / ``sales_spike`` (revenue or paid orders beyond the store's band),
``cancelled_surge`` / ``failed_surge`` / ``refunded_surge`` and ``top_movers`` (products whose
units sold in the last 7 days moved most against the 7 days before). Checkout drafts and trashed
orders never count; orders are dated by WooCommerce (``woo_created_at``, the dashboard's
``orders_store_sales_idx`` serves the reads). Two passes over recent ``orders``, all in SQL.
"""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from agents.base import STORE_SCOPE
from agents.base import Agent
from agents.base import Figure
from agents.base import Finding
from agents.base import Item
from agents.base import money
from agents.base import percent
from agents.base import setting
from agents.base import text
from config.db import Severity

PAID = ("processing", "completed", "on-hold")
TROUBLE = ("cancelled", "failed", "refunded")
EXCLUDED = ("checkout-draft", "trash")
MOVERS = 5
MOVER_MIN_UNITS = 5
WEEK_SECONDS = 7 * 86400

_WEEKS_SQL = """
WITH recent AS (
    SELECT o.store_id, o.status, o.total,
           extract(epoch FROM (%(now)s - o.woo_created_at)) AS age
    FROM orders AS o
    WHERE o.woo_created_at > %(now)s - make_interval(days => 7 * %(weeks)s + 1)
      AND o.woo_created_at <= %(now)s
      AND o.status <> ALL(%(excluded)s) {store_filter}
)
SELECT r.store_id, floor(r.age / {week})::int AS week,
       count(*) AS orders_all,
       count(*) FILTER (WHERE r.status = ANY(%(paid)s)) AS orders,
       COALESCE(sum(r.total) FILTER (WHERE r.status = ANY(%(paid)s)), 0) AS revenue,
       count(*) FILTER (WHERE r.status = 'cancelled') AS cancelled,
       count(*) FILTER (WHERE r.status = 'failed') AS failed,
       count(*) FILTER (WHERE r.status = 'refunded') AS refunded,
       max(s.currency) AS currency,
       max(COALESCE(a.sales_band_percent, %(band)s)) AS band
FROM recent AS r
JOIN stores AS s ON s.id = r.store_id
LEFT JOIN agent_store_settings AS a ON a.store_id = r.store_id
WHERE r.age - floor(r.age / {week}) * {week} < 86400
GROUP BY r.store_id, week
"""

_MOVERS_SQL = """
WITH sold AS (
    SELECT o.store_id, (li ->> 'product_id')::bigint AS woo_product_id, li ->> 'name' AS name,
           (li ->> 'quantity')::numeric AS quantity,
           o.woo_created_at > %(now)s - interval '7 days' AS is_recent
    FROM orders AS o
    CROSS JOIN LATERAL jsonb_array_elements(
        CASE WHEN jsonb_typeof(o.line_items) = 'array' THEN o.line_items ELSE '[]'::jsonb END) AS li
    WHERE o.woo_created_at > %(now)s - interval '14 days'
      AND o.woo_created_at <= %(now)s
      AND o.status = ANY(%(paid)s) {store_filter}
),
per_product AS (
    SELECT store_id, woo_product_id, max(name) AS name,
           COALESCE(sum(quantity) FILTER (WHERE is_recent), 0) AS recent,
           COALESCE(sum(quantity) FILTER (WHERE NOT is_recent), 0) AS before
    FROM sold WHERE woo_product_id IS NOT NULL
    GROUP BY store_id, woo_product_id
),
ranked AS (
    SELECT pp.*, pp.recent - pp.before AS delta,
           row_number() OVER (PARTITION BY pp.store_id ORDER BY pp.recent - pp.before DESC) AS up,
           row_number() OVER (PARTITION BY pp.store_id ORDER BY pp.recent - pp.before ASC) AS down
    FROM per_product AS pp
    WHERE abs(pp.recent - pp.before) >= %(min_units)s
)
SELECT r.store_id, r.woo_product_id, r.name, r.recent, r.before, r.delta, p.id AS product_id, p.name AS product_name
FROM ranked AS r
LEFT JOIN products AS p ON p.store_id = r.store_id AND p.woo_id = r.woo_product_id
WHERE (r.up <= {movers} AND r.delta > 0) OR (r.down <= {movers} AND r.delta < 0)
ORDER BY r.store_id, r.delta DESC
"""


def _weeks(context, weeks, band):
    sql = _WEEKS_SQL.format(store_filter=context.store_filter("o.store_id"), week=WEEK_SECONDS)
    rows = context.rows(sql, weeks=weeks, band=band, paid=list(PAID), excluded=list(EXCLUDED))
    stores = {}
    for row in rows:
        stores.setdefault(row["store_id"], {})[row["week"]] = row
    return stores


def _baseline(by_week, weeks, key):
    """Mean of the previous weeks that had any order (a store synced recently has no older weeks)."""
    values = [by_week[w][key] for w in range(1, weeks + 1) if w in by_week and by_week[w]["orders_all"]]
    if not values:
        return None
    return sum(Decimal(v) for v in values) / len(values)


def _change(now, usual):
    return float((Decimal(now) - usual) / usual * 100) if usual else 0.0


def _sales_finding(store_id, current, usual_revenue, usual_orders, band, currency):
    revenue_change = _change(current["revenue"], usual_revenue) if usual_revenue else 0.0
    orders_change = _change(current["orders"], usual_orders)
    change = revenue_change if abs(revenue_change) >= abs(orders_change) else orders_change
    if abs(change) <= band:
        return None
    params = {
        "revenue": money(current["revenue"], currency),
        "usual_revenue": money(usual_revenue, currency),
        "orders": current["orders"],
        "usual_orders": f"{usual_orders:.1f}",
        "change": percent(change),
        "band": band,
    }
    figures = [
        Figure(text(_("Revenue, last 24 hours")), params["revenue"]),
        Figure(text(_("Usual revenue for these hours")), params["usual_revenue"]),
        Figure(text(_("Paid orders, last 24 hours")), str(current["orders"])),
        Figure(text(_("Usual paid orders")), params["usual_orders"]),
        Figure(text(_("Change")), params["change"]),
    ]
    facts = {
        "revenue_last_24h": float(current["revenue"]),
        "usual_revenue": float(usual_revenue),
        "paid_orders_last_24h": current["orders"],
        "usual_paid_orders": float(usual_orders),
        "change_percent": round(change, 1),
        "band_percent": band,
    }
    cause = "sales_drop" if change < 0 else "sales_spike"
    title, analysis, recommendations = _SALES_TEXT[cause]
    if cause == "sales_drop":
        severity = Severity.HIGH if -change >= 2 * band else Severity.MEDIUM
    else:
        severity = Severity.LOW
    return Finding(
        cause=cause,
        severity=severity,
        store_id=store_id,
        title=text(title, **params),
        analysis=text(analysis, **params),
        recommendations=[text(r) for r in recommendations],
        figures=figures,
        facts=facts,
    )


# cause -> (title, analysis, recommendations)
_SALES_TEXT = {
    "sales_drop": (
        _("Sales are down %(change)s against the usual level"),
        _(
            "The last 24 hours brought %(revenue)s from %(orders)s paid orders; the same hours of "
            "the previous weeks brought %(usual_revenue)s from %(usual_orders)s orders on average "
            "(%(change)s, beyond the ±%(band)s%% band)."
        ),
        [
            _("Place a test order to make sure checkout and payment work."),
            _("Check that the best sellers are in stock and visible."),
            _("Check whether a campaign, coupon or shipping change ended or broke."),
        ],
    ),
    "sales_spike": (
        _("Sales are up %(change)s against the usual level"),
        _(
            "The last 24 hours brought %(revenue)s from %(orders)s paid orders, against %(usual_revenue)s "
            "from %(usual_orders)s orders in the same hours of the previous weeks (%(change)s)."
        ),
        [
            _("Make sure stock of the products selling now will last."),
            _("Find out what drove the rise (a campaign, a mention) so you can repeat it."),
        ],
    ),
}


_TROUBLE_TEXT = {
    "cancelled": (
        _("Cancelled orders surged: %(count)s in 24 hours"),
        [
            _("Look at the cancelled orders for a common product, payment method or shipping zone."),
            _("Check whether stock ran out after the orders were placed."),
        ],
    ),
    "failed": (
        _("Failed orders surged: %(count)s in 24 hours"),
        [
            _("Check the payment gateway's status and its logs; place a test order."),
            _("Contact customers whose payment failed; many will retry if asked."),
        ],
    ),
    "refunded": (
        _("Refunds surged: %(count)s in 24 hours"),
        [
            _("Look at the refunded orders for a common product: a defect or a misleading description."),
            _("Check the refund reasons your team recorded."),
        ],
    ),
}


def _trouble_findings(store_id, current, by_week, weeks):
    findings = []
    for status in TROUBLE:
        count = current[status]
        usual = _baseline(by_week, weeks, status) or Decimal(0)
        if count < 3 or count < 2 * max(usual, Decimal(1)):
            continue
        title, recommendations = _TROUBLE_TEXT[status]
        params = {"count": count, "usual": f"{usual:.1f}", "status": status}
        big = count >= 10 and count >= 5 * max(usual, Decimal(1))
        severity = Severity.HIGH if status == "failed" or big else Severity.MEDIUM
        findings.append(
            Finding(
                cause=f"{status}_surge",
                severity=Severity.CRITICAL if status == "failed" and big else severity,
                store_id=store_id,
                title=text(title, **params),
                analysis=text(
                    _(
                        "%(count)s orders became “%(status)s” in the last 24 hours, against %(usual)s in the "
                        "same hours of the previous weeks on average."
                    ),
                    **params,
                ),
                recommendations=[text(r) for r in recommendations],
                figures=[
                    Figure(text(_("Orders, last 24 hours")), str(count)),
                    Figure(text(_("Usual for these hours")), params["usual"]),
                ],
                facts={"status": status, "orders_last_24h": count, "usual": float(usual)},
            )
        )
    return findings


def _mover_findings(context):
    sql = _MOVERS_SQL.format(store_filter=context.store_filter("o.store_id"), movers=MOVERS)
    by_store = {}
    for row in context.rows(sql, paid=list(PAID), min_units=MOVER_MIN_UNITS):
        by_store.setdefault(row["store_id"], []).append(row)
    findings = []
    for store_id, rows in by_store.items():
        rising = [r for r in rows if r["delta"] > 0]
        falling = [r for r in rows if r["delta"] < 0]
        params = {"rising": len(rising), "falling": len(falling)}
        findings.append(
            Finding(
                cause="top_movers",
                severity=Severity.LOW,
                store_id=store_id,
                title=text(_("Top movers of the week: %(rising)s rising, %(falling)s falling"), **params),
                analysis=text(
                    _(
                        "Units sold in the last 7 days against the 7 days before: %(rising)s products sell "
                        "clearly more and %(falling)s clearly less."
                    ),
                    **params,
                ),
                recommendations=[
                    text(_("Check stock of the rising products so they do not sell out.")),
                    text(_("Look at the falling products: price, stock, images or a competitor.")),
                ],
                figures=[
                    Figure(text(_("Rising products")), str(len(rising))),
                    Figure(text(_("Falling products")), str(len(falling))),
                ],
                items=[
                    Item(
                        "product",
                        str(r["product_id"]) if r["product_id"] else None,
                        r["product_name"] or r["name"] or f"#{r['woo_product_id']}",
                        text(
                            _("%(delta)s units (%(before)s → %(recent)s)"),
                            delta=f"{r['delta']:+.0f}",
                            before=f"{r['before']:.0f}",
                            recent=f"{r['recent']:.0f}",
                        ),
                    )
                    for r in rows
                ],
                facts={
                    "movers": [
                        {
                            "product": r["product_name"] or r["name"],
                            "last_7_days": float(r["recent"]),
                            "previous_7_days": float(r["before"]),
                        }
                        for r in rows
                    ]
                },
            )
        )
    return findings


def analyse(context):
    weeks, min_orders = setting("AGENTS_SALES_WEEKS"), setting("AGENTS_SALES_MIN_ORDERS")
    findings = []
    for store_id, by_week in _weeks(context, weeks, setting("AGENTS_SALES_BAND_PERCENT")).items():
        current = by_week.get(0)
        band = next(iter(by_week.values()))["band"]
        currency = next(iter(by_week.values()))["currency"]
        if current is None:
            current = {"orders": 0, "revenue": Decimal(0), **dict.fromkeys(TROUBLE, 0), "orders_all": 0}
        usual_orders = _baseline(by_week, weeks, "orders")
        usual_revenue = _baseline(by_week, weeks, "revenue")
        if usual_orders is not None and usual_orders >= min_orders:
            finding = _sales_finding(store_id, current, usual_revenue, usual_orders, band, currency)
            if finding:
                findings.append(finding)
        findings.extend(_trouble_findings(store_id, current, by_week, weeks))
    findings.extend(_mover_findings(context))
    return findings


AGENT = Agent("sales", _("Sales"), analyse, STORE_SCOPE, _("Revenue, orders and top movers against previous weeks"))
