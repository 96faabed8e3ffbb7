"""Deterministic demo shop: taxonomies, products with variations, and orders.

Everything is drawn from one seeded RNG, and dates are laid out backwards from the
start of the current UTC day, so a seed produces the same shop all day long. Records
are inserted straight into the :class:`Store` (no webhooks, no stock side effects):
this is the shop's history, not live traffic.

Realism that matters to a sync client is deliberate: ids with gaps (attachments and
variations share the post sequence), bursts of objects sharing one ``date_modified``
second (bulk imports and bulk edits), Hebrew/English/emoji names, HTML descriptions,
missing SKUs, sale prices, managed stock at zero, trashed objects, every order status.
"""

from __future__ import annotations

import bisect
import gc
import hashlib
import itertools
import math
import random
from decimal import Decimal
from typing import Any

from .model import blank_order
from .model import blank_product
from .model import blank_variation
from .model import derive_priced
from .model import derive_product
from .model import image
from .model import variation_permalink
from .orders import Orders
from .orders import recompute_totals
from .orders import split_vat
from .store import Store
from .text import money
from .text import slugify

Record = dict[str, Any]
DAY = 86_400

CATEGORY_TREE: dict[str, dict[str, list[str]]] = {
    "ביגוד": {
        "חולצות": ["חולצות טי", "חולצות מכופתרות"],
        "מכנסיים": ["ג'ינס", "מכנסי ספורט"],
        "Outerwear": ["Jackets", "Coats"],
    },
    "Home & Kitchen": {"Kitchen": ["Mugs & Cups", "Cookware"], "Decor": ["Candles 🕯️", "Cushions"], "מצעים": []},
    "אלקטרוניקה": {"Audio": ["Headphones", "Speakers"], "אביזרים": ["מטענים", "כבלים"]},
    "Sports & Outdoors": {"Running": ["Shoes", "Apparel"], "Camping": ["Tents", "Backpacks"]},
    "Kids & Toys 🧸": {"צעצועים": ["פאזלים", "Building Blocks"], "Baby": []},
    "Books & Stationery": {"Notebooks": [], "ספרים": ["ספרי ילדים", "Cookbooks"]},
    "Beauty": {"Skincare": ["Creams", "Serums"], "בשמים": []},
}
TAGS = [
    "new",
    "sale",
    "bestseller",
    "eco",
    "gift 🎁",
    "limited",
    "summer",
    "winter",
    "handmade",
    "vegan",
    "מבצע",
    "חדש",
    "מתנה",
    "קיץ",
    "חורף",
    "כחול-לבן",
    "organic",
    "unisex",
    "kids",
    "premium",
    "clearance",
    "back-to-school",
    "holiday",
    "made in Israel",
    "trending 🔥",
    "bundle",
    "outdoor",
    "home",
    "office",
    "travel",
]
BRANDS: dict[str, list[str]] = {
    "Acme": ["Acme Kids", "Acme Pro"],
    "נעמן": [],
    "Golan Heights Goods": [],
    "Sabon & Co": [],
    "Tel Aviv Threads": ["TAT Basics"],
    "Nordic Home": [],
    "פוקס": ["פוקס בייבי"],
    "Zara-ish": [],
    "Orbit Audio": [],
    "Desert Trek": [],
}
GLOBAL_ATTRIBUTES: dict[str, list[str]] = {
    "Color": ["Black", "White", "Red", "Blue", "Green", "Grey", "Navy", "Beige", "Pink", "Yellow", "שחור", "לבן"],
    "Size": ["XS", "S", "M", "L", "XL", "XXL", "36", "37", "38", "39", "40", "41", "42", "43", "44"],
    "Material": ["Cotton", "Wool", "Leather", "Linen", "Polyester", "Silk", "כותנה", "עור"],
    "נפח": ["250ml", "350ml", "500ml", "750ml", "1L"],
}
CUSTOM_ATTRIBUTES: dict[str, list[str]] = {
    "Style": ["Classic", "Modern", "Retro", "Sport"],
    "סגנון": ["קלאסי", "מודרני", "רטרו"],
    "Pattern": ["Solid", "Striped", "Dotted"],
}
EN_ADJECTIVES = [
    "Classic",
    "Organic",
    "Premium",
    "Vintage",
    "Handmade",
    "Eco",
    "Urban",
    "Cozy",
    "Minimal",
    "Deluxe",
    "Soft",
    "Bold",
    "Smart",
    "Sport",
    "Travel",
    "Kids'",
]
EN_NOUNS = [
    "T-Shirt",
    "Hoodie",
    "Mug",
    "Backpack",
    "Candle",
    "Notebook",
    "Sneakers",
    "Scarf",
    "Lamp",
    "Water Bottle",
    "Headphones",
    "Socks",
    "Jacket",
    "Cap",
    "Wallet",
    "Tote Bag",
    "Pillow",
    "Blanket",
    "Watch",
    "Sunglasses",
]
HE_NOUNS = [
    "חולצה",
    "קפוצ'ון",
    "ספל",
    "תיק גב",
    "נר ריחני",
    "מחברת",
    "נעלי ספורט",
    "צעיף",
    "מנורה",
    "בקבוק מים",
    "אוזניות",
    "גרביים",
    "מעיל",
    "כובע",
    "ארנק",
    "תיק בד",
    "כרית",
    "שמיכה",
    "שעון",
    "משקפי שמש",
]
HE_ADJECTIVES = ["קלאסי", "אורגני", "פרימיום", "וינטג'", "בעבודת יד", "ירוק", "אורבני", "נעים", "מינימליסטי", "דלוקס"]
MODELS = ["", "", "", "Pro", "Lite", "Max", "Mini", "2.0", "X", "Plus", "2024", "2025", '14"', "& Co."]
EMOJI = ["🔥", "✨", "🎁", "🌿", "☕", "👟", "🧸", "💡", "🌈", "⭐"]
SENTENCES = [
    "Made from carefully selected materials for everyday comfort.",
    "Designed in Tel Aviv &amp; produced in small batches.",
    "מוצר איכותי שמתאים לשימוש יומיומי.",
    "עמיד, קל לניקוי ונראה מעולה לאורך זמן.",
    "Perfect as a gift — wrapped and ready to go 🎁.",
    "משלוח מהיר לכל הארץ.",
    "Machine washable at 30°C.",
    "100% satisfaction or your money back.",
]
FEATURES = [
    "Lightweight",
    "Water resistant",
    "עמיד במים",
    "Eco-friendly packaging",
    "אחריות לשנה",
    "Fits true to size",
    "BPA free",
]
HE_FIRST = [
    ("נועה", "noa"),
    ("יוסי", "yossi"),
    ("מיכל", "michal"),
    ("דוד", "david"),
    ("שירה", "shira"),
    ("אורי", "ori"),
    ("תמר", "tamar"),
    ("איתי", "itai"),
    ("רונית", "ronit"),
    ("משה", "moshe"),
    ("יעל", "yael"),
    ("אביגיל", "avigail"),
]
HE_LAST = [
    ("כהן", "cohen"),
    ("לוי", "levi"),
    ("מזרחי", "mizrahi"),
    ("פרץ", "peretz"),
    ("ביטון", "biton"),
    ("אברהם", "avraham"),
    ("פרידמן", "friedman"),
    ("שפירא", "shapira"),
    ("אזולאי", "azulay"),
    ("גולן", "golan"),
]
EN_FIRST = ["John", "Emma", "Michael", "Sarah", "Daniel", "Olivia", "James", "Sophie", "Ethan", "Hannah"]
EN_LAST = ["Smith", "Johnson", "Brown", "Miller", "Davis", "Wilson", "Taylor", "Anderson", "Clark", "O'Brien"]
CITIES = ["תל אביב-יפו", "ירושלים", "חיפה", "באר שבע", "Ramat Gan", "Herzliya", "Netanya", "רעננה", "Eilat", "אשדוד"]
STREETS = ["הרצל", "רוטשילד", "בן יהודה", "Dizengoff St", "Allenby St", "ויצמן", "Jabotinsky St", "הנביאים"]
PAYMENT_METHODS = [
    ("bacs", "העברה בנקאית"),
    ("cod", "Cash on delivery"),
    ("cardcom", "Credit Card (Cardcom)"),
    ("paypal", "PayPal"),
    ("stripe", "Credit Card (Stripe)"),
    ("bit", "Bit"),
]
SHIPPING_METHODS = [
    ("flat_rate", "משלוח עד הבית", Decimal("29.90")),
    ("free_shipping", "Free shipping", Decimal(0)),
    ("local_pickup", "איסוף עצמי", Decimal(0)),
]
USER_AGENTS = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile",
]
CUSTOMER_NOTES = ["נא להשאיר ליד הדלת", "Please gift wrap 🎁", "להתקשר לפני הגעה", "Deliver after 5pm, thanks!"]
PRICES = [
    "19.90",
    "29.90",
    "39",
    "49.90",
    "59",
    "79.90",
    "89",
    "99",
    "119.90",
    "129",
    "149.90",
    "199",
    "249",
    "349.90",
    "599",
    "1299.99",
]


class Weighted:
    """A fixed weighted choice, cheaper than ``Random.choices`` on every call."""

    def __init__(self, *table: tuple[Any, int]) -> None:
        self.values = [value for value, _ in table]
        self.cumulative = list(itertools.accumulate(weight for _, weight in table))

    def pick(self, rng: random.Random) -> Any:
        return self.values[bisect.bisect_right(self.cumulative, rng.random() * self.cumulative[-1])]


class FastRandom(random.Random):
    """Seeded RNG with cheaper ``randint``/``choice`` (generation makes ~10^6 draws)."""

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def choice(self, seq: Any) -> Any:
        return seq[int(self.random() * len(seq))]


STOCK_STATUS = Weighted(("instock", 90), ("outofstock", 7), ("onbackorder", 3))
IMAGE_COUNT = Weighted((0, 10), (1, 40), (2, 30), (3, 15), (4, 5))
VISIBILITY = Weighted(("visible", 94), ("catalog", 2), ("search", 2), ("hidden", 2))
CREATED_VIA = Weighted(("checkout", 85), ("admin", 10), ("rest-api", 5))
LINE_COUNT = Weighted((1, 55), (2, 25), (3, 13), (4, 7))
QUANTITY = Weighted((1, 75), (2, 18), (3, 7))
PRODUCT_STATUS = Weighted(("publish", 86), ("draft", 6), ("pending", 4), ("private", 4))
TRASHED_EVERY = 50  # one product in 50 is in the trash (at a fixed index, so small shops have one too)
ORDER_STATUS = Weighted(
    ("completed", 45),
    ("processing", 14),
    ("on-hold", 5),
    ("pending", 8),
    ("cancelled", 8),
    ("refunded", 4),
    ("failed", 5),
    ("checkout-draft", 5),
    ("trash", 2),
)


class ShopGenerator:
    """Fills a store; use :func:`generate`."""

    def __init__(self, store: Store, orders: Orders, seed: int) -> None:
        self.s = store
        self.orders = orders
        self.rng = FastRandom(seed)
        self.clock = store.clock
        self.anchor = store.clock.now() // DAY * DAY
        # Moments of "bulk edits": many objects get exactly the same date_modified second.
        self.bulk_moments = sorted(self.anchor - self.rng.randint(60, 120 * DAY) for _ in range(24))
        self.attribute_terms: dict[int, list[Record]] = {}
        self.leaf_categories: list[int] = []
        self.tag_ids: list[int] = []
        self.brand_ids: list[int] = []
        self.published: list[int] = []

    # --- taxonomies --------------------------------------------------------------------

    def taxonomies(self) -> None:
        created = self.clock.pair(self.anchor - 500 * DAY)
        self._term(self.s.categories, "Uncategorized", 0, hierarchical=True)
        for top, children in CATEGORY_TREE.items():
            top_id = self._term(self.s.categories, top, 0, hierarchical=True, with_image=created)
            for child, grandchildren in children.items():
                child_id = self._term(self.s.categories, child, top_id, hierarchical=True)
                self.leaf_categories.append(child_id)
                for grandchild in grandchildren:
                    self.leaf_categories.append(self._term(self.s.categories, grandchild, child_id, hierarchical=True))
        self.tag_ids = [self._term(self.s.tags, tag, 0, hierarchical=False) for tag in TAGS]
        for position, (brand, children) in enumerate(BRANDS.items()):
            logo = created if position % 2 == 0 else None
            brand_id = self._term(self.s.brands, brand, 0, hierarchical=True, with_image=logo)
            self.brand_ids.append(brand_id)
            for child in children:
                self.brand_ids.append(self._term(self.s.brands, child, brand_id, hierarchical=True))
        for name, options in GLOBAL_ATTRIBUTES.items():
            attribute_id = self.s.next_id("attribute")
            self.s.attributes[attribute_id] = {
                "id": attribute_id,
                "name": name,
                "slug": "pa_" + slugify(name)[:28],
                "type": "select",
                "order_by": "menu_order",
                "has_archives": name == "Color",
            }
            terms = []
            for position, option in enumerate(options):
                term_id = self.s.next_id("term")
                term = {
                    "id": term_id,
                    "name": option,
                    "slug": slugify(option),
                    "description": "",
                    "menu_order": position,
                    "count": 0,
                }
                self.s.terms[term_id] = term
                self.s.term_attribute[term_id] = attribute_id
                terms.append(term)
            self.attribute_terms[attribute_id] = terms
        self.s.bump("terms")

    def _term(
        self,
        table: dict[int, Record],
        name: str,
        parent: int,
        hierarchical: bool,
        with_image: tuple[str, str] | None = None,
    ) -> int:
        term_id = self.s.next_id("term")
        slugs = {t["slug"] for t in table.values()}
        slug = slugify(name) or str(term_id)
        if slug in slugs:
            slug = f"{slug}-{term_id}"
        if not hierarchical:
            table[term_id] = {"id": term_id, "name": name, "slug": slug, "description": "", "count": 0}
            return term_id
        picture: Any = []
        if with_image is not None:
            media_id = self.s.next_id("post")
            picture = image(media_id, with_image, f"{self.s.base_url}/media/{media_id}.png")
            self.s.media[media_id] = picture
        table[term_id] = {
            "id": term_id,
            "name": name,
            "slug": slug,
            "parent": parent,
            "description": f"<p>{name}</p>" if parent == 0 else "",
            "display": "default",
            "image": picture,
            "menu_order": len(table),
            "count": 0,
        }
        return term_id

    # --- products ----------------------------------------------------------------------

    def _moments(self, count: int, start: int, end: int, same_second: float) -> list[int]:
        """Ascending creation times in ``[start, end]`` (ids grow with time, as in WordPress);
        a ``same_second`` share repeats the previous time, like bulk imports do."""
        moments = sorted(self.rng.randint(start, end) for _ in range(count))
        for index in range(1, count):
            if self.rng.random() < same_second:
                moments[index] = moments[index - 1]
        return moments

    def products(self, count: int) -> None:
        variable_index = 0
        moments = self._moments(count, self.anchor - 400 * DAY, self.anchor - DAY, 0.35)
        for index, moment in enumerate(moments):
            product_type = (
                "variable" if self.rng.random() < 0.3 else ("external" if self.rng.random() < 0.01 else "simple")
            )
            if product_type == "variable":
                variable_index += 1
            self._product(index, moment, product_type, variable_index)

    def _modified(self, created: int) -> int:
        roll = self.rng.random()
        if roll < 0.35:
            return created
        if roll < 0.65:
            later = [m for m in self.bulk_moments if m >= created]
            if later:
                return self.rng.choice(later)
        return self.rng.randint(created, max(created, self.anchor - 60))

    def _name(self) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.45:
            name = f"{rng.choice(EN_ADJECTIVES)} {rng.choice(EN_NOUNS)} {rng.choice(MODELS)}".strip()
        else:
            name = f"{rng.choice(HE_NOUNS)} {rng.choice(HE_ADJECTIVES)} {rng.choice(MODELS)}".strip()
        if rng.random() < 0.15:
            name = f"{name} {rng.choice(EMOJI)}" if rng.random() < 0.5 else f"{rng.choice(EMOJI)} {name}"
        return name

    def _description(self) -> tuple[str, str]:
        rng = self.rng
        sentences = rng.sample(SENTENCES, 3)
        features = "".join(f"<li>{f}</li>\n" for f in rng.sample(FEATURES, rng.randint(0, 3)))
        body = f"<p>{sentences[0]} <strong>{sentences[1]}</strong></p>\n"
        if features:
            body += f"<ul>\n{features}</ul>\n"
        return body, f"<p>{sentences[2]}</p>\n"

    def _images(self, count: int, moment: int, slug_hint: str) -> list[Record]:
        images = []
        for n in range(count):
            media_id = self.s.next_id("post")
            picture = image(
                media_id,
                self.clock.pair(moment - 5 + n),
                f"{self.s.base_url}/media/{media_id}.png",
                f"{slug_hint}-{n + 1}" if n else "",
            )
            self.s.media[media_id] = picture
            images.append(picture)
        return images

    def _pricing(self, rec: Record) -> None:
        rng = self.rng
        rec["regular_price"] = rng.choice(PRICES)
        if rng.random() < 0.15:
            sale = (Decimal(rec["regular_price"]) * Decimal(str(rng.choice((0.6, 0.7, 0.75, 0.8, 0.9))))).quantize(
                Decimal("0.1")
            )
            rec["sale_price"] = f"{sale:.2f}"
            if rng.random() < 0.3:
                ends = self.anchor + rng.randint(3, 30) * DAY
                rec["date_on_sale_to"], rec["date_on_sale_to_gmt"] = self.clock.pair(ends)

    def _stock(self, rec: Record) -> None:
        rng = self.rng
        if rng.random() < 0.4:
            rec["manage_stock"] = True
            roll = rng.random()
            rec["stock_quantity"] = 0 if roll < 0.1 else rng.randint(1, 5) if roll < 0.25 else rng.randint(6, 500)
            if rec["stock_quantity"] == 0 and rng.random() < 0.3:
                rec["backorders"] = "notify"
        else:
            rec["stock_status"] = STOCK_STATUS.pick(rng)
        if rng.random() < 0.5:
            rec["weight"] = f"{rng.uniform(0.1, 5):.2f}".rstrip("0").rstrip(".")
        if rng.random() < 0.4:
            rec["dimensions"] = {axis: str(rng.randint(5, 60)) for axis in ("length", "width", "height")}

    def _product(self, index: int, created: int, product_type: str, variable_index: int) -> None:
        rng = self.rng
        product_id = self.s.next_id("post")
        images = self._images(IMAGE_COUNT.pick(rng), created, f"product-{product_id}")
        rec = blank_product(product_id, self.clock.pair(created))
        rec["date_modified"], rec["date_modified_gmt"] = self.clock.pair(self._modified(created))
        status = "trash" if index % TRASHED_EVERY == 7 else PRODUCT_STATUS.pick(rng)
        rec.update(
            name=self._name(),
            type=product_type,
            status="publish" if status == "trash" else status,
            featured=rng.random() < 0.05,
            catalog_visibility=VISIBILITY.pick(rng),
            sku="" if rng.random() < 0.05 else f"SD-{10000 + index}",
            images=images,
            total_sales=rng.randint(0, 500),
            menu_order=0,
        )
        rec["slug"] = self.s.unique_product_slug(slugify(rec["name"]) or str(product_id))
        rec["description"], rec["short_description"] = self._description()
        if rng.random() < 0.7:
            rec["average_rating"] = f"{rng.uniform(3, 5):.2f}"
            rec["rating_count"] = rng.randint(1, 80)
        rec["categories"] = self._refs(
            self.s.categories,
            rng.sample(self.leaf_categories, rng.choice((1, 1, 2)))
            if rng.random() > 0.02
            else [min(self.s.categories)],
        )
        rec["tags"] = self._refs(self.s.tags, rng.sample(self.tag_ids, rng.choice((0, 0, 1, 2, 3))))
        if rng.random() < 0.6:
            rec["brands"] = self._refs(self.s.brands, [rng.choice(self.brand_ids)])
        if self.published and rng.random() < 0.8:
            rec["related_ids"] = rng.sample(self.published, min(5, len(self.published)))
        if self.published and rng.random() < 0.1:
            rec["upsell_ids"] = rng.sample(self.published, min(2, len(self.published)))
        if rng.random() < 0.2:
            rec["meta_data"] = [
                {"id": self.s.next_id("meta"), "key": "barcode", "value": str(rng.randint(10**12, 10**13 - 1))}
            ]
        if rng.random() < 0.1:
            rec["tax_class"] = "reduced-rate"
        if product_type == "external":
            rec["external_url"] = "https://www.example.com/listing/" + str(product_id)
            rec["button_text"] = "לרכישה באתר השותף"
        self._stock(rec)
        children: list[Record] = []
        if product_type == "variable":
            rec["manage_stock"], rec["stock_quantity"] = False, None
            count = (
                30 if variable_index % 40 == 1 else (rng.randint(2, 12) if rng.random() < 0.85 else rng.randint(13, 30))
            )
            children = self._variations(rec, count, created)
        else:
            self._pricing(rec)
            if rng.random() < 0.3:
                rec["attributes"] = [self._info_attribute()]
        derive_product(rec, self.s.base_url, self.clock.gmt(self.anchor), children)
        rec["variations"] = [c["id"] for c in children if c["status"] in ("publish", "private")]
        self.s.products[product_id] = rec
        self.s.product_slugs.add(rec["slug"])
        self.s.children[product_id] = [c["id"] for c in children]
        if status == "trash":
            self._trash(rec, children)
        else:
            self.s.reindex_sku(None, rec)
            for child in children:
                self.s.reindex_sku(None, child)
            if rec["status"] == "publish":
                self.published.append(product_id)

    def _trash(self, rec: Record, children: list[Record]) -> None:
        self.s.trashed_status[rec["id"]] = rec["status"]
        self.s.products[rec["id"]] = dict(rec, status="trash")
        for child in children:
            self.s.trashed_status[child["id"]] = child["status"]
            self.s.variations[child["id"]] = dict(child, status="trash")

    def _refs(self, table: dict[int, Record], ids: list[int]) -> list[Record]:
        return [{"id": i, "name": table[i]["name"], "slug": table[i]["slug"]} for i in ids]

    def _info_attribute(self) -> Record:
        attribute_id = self._attribute_id("Material")
        options = [t["name"] for t in self.rng.sample(self.attribute_terms[attribute_id], self.rng.randint(1, 2))]
        return {
            "id": attribute_id,
            "name": "Material",
            "position": 0,
            "visible": True,
            "variation": False,
            "options": options,
        }

    def _attribute_id(self, name: str) -> int:
        return next(a["id"] for a in self.s.attributes.values() if a["name"] == name)

    def _variation_axes(self, count: int) -> list[tuple[int, str, list[str], list[str]]]:
        """``(attribute id, name, option names, option slugs)`` per axis, enough combinations for ``count``."""
        rng = self.rng
        pool: list[tuple[int, str, list[str], list[str]]] = []
        for name in rng.sample(["Color", "Size", "Material", "נפח"], 4):
            attribute_id = self._attribute_id(name)
            terms = self.attribute_terms[attribute_id]
            pool.append((attribute_id, name, [t["name"] for t in terms], [t["slug"] for t in terms]))
        for name, options in CUSTOM_ATTRIBUTES.items():
            pool.append((0, name, options, options))
        pool.sort(key=lambda axis: -len(axis[2]))
        if count <= len(pool[0][2]) and rng.random() < 0.6:
            axes = [pool[0]]
            sizes = [count]
        else:
            first, second = pool[0], rng.choice(pool[1:])
            b = min(len(second[2]), max(2, math.ceil(count / len(first[2]))))
            a = min(len(first[2]), math.ceil(count / b))
            axes, sizes = [first, second], [a, b]
        chosen = []
        for (attribute_id, name, names, slugs), size in zip(axes, sizes, strict=True):
            picks = sorted(rng.sample(range(len(names)), size))
            chosen.append((attribute_id, name, [names[i] for i in picks], [slugs[i] for i in picks]))
        return chosen

    def _variations(self, parent: Record, count: int, parent_created: int) -> list[Record]:
        rng = self.rng
        axes = self._variation_axes(count)
        parent["attributes"] = [
            {
                "id": attribute_id,
                "name": name,
                "position": position,
                "visible": True,
                "variation": True,
                "options": names,
            }
            for position, (attribute_id, name, names, _) in enumerate(axes)
        ]
        permalink = f"{self.s.base_url}/product/{parent['slug']}/"
        combos = list(itertools.product(*(range(len(axis[2])) for axis in axes)))[:count]
        if rng.random() < 0.5:
            parent["default_attributes"] = [
                {"id": attribute_id, "name": name, "option": slugs[0] if attribute_id else names[0]}
                for attribute_id, name, names, slugs in axes
            ]
        base_price = rng.choice(PRICES)
        children = []
        for position, combo in enumerate(combos):
            variation_id = self.s.next_id("post")
            created = parent_created + (0 if rng.random() < 0.7 else rng.randint(1, 3))
            rec = blank_variation(variation_id, self.clock.pair(created))
            rec["date_modified"], rec["date_modified_gmt"] = self.clock.pair(self._modified(created))
            rec["attributes"] = [
                {"id": axis[0], "name": axis[1], "option": axis[2][i]} for axis, i in zip(axes, combo, strict=True)
            ]
            rec["menu_order"] = position
            rec["status"] = "private" if rng.random() < 0.05 else "publish"
            if parent["sku"] and rng.random() > 0.1:
                rec["sku"] = f"{parent['sku']}-{position + 1:02d}"
            elif not parent["sku"]:
                rec["sku"] = f"SDV-{variation_id}"
            rec["regular_price"] = base_price if rng.random() < 0.7 else rng.choice(PRICES)
            if rng.random() < 0.12:
                rec["sale_price"] = f"{Decimal(rec['regular_price']) * Decimal('0.8'):.2f}"
            self._stock(rec)
            if rng.random() < 0.8:
                rec["image"] = self._images(1, created, f"variation-{variation_id}")[0]
            query = [
                ((slugify(axis[1]) if not axis[0] else self.s.attributes[axis[0]]["slug"]), axis[3][i])
                for axis, i in zip(axes, combo, strict=True)
            ]
            rec["permalink"] = variation_permalink(permalink, query)
            derive_priced(rec, self.clock.gmt(self.anchor))
            self.s.variations[variation_id] = rec
            self.s.variation_parent[variation_id] = parent["id"]
            children.append(rec)
        return children

    # --- orders ------------------------------------------------------------------------

    def orders_history(self, count: int) -> None:
        rng = self.rng
        sellable = [pid for pid in self.published if self.s.products[pid]["type"] != "external"]
        if not sellable:
            return
        statuses = ORDER_STATUS.values
        customers = max(count // 3, 1)
        for index, moment in enumerate(self._moments(count, self.anchor - 120 * DAY, self.anchor - 60, 0.02)):
            # The first orders cover every status so small shops still show them all.
            status = statuses[index] if index < len(statuses) else ORDER_STATUS.pick(rng)
            self._order(moment, status, sellable, customers)

    def _person(self) -> tuple[str, str, str]:
        rng = self.rng
        if rng.random() < 0.6:
            (first, first_latin), (last, last_latin) = rng.choice(HE_FIRST), rng.choice(HE_LAST)
        else:
            first, last = rng.choice(EN_FIRST), rng.choice(EN_LAST)
            first_latin, last_latin = first.lower(), last.lower().replace("'", "")
        email = f"{first_latin}.{last_latin}{rng.randint(1, 999)}@example.co.il"
        return first, last, email

    def _address(self, first: str, last: str) -> Record:
        rng = self.rng
        return {
            "first_name": first,
            "last_name": last,
            "company": "" if rng.random() < 0.9 else "סטודיו " + last,
            "address_1": f"{rng.choice(STREETS)} {rng.randint(1, 180)}",
            "address_2": "" if rng.random() < 0.7 else f"דירה {rng.randint(1, 40)}",
            "city": rng.choice(CITIES),
            "state": "",
            "postcode": str(rng.randint(1000000, 9999999)),
            "country": "IL",
        }

    def _order(self, created: int, status: str, sellable: list[int], customers: int) -> None:
        rng = self.rng
        order_id = self.s.next_id("post")
        rec = blank_order(order_id, self.clock.pair(created))
        real_status = rng.choice(("completed", "cancelled")) if status == "trash" else status
        first, last, email = self._person()
        billing = self._address(first, last)
        shipping = dict(billing) if rng.random() < 0.85 else self._address(*self._person()[:2])
        billing.update(email=email, phone=f"05{rng.randint(0, 8)}-{rng.randint(1000000, 9999999)}")
        method, title = rng.choice(PAYMENT_METHODS)
        rec.update(
            status=real_status,
            order_key="wc_order_" + hashlib.md5(f"{order_id}".encode(), usedforsecurity=False).hexdigest()[:13],
            created_via=CREATED_VIA.pick(rng),
            customer_id=0 if rng.random() < 0.35 else rng.randint(2, customers + 1),
            customer_ip_address=f"79.{rng.randint(176, 183)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
            customer_user_agent=rng.choice(USER_AGENTS),
            customer_note=rng.choice(CUSTOMER_NOTES) if rng.random() < 0.1 else "",
            billing=billing,
            shipping=shipping,
            payment_method=method,
            payment_method_title=title,
            cart_hash=hashlib.md5(f"cart{order_id}".encode(), usedforsecurity=False).hexdigest()
            if rng.random() < 0.8
            else "",
        )
        if rng.random() < 0.5:
            rec["meta_data"] = [{"id": self.s.next_id("meta"), "key": "is_vat_exempt", "value": "no"}]
        items = []
        for product_id in rng.sample(sellable, min(len(sellable), LINE_COUNT.pick(rng))):
            value: Record = {"product_id": product_id}
            children = self.s.products[product_id]["variations"]
            if children:
                value["variation_id"] = rng.choice(children)
            items.append(self.orders.line_item(value, None, QUANTITY.pick(rng)))
        rec["line_items"] = items
        method_id, method_title, gross = rng.choice(SHIPPING_METHODS)
        net, tax = split_vat(gross)
        rec["shipping_lines"] = [
            {
                "id": self.s.next_id("item"),
                "method_title": method_title,
                "method_id": method_id,
                "total": money(net),
                "total_tax": money(tax),
                "taxes": [{"id": 1, "total": money(tax), "subtotal": ""}] if tax else [],
                "meta_data": [],
            }
        ]
        recompute_totals(rec, lambda: self.s.next_id("item"))
        modified = created
        if real_status in ("processing", "completed", "refunded", "on-hold"):
            if real_status != "on-hold":
                paid = created + rng.randint(5, 600)
                rec["date_paid"], rec["date_paid_gmt"] = self.clock.pair(paid)
                if method in ("cardcom", "paypal", "stripe"):
                    rec["transaction_id"] = (
                        hashlib.sha1(f"tx{order_id}".encode(), usedforsecurity=False).hexdigest()[:17].upper()
                    )
                modified = paid
            self.s.stock_reduced.add(order_id)
        if real_status in ("completed", "refunded"):
            completed = min(modified + rng.randint(DAY // 2, 6 * DAY), self.anchor - 30)
            rec["date_completed"], rec["date_completed_gmt"] = self.clock.pair(max(completed, modified))
            modified = max(completed, modified)
        if real_status == "refunded":
            rec["refunds"] = [
                {
                    "id": self.s.next_id("post"),
                    "reason": rng.choice(("", "Customer request", "פריט פגום")),
                    "total": "-" + rec["total"],
                }
            ]
        if real_status not in ("checkout-draft", "pending") and rng.random() < 0.3:
            later = [m for m in self.bulk_moments if m >= modified]
            if later:
                modified = rng.choice(later)
        rec["date_modified"], rec["date_modified_gmt"] = self.clock.pair(max(modified, created))
        if status == "trash":
            self.s.trashed_status[order_id] = real_status
            rec["status"] = "trash"
        self.s.orders[order_id] = rec


def generate(store: Store, orders: Orders, products: int, order_count: int, seed: int) -> None:
    """Fill ``store`` with ``products`` products (plus variations) and ``order_count`` orders."""
    # The shop is millions of long-lived dicts and lists: while they are being created, the
    # cyclic GC's full collections would rescan them again and again (quadratic slowdown), and
    # afterwards one more full pass costs about a second. So collection is paused meanwhile and
    # the result frozen out of the collector's sight; SandboxServer.stop() unfreezes it.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        with store.lock:
            generator = ShopGenerator(store, orders, seed)
            generator.taxonomies()
            generator.products(products)
            generator.orders_history(order_count)
            for name in ("products", "orders", "terms"):
                store.bump(name)
    finally:
        gc.freeze()
        if gc_was_enabled:
            gc.enable()
