"""``/orders/<id>/notes`` and ``/orders/<id>/refunds`` as WooCommerce answers them (FACTS.md §11),
through the real ``woocommerce`` client."""

from __future__ import annotations

from decimal import Decimal

from woo_sandbox.tests.conftest import wc_client


def _order(server, status="completed", gateway=None):
    for order in sorted(server.data.orders.values(), key=lambda o: o["id"]):
        wanted_gateway = gateway is None or order["payment_method"] == gateway
        if order["status"] == status and wanted_gateway and len(order["line_items"]) >= 2:
            return order
    raise AssertionError("no such order in the sandbox")


def test_notes_private_and_to_the_customer(make_shop):
    server = make_shop(seed=3)
    wc, order = wc_client(server), _order(server)
    private = wc.post(f"orders/{order['id']}/notes", {"note": "Checked", "added_by_user": True})
    public = wc.post(f"orders/{order['id']}/notes", {"note": "On its way", "customer_note": True})
    assert private.status_code == public.status_code == 201
    assert public.headers["Location"].endswith(f"/orders/{order['id']}/notes/{public.json()['id']}")
    assert private.json()["author"] != "WooCommerce" and public.json()["author"] == "WooCommerce"

    every = wc.get(f"orders/{order['id']}/notes").json()
    assert [n["note"] for n in every][:2] == ["On its way", "Checked"]  # newest first, no paging
    to_customer = wc.get(f"orders/{order['id']}/notes", params={"type": "customer"}).json()
    assert [n["note"] for n in to_customer] == ["On its way"]
    assert server.data.customer_emails == [{"order_id": order["id"], "note": "On its way"}]


def test_a_note_needs_text_and_an_order(make_shop):
    server = make_shop(seed=3)
    wc, order = wc_client(server), _order(server)
    missing = wc.post(f"orders/{order['id']}/notes", {"customer_note": True})
    assert missing.status_code == 400 and missing.json()["code"] == "rest_missing_callback_param"
    unknown = wc.get("orders/999999/notes")
    assert unknown.status_code == 404 and unknown.json()["code"] == "woocommerce_rest_order_invalid_id"


def test_status_changes_leave_system_notes(make_shop):
    server = make_shop(seed=5)
    wc, order = wc_client(server), _order(server, status="processing")
    wc.put(f"orders/{order['id']}", {"status": "completed"})
    notes = wc.get(f"orders/{order['id']}/notes", params={"type": "internal"}).json()
    assert notes[0]["note"] == "Order status changed from Processing to Completed."
    assert notes[0]["author"] == "WooCommerce"


def test_refund_by_line_restocks_and_is_listed(make_shop):
    server = make_shop(seed=9, products=40, orders=40)
    wc = wc_client(server)
    order = next(
        o
        for o in sorted(server.data.orders.values(), key=lambda o: o["id"])
        if o["status"] == "completed"
        and any(server.data.products.get(i["product_id"], {}).get("manage_stock") for i in o["line_items"])
        and not any(i["variation_id"] for i in o["line_items"])
    )
    item = next(i for i in order["line_items"] if server.data.products[i["product_id"]]["manage_stock"])
    stock = server.data.products[item["product_id"]]["stock_quantity"]
    body = {
        "amount": str(Decimal(item["total"]) + Decimal(item["total_tax"])),
        "line_items": [
            {
                "id": item["id"],
                "quantity": item["quantity"],
                "refund_total": item["total"],
                "refund_tax": [{"id": 1, "refund_total": item["total_tax"]}],
            }
        ],
        "api_refund": False,
        "api_restock": True,
    }
    created = wc.post(f"orders/{order['id']}/refunds", body)
    assert created.status_code == 201, created.json()
    refund = created.json()
    assert refund["amount"] == body["amount"] and refund["refunded_payment"] is False
    assert refund["line_items"][0]["quantity"] == -item["quantity"]
    assert server.data.products[item["product_id"]]["stock_quantity"] == stock + item["quantity"]
    listed = wc.get(f"orders/{order['id']}/refunds")
    assert listed.headers["X-WP-Total"] == "1" and listed.json()[0]["id"] == refund["id"]
    again = wc.get(f"orders/{order['id']}").json()
    assert again["refunds"] == [{"id": refund["id"], "reason": "", "total": "-" + refund["amount"]}]


def test_over_refund_and_gateway_without_refunds_are_refused(make_shop):
    server = make_shop(seed=11)
    wc = wc_client(server)
    order = next(o for o in server.data.orders.values() if o["payment_method"] in ("bacs", "cod"))
    too_much = wc.post(
        f"orders/{order['id']}/refunds", {"amount": str(Decimal(order["total"]) + 1), "api_refund": False}
    )
    assert too_much.status_code == 500
    assert too_much.json() == {
        "code": "woocommerce_rest_cannot_create_order_refund",
        "message": "Invalid refund amount.",
        "data": {"status": 500},
    }
    gateway = wc.post(f"orders/{order['id']}/refunds", {"amount": "1.00"})  # api_refund defaults to true
    assert gateway.status_code == 500 and "does not support automatic refunds" in gateway.json()["message"]
    assert server.data.refunds.get(order["id"]) is None


def test_refunding_what_is_left_marks_the_order_refunded(make_shop):
    server = make_shop(seed=13)
    wc = wc_client(server)
    order = _order(server)
    wc.post(f"orders/{order['id']}/refunds", {"amount": "5.00", "api_refund": False})
    left = Decimal(order["total"]) - 5
    rest = wc.post(f"orders/{order['id']}/refunds", {"amount": str(left), "api_refund": False})
    assert rest.status_code == 201
    assert wc.get(f"orders/{order['id']}").json()["status"] == "refunded"
