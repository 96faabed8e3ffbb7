"""Objects of the dashboard pages for the store-access world (stores/tests/helpers.py): one
product (with a variation and an open conflict), category, tag, brand, attribute and term, order,
sync run and sync error per store, so every dashboard URL has a target in both stores."""

from decimal import Decimal

from django.utils import timezone

from catalog.models import Product
from catalog.models import ProductExport
from catalog.models import ProductImage
from catalog.models import ProductImport
from catalog.models import ProductVariation
from catalog.models import StoreAttribute
from catalog.models import StoreAttributeTerm
from catalog.models import StoreBrand
from catalog.models import StoreCategory
from catalog.models import StoreTag
from config.db import uuid7
from orders.models import Customer
from orders.models import Order
from orders.models import OrderExport
from sync.models import ProductConflict
from sync.models import SyncError
from sync.models import SyncRun
from sync.models import SyncRunKind
from sync.models import SyncRunStatus


def make_dashboard_objects(store, offset=1000):
    now = timezone.now()
    product = Product.objects.create(
        store=store,
        woo_id=offset + 1,
        name=f"Linen apron {offset}",
        sku=f"APRON-{offset}",
        price=Decimal("120.00"),
        type="variable",
        status="publish",
        source="woo",
        stock_quantity=4,
        woo_modified_at=now,
        synced_at=now,
        categories=[{"id": offset + 3, "name": "Kitchen", "slug": "kitchen"}],
    )
    # Time-ordered ids, as a pull writes them: the variations' ids share their leading digits.
    variation, _second = (
        ProductVariation.objects.create(
            id=uuid7(),
            product=product,
            store=store,
            woo_id=woo_id,
            sku=f"APRON-{offset}-{size}",
            price=price,
            regular_price=price,
            stock_quantity=2,
            attributes=[{"id": offset + 4, "name": "Size", "option": size}],
            source="woo",
        )
        for woo_id, size, price in ((offset + 2, "S", Decimal("120.00")), (offset + 10, "M", Decimal("125.00")))
    )
    image = ProductImage.objects.create(
        store=store, product=product, original_url=f"https://shop.example.com/apron-{offset}.png", woo_id=offset + 11
    )
    conflict = ProductConflict.objects.create(
        store=store,
        product=product,
        fields=[{"field": "price", "ours": "120.00", "theirs": "125.00", "changed_here": True}],
    )
    category = StoreCategory.objects.create(store=store, woo_id=offset + 3, name="Kitchen", slug="kitchen")
    tag = StoreTag.objects.create(store=store, woo_id=offset + 5, name="Linen", slug="linen")
    brand = StoreBrand.objects.create(store=store, woo_id=offset + 6, name="Hearth", slug="hearth")
    attribute = StoreAttribute.objects.create(store=store, woo_id=offset + 4, name="Size", slug="pa_size")
    term = StoreAttributeTerm.objects.create(store=store, attribute=attribute, woo_id=offset + 7, name="S", slug="s")
    order = Order.objects.create(
        store=store,
        woo_id=offset + 8,
        number=str(offset + 8),
        status="processing",
        total=Decimal("120.00"),
        customer_name="Test Customer",
        line_items=[{"id": 1, "name": product.name, "product_id": offset + 1, "quantity": 1, "total": "120.00"}],
        woo_created_at=now,
    )
    customer = Customer.objects.create(
        store=store, email=f"customer{offset}@example.com", name="Test Customer", orders_count=1, total_spent=120
    )
    export = OrderExport.objects.create(store=store, requested_by=store.user, status="running", rows_total=10)
    product_export = ProductExport.objects.create(store=store, requested_by=store.user, status="running", rows_total=10)
    product_import = ProductImport.objects.create(store=store, requested_by=store.user, file_name="prices.csv")
    run = SyncRun.objects.create(
        store=store,
        kind=SyncRunKind.INCREMENTAL,
        status=SyncRunStatus.SUCCESS,
        progress={"products": {"done": 1, "total": 1, "status": "done"}},
        started_at=now,
        finished_at=now,
    )
    error = SyncError.objects.create(
        store=store,
        entity_type="product",
        woo_id=offset + 9,
        error_message="HTTP 500 server_error: Internal Server Error",
        error_code="server_error",
    )
    return {
        "product_id": product.pk,
        "variation_id": variation.pk,
        "image_id": image.pk,
        "conflict_id": conflict.pk,
        "category_id": category.pk,
        "tag_id": tag.pk,
        "brand_id": brand.pk,
        "attribute_id": attribute.pk,
        "term_id": term.pk,
        "order_id": order.pk,
        "customer_id": customer.pk,
        "export_id": export.pk,
        "product_export_id": product_export.pk,
        "import_id": product_import.pk,
        "run_id": run.pk,
        "error_id": error.pk,
    }


def dashboard_kwargs(world, target_key):
    """URL kwargs of the dashboard pages for the world's store ``target_key`` (made once)."""
    cache = world.__dict__.setdefault("_dashboard_objects", {})
    if target_key not in cache:
        offset = 1000 if target_key == "A" else 2000
        cache[target_key] = make_dashboard_objects(world.stores[target_key], offset)
    return cache[target_key]
