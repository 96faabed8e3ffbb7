"""WooCommerce stores U+0000 in any text (a pasted name, a plugin's note); PostgreSQL text and
jsonb cannot hold it. A pull keeps the object with the character removed (where its JSON is
decoded), instead of losing it to a ``database_error``."""

import pytest

from catalog.models import Product
from orders.models import Order
from orders.models import OrderNote
from orders.services import order_activity_refresh
from sync.models import SyncError
from sync.models import SyncRunStatus

pytestmark = pytest.mark.django_db


def test_a_pull_keeps_products_orders_and_notes_with_nul_characters(shop, sandbox, pull, without_image_files):
    product = sandbox.create_product(
        name="Mug\x00 of tea",
        description="<p>Hot\x00 tea</p>",
        sku="MUG\x00-1",
        status="publish",
        regular_price="5.00",
        attributes=[{"name": "Col\x00our", "options": ["Red\x00", "Blue"], "visible": True}],
    )
    order_id = min(sandbox.data.orders)
    sandbox.update_order(
        order_id,
        billing={"first_name": "Da\x00na", "last_name": "Levi", "email": "dana@example.com"},
        customer_note="Ring\x00 twice",
    )
    sandbox.order_service.extras.add_note(order_id, "Gift\x00 wrap", by_user=True)

    run = pull(shop, full=True)
    order_activity_refresh(shop.pk, order_id)

    assert run.status == SyncRunStatus.SUCCESS, run.stats
    assert not SyncError.objects.filter(store=shop, resolved=False).exists()
    mug = Product.objects.get(store=shop, woo_id=product["id"])
    assert (mug.name, mug.description, mug.sku) == ("Mug of tea", "<p>Hot tea</p>", "MUG-1")
    assert [(a.name, a.options) for a in mug.product_attributes.all()] == [("Colour", ["Red", "Blue"])]
    order = Order.objects.get(store=shop, woo_id=order_id)
    assert (order.customer_name, order.billing["first_name"], order.customer_note) == (
        "Dana Levi",
        "Dana",
        "Ring twice",
    )
    assert OrderNote.objects.filter(store=shop, order_woo_id=order_id, note="Gift wrap").exists()
