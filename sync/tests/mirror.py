"""Field-by-field comparison of the database with the sandbox shop's own records.

Expectations are computed here from the sandbox's raw records (not through the mappers), so a
mapping mistake shows up as a difference.
"""

from datetime import UTC
from datetime import datetime
from decimal import Decimal

from catalog.models import Product
from catalog.models import ProductAttribute
from catalog.models import ProductImage
from catalog.models import ProductVariation
from catalog.models import StoreAttribute
from catalog.models import StoreAttributeTerm
from catalog.models import StoreBrand
from catalog.models import StoreCategory
from catalog.models import StoreTag
from orders.models import Order
from sync.mappers.orders import ORDER_FIELDS
from sync.mappers.products import PRODUCT_FIELDS


def _dt(value):
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC) if value else None


def _dec(value, places=True):
    if value in ("", None):
        return None
    number = Decimal(str(value))
    return number.quantize(Decimal("0.01")) if places else number


def _norm(value):
    if isinstance(value, Decimal):
        return value.normalize()
    return value


def _refs(items):
    return [{"id": r["id"], "name": r["name"], "slug": r["slug"]} for r in items]


def _compare(kind, expected, actual, problems):
    """expected/actual: {key: {field: value}}."""
    for key in sorted(set(expected) | set(actual), key=str):
        if key not in actual:
            problems.append((kind, key, f"{kind} {key}: missing here"))
            continue
        if key not in expected:
            problems.append((kind, key, f"{kind} {key}: here but not in the shop"))
            continue
        for field, value in expected[key].items():
            if _norm(actual[key].get(field)) != _norm(value):
                problems.append((kind, key, f"{kind} {key}.{field}: shop {value!r} != here {actual[key].get(field)!r}"))


def mirror_problems(store, srv, *, images_fetched=None, structured=False):
    """Every difference between the store's rows and the sandbox (empty list = equal).

    ``structured=True`` gives ``(kind, key, message)`` tuples instead of messages."""
    data = srv.data
    problems = []
    counts = data.term_counts()
    with data.lock:
        categories = {c["id"]: dict(c) for c in data.categories.values()}
        tags = {t["id"]: dict(t) for t in data.tags.values()}
        brands = {b["id"]: dict(b) for b in data.brands.values()}
        attributes = {a["id"]: dict(a) for a in data.attributes.values()}
        terms = {t: (data.term_attribute[t], dict(rec)) for t, rec in data.terms.items()}
        products = {p["id"]: p for p in data.products.values()}
        variations = {v["id"]: (data.variation_parent[v["id"]], v) for v in data.variations.values()}
        orders = {o["id"]: o for o in data.orders.values()}

    # Taxonomies
    local_cats = {c.woo_id: c for c in StoreCategory.objects.filter(store=store).select_related("parent")}
    _compare(
        "category",
        {
            i: {
                "name": c["name"],
                "slug": c["slug"],
                "description": c["description"],
                "parent_woo_id": c["parent"] or None,
                "parent": c["parent"] or None,
                "count": counts[i],
                "image_url": (c.get("image") or {}).get("src"),
                "display": c["display"],
                "menu_order": c["menu_order"],
            }
            for i, c in categories.items()
        },
        {
            i: {
                "name": c.name,
                "slug": c.slug,
                "description": c.description,
                "parent_woo_id": c.parent_woo_id,
                "parent": c.parent.woo_id if c.parent else None,
                "count": c.count,
                "image_url": c.image_url,
                "display": c.display,
                "menu_order": c.menu_order,
            }
            for i, c in local_cats.items()
        },
        problems,
    )
    _compare(
        "tag",
        {
            i: {"name": t["name"], "slug": t["slug"], "description": t["description"], "count": counts[i]}
            for i, t in tags.items()
        },
        {
            t.woo_id: {"name": t.name, "slug": t.slug, "description": t.description, "count": t.count}
            for t in StoreTag.objects.filter(store=store)
        },
        problems,
    )
    _compare(
        "brand",
        {
            i: {
                "name": b["name"],
                "slug": b["slug"],
                "description": b["description"],
                "count": counts[i],
                "logo_url": (b.get("image") or {}).get("src"),
            }
            for i, b in brands.items()
        },
        {
            b.woo_id: {
                "name": b.name,
                "slug": b.slug,
                "description": b.description,
                "count": b.count,
                "logo_url": b.logo_url,
            }
            for b in StoreBrand.objects.filter(store=store)
        },
        problems,
    )
    _compare(
        "attribute",
        {
            i: {
                "name": a["name"],
                "slug": a["slug"],
                "type": a["type"],
                "order_by": a["order_by"],
                "has_archives": a["has_archives"],
            }
            for i, a in attributes.items()
        },
        {
            a.woo_id: {
                "name": a.name,
                "slug": a.slug,
                "type": a.type,
                "order_by": a.order_by,
                "has_archives": a.has_archives,
            }
            for a in StoreAttribute.objects.filter(store=store)
        },
        problems,
    )
    _compare(
        "attribute term",
        {
            i: {
                "attribute": a,
                "name": t["name"],
                "slug": t["slug"],
                "description": t["description"],
                "menu_order": t["menu_order"],
                "count": counts[i],
            }
            for i, (a, t) in terms.items()
        },
        {
            t.woo_id: {
                "attribute": t.attribute.woo_id,
                "name": t.name,
                "slug": t.slug,
                "description": t.description,
                "menu_order": t.menu_order,
                "count": t.count,
            }
            for t in StoreAttributeTerm.objects.filter(store=store).select_related("attribute")
        },
        problems,
    )

    # Products, with their attributes and images
    local_products = {p.woo_id: p for p in Product.objects.filter(store=store).select_related("featured_image")}
    _compare(
        "product",
        {
            i: {
                "name": p["name"],
                "description": p["description"],
                "short_description": p["short_description"],
                "price": _dec(p["regular_price"]),
                "sale_price": _dec(p["sale_price"]),
                "stock_quantity": p["stock_quantity"],
                "stock_status": p["stock_status"],
                "status": p["status"],
                "type": p["type"],
                "sku": p["sku"] or None,
                "weight": _dec(p["weight"]),
                "length": _dec(p["dimensions"]["length"]),
                "width": _dec(p["dimensions"]["width"]),
                "height": _dec(p["dimensions"]["height"]),
                "categories": _refs(p["categories"]),
                "tags": _refs(p["tags"]),
                "brands": _refs(p["brands"]),
                "woo_created_at": _dt(p["date_created_gmt"]),
                "woo_modified_at": _dt(p["date_modified_gmt"]),
                "featured": p["images"][0]["src"] if p["images"] else None,
            }
            for i, p in products.items()
        },
        {
            i: {
                **{f: getattr(p, f) for f in (*PRODUCT_FIELDS, "woo_created_at", "woo_modified_at")},
                "featured": p.featured_image.original_url if p.featured_image else None,
            }
            for i, p in local_products.items()
        },
        problems,
    )
    _compare(
        "product attribute",
        {
            (pid, a["name"]): {
                "options": a["options"],
                "variation": a["variation"],
                "visible": a["visible"],
                "position": a["position"],
                "woo_id": a["id"],
            }
            for pid, p in products.items()
            for a in p["attributes"]
        },
        {
            (a.product.woo_id, a.name): {
                "options": a.options,
                "variation": a.variation,
                "visible": a.visible,
                "position": a.position,
                "woo_id": a.woo_id,
            }
            for a in ProductAttribute.objects.filter(store=store).select_related("product")
        },
        problems,
    )
    gallery = {}
    for pid, p in products.items():
        for n, image in enumerate(p["images"]):
            gallery[(pid, image["src"])] = {
                "woo_id": image["id"],
                "display_order": n,
                "alt_text": image["alt"] or None,
                "description": image["name"] or None,
            }
    local_images = ProductImage.objects.filter(store=store).select_related("product")
    _compare(
        "product image",
        gallery,
        {
            (i.product.woo_id, i.original_url): {
                "woo_id": i.woo_id,
                "display_order": i.display_order,
                "alt_text": i.alt_text,
                "description": i.description,
            }
            for i in local_images
            if i.type != "variation"
        },
        problems,
    )
    if images_fetched is not None:
        unfetched = [i.original_url for i in local_images if (i.storage_url is not None) != images_fetched]
        if unfetched:
            problems.append(
                ("image file", None, f"{len(unfetched)} image(s) not fetched={images_fetched}: {unfetched[:3]}")
            )

    # Variations
    local_variations = {
        v.woo_id: v for v in ProductVariation.objects.filter(store=store).select_related("product", "image")
    }
    _compare(
        "variation",
        {
            i: {
                "product": parent,
                "sku": v["sku"] or None,
                "price": _dec(v["price"], places=False),
                "regular_price": _dec(v["regular_price"], places=False),
                "sale_price": _dec(v["sale_price"], places=False),
                "stock_quantity": v["stock_quantity"],
                "stock_status": v["stock_status"],
                "attributes": [{"id": a["id"], "name": a["name"], "option": a["option"]} for a in v["attributes"]],
                "status": v["status"],
                "woo_modified_at": _dt(v["date_modified_gmt"]),
                "image": (v.get("image") or {}).get("src"),
            }
            for i, (parent, v) in variations.items()
        },
        {
            i: {
                "product": v.product.woo_id,
                "sku": v.sku,
                "price": v.price,
                "regular_price": v.regular_price,
                "sale_price": v.sale_price,
                "stock_quantity": v.stock_quantity,
                "stock_status": v.stock_status,
                "attributes": v.attributes,
                "status": v.status,
                "woo_modified_at": v.woo_modified_at,
                "image": v.image.original_url if v.image else None,
            }
            for i, v in local_variations.items()
        },
        problems,
    )

    # Orders
    def customer(o):
        name = f"{o['billing']['first_name']} {o['billing']['last_name']}".strip()
        return " ".join(name.split())

    _compare(
        "order",
        {
            i: {
                "status": o["status"],
                "total": _dec(o["total"]),
                "customer_name": customer(o)
                or " ".join(f"{o['shipping']['first_name']} {o['shipping']['last_name']}".split())
                or (o["billing"]["company"] or o["shipping"]["company"]),
                "customer_email": o["billing"].get("email") or None,
                "customer_phone": o["billing"].get("phone") or None,
                "number": o["number"],
                "currency": o["currency"],
                "billing": o["billing"],
                "shipping": o["shipping"],
                "line_items": o["line_items"],
                "payment_method": o["payment_method"] or None,
                "payment_method_title": o["payment_method_title"] or None,
                "discount_total": _dec(o["discount_total"]),
                "shipping_total": _dec(o["shipping_total"]),
                "total_tax": _dec(o["total_tax"]),
                "customer_note": o["customer_note"] or None,
                "woo_created_at": _dt(o["date_created_gmt"]),
                "woo_modified_at": _dt(o["date_modified_gmt"]),
                "date_paid": _dt(o["date_paid_gmt"]),
                "date_completed": _dt(o["date_completed_gmt"]),
            }
            for i, o in orders.items()
        },
        {o.woo_id: {f: getattr(o, f) for f in ORDER_FIELDS} for o in Order.objects.filter(store=store)},
        problems,
    )
    return problems if structured else [message for _, _, message in problems]
