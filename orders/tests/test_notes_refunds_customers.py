"""Order notes, refunds and customers against the WooCommerce sandbox over real HTTP: what the
shop ends up with (the sandbox's notes, refunds, e-mails and stock) and what the pages show."""

import re
from collections import Counter
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from functools import partial

import pytest
from django.core.exceptions import ValidationError

from config.testing import export_csv
from config.testing import finished_background_export
from config.testing import store_url
from orders import services
from orders.customers import customers_refresh
from orders.models import Customer
from orders.models import Order
from orders.models import OrderNote
from orders.models import OrderRefund
from stores.models import StoreRole
from stores.models import StoreUser
from sync.models import SyncError
from sync.tests.conftest import *  # noqa: F403 - the sandbox fixtures (sandbox, shop, pull, make_user...)
from sync.woo import client_for
from sync.woo import order_fetch
from sync.woo import order_note_create
from sync.woo import order_refund_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def pulled(shop, pull):
    assert pull(shop, full=True, entities=["orders"]).status == "success"
    return shop


@pytest.fixture
def store(pulled):
    """The store the shared ``manager`` and ``viewer`` fixtures are members of: the pulled shop."""
    return pulled


url = partial(store_url, "orders")


def nth_order(store, n, **filters):
    """The n-th order (by WooCommerce id) matching ``filters``: tests act on row N, not row 1."""
    return Order.objects.filter(store=store, **filters).order_by("woo_id")[n]


def stocked_line(sandbox, order):
    """A line item of ``order`` whose product or variation manages stock in the sandbox."""
    for item in order.line_items:
        source = sandbox.data.variations.get(item["variation_id"]) or sandbox.data.products.get(item["product_id"])
        if source and source["manage_stock"]:
            return item, source
    return None, None


def test_manager_adds_a_private_note_and_a_note_to_the_customer(client, pulled, sandbox, manager):
    order = nth_order(pulled, 3, status="processing")
    client.force_login(manager)
    private = client.post(url("order_note_add", pulled, order_id=order.pk), {"note": "Packed twice", "kind": "private"})
    public = client.post(
        url("order_note_add", pulled, order_id=order.pk), {"note": "Your parcel left today", "kind": "customer"}
    )
    assert private.status_code == public.status_code == 302

    notes = {note["note"]: note for note in sandbox.data.order_notes[order.woo_id]}
    assert notes["Packed twice"]["customer_note"] is False
    assert notes["Your parcel left today"]["customer_note"] is True
    assert notes["Your parcel left today"]["author"] != "WooCommerce"  # added by the API user
    assert sandbox.data.customer_emails == [{"order_id": order.woo_id, "note": "Your parcel left today"}]

    page = client.get(url("order_detail", pulled, order_id=order.pk)).content.decode()
    notes_html = page[page.index('id="note-list"') :]
    assert "Packed twice" in notes_html and "Your parcel left today" in notes_html
    assert "To the customer" in notes_html


def test_an_empty_note_is_refused_and_nothing_is_sent(client, pulled, sandbox, manager):
    order = nth_order(pulled, 2)
    client.force_login(manager)
    response = client.post(url("order_note_add", pulled, order_id=order.pk), {"note": "  ", "kind": "private"})
    assert response.status_code == 400
    assert not [n for n in sandbox.data.order_notes.get(order.woo_id, []) if n["author"] != "WooCommerce"]


def test_partial_refund_of_one_line_with_restock_in_two_steps(client, pulled, sandbox, manager):
    candidates = Order.objects.filter(store=pulled, status__in=("processing", "completed")).order_by("woo_id")
    order, item, source = next(
        (o, *stocked_line(sandbox, o)) for o in candidates[1:] if stocked_line(sandbox, o)[0] is not None
    )
    stock_before = source["stock_quantity"]
    client.force_login(manager)
    form = {f"qty_{item['id']}": "1", "reason": "Broken on arrival", "restock": "on"}
    review = client.post(url("order_refund", pulled, order_id=order.pk), form)
    assert review.status_code == 200
    page = review.content.decode()
    unit = (Decimal(item["total"]) + Decimal(item["total_tax"])) / item["quantity"]
    assert 'id="refund-confirm"' in page and f"{unit:,.2f}" in page
    assert not sandbox.data.refunds.get(order.woo_id)  # nothing sent before the confirmation

    done = client.post(url("order_refund", pulled, order_id=order.pk), {**form, "confirmed": "True"})
    assert done.status_code == 302
    (refund,) = sandbox.data.refunds[order.woo_id]
    assert Decimal(refund["amount"]) == unit.quantize(Decimal("0.01"))
    assert refund["reason"] == "Broken on arrival" and refund["refunded_payment"] is False
    assert [line["quantity"] for line in refund["line_items"]] == [-1]
    restocked = sandbox.data.variations.get(source["id"]) or sandbox.data.products[source["id"]]
    assert restocked["stock_quantity"] == stock_before + 1

    order.refresh_from_db()
    assert order.refunded_total == Decimal(refund["amount"])
    detail = client.get(done["Location"]).content.decode()
    assert "Broken on arrival" in detail and "manager@example.com" in detail
    listing = client.get(url("order_list", pulled), {"q": order.number}).content.decode()
    row = re.search(rf'<tr data-order="{order.pk}">.*?</tr>', listing, re.S).group(0)
    assert refund["amount"] in row.replace(",", "")


def test_refund_by_amount_without_lines_leaves_stock_alone(pulled, sandbox, manager):
    order = nth_order(pulled, 4, status="completed", total__gt=20)
    stock = {pid: p["stock_quantity"] for pid, p in sandbox.data.products.items()}
    refund = services.order_refund_create(order.pk, user=manager, amount=Decimal("10"), reason="Late delivery")
    (remote,) = sandbox.data.refunds[order.woo_id]
    assert remote["amount"] == "10.00" and remote["line_items"] == []
    assert refund.amount == Decimal("10.00")
    assert {pid: p["stock_quantity"] for pid, p in sandbox.data.products.items()} == stock


def test_over_refund_is_refused_with_a_clear_message(pulled, sandbox, manager):
    order = nth_order(pulled, 5, status="completed", total__gt=20)
    with pytest.raises(ValidationError) as refused:
        services.order_refund_create(order.pk, user=manager, amount=order.total + 1)
    assert "more than what is left to refund" in str(refused.value)
    assert not sandbox.data.refunds.get(order.woo_id)


def test_a_refund_made_elsewhere_makes_woocommerce_refuse_the_rest(pulled, sandbox, manager):
    """Our copy does not know yet about a refund made in WordPress: WooCommerce refuses, and
    the person reads WooCommerce's reason."""
    order = nth_order(pulled, 6, status="completed", total__gt=20)
    order_refund_create(
        client_for(pulled), order.woo_id, amount="5.00", reason="", line_items=[], api_refund=False, restock=False
    )
    with pytest.raises(ValidationError) as refused:
        services.order_refund_create(order.pk, user=manager, amount=order.total)
    assert "Invalid refund amount." in str(refused.value)
    assert len(sandbox.data.refunds[order.woo_id]) == 1


def test_refunds_whose_amount_cannot_be_read_are_errors_and_the_rest_is_stored(pulled, sandbox, manager):
    """A plugin's refund with an amount that is no money (or overflows NUMERIC(10,2)) is a
    sync error; the order's other refunds and its notes are still brought in."""
    order = nth_order(pulled, 7, status="completed", total__gt=20)
    services.order_refund_create(order.pk, user=manager, amount=Decimal("5"), reason="Scratched")
    order_note_create(client_for(pulled), order.woo_id, "Packed twice", to_customer=False)
    with sandbox.data.lock:
        (good,) = sandbox.data.refunds[order.woo_id]
        for refund_id, amount in ((990001, "NaN"), (990002, "99999999999.00")):
            sandbox.data.refunds[order.woo_id].append({**good, "id": refund_id, "amount": amount})

    assert services.order_activity_refresh(pulled.pk, order.woo_id) is True

    stored = OrderRefund.objects.filter(store=pulled, order_woo_id=order.woo_id)
    assert list(stored.values_list("woo_id", "amount")) == [(good["id"], Decimal("5.00"))]
    assert OrderNote.objects.filter(store=pulled, order_woo_id=order.woo_id, note="Packed twice").exists()
    error = SyncError.objects.get(store=pulled, entity_type="order", woo_id=order.woo_id, resolved=False)
    assert "refund 990001" in error.error_message and error.error_code == "refund_unreadable"


def test_notes_and_refunds_with_zero_dates_and_nul_characters_are_stored(pulled, sandbox):
    """MySQL's zero date ("0000-00-00") and a NUL character a plugin left in a note's text or a
    refund's reason: the notes and refunds are stored (without a date, without the NUL)."""
    order = nth_order(pulled, 8, status="completed", total__gt=20)
    client = client_for(pulled)
    order_note_create(client, order.woo_id, "Gift wrap", to_customer=False)
    order_refund_create(
        client, order.woo_id, amount="1.00", reason="ok", line_items=[], api_refund=False, restock=False
    )
    with sandbox.data.lock:
        (note,) = (n for n in sandbox.data.order_notes[order.woo_id] if n["note"] == "Gift wrap")
        note.update(note="Gift\x00wrap", date_created_gmt="0000-00-00T00:00:00")
        (refund,) = sandbox.data.refunds[order.woo_id]
        refund.update(reason="Dam\x00aged", date_created_gmt="2026-02-30T10:00:00")

    assert services.order_activity_refresh(pulled.pk, order.woo_id) is True

    stored_note = OrderNote.objects.get(store=pulled, woo_id=note["id"])
    assert (stored_note.note, stored_note.woo_created_at) == ("Giftwrap", None)
    stored_refund = OrderRefund.objects.get(store=pulled, woo_id=refund["id"])
    assert (stored_refund.reason, stored_refund.woo_created_at) == ("Damaged", None)


def test_gateway_refund_on_a_gateway_without_refunds_is_refused(pulled, sandbox, manager):
    order = nth_order(pulled, 0, status__in=("completed", "processing"), payment_method__in=("bacs", "cod"))
    with pytest.raises(ValidationError) as refused:
        services.order_refund_create(order.pk, user=manager, amount=Decimal("1"), api_refund=True)
    assert "does not support automatic refunds" in str(refused.value)


def test_customers_group_guests_and_registered_by_email(client, pulled, sandbox, manager):
    placed = [o for o in sandbox.data.orders.values() if o["status"] not in ("trash", "checkout-draft")]
    expected = Counter(o["billing"]["email"].lower() for o in placed if o["billing"]["email"])
    registered = defaultdict(int)
    for o in placed:
        registered[o["billing"]["email"].lower()] = max(registered[o["billing"]["email"].lower()], o["customer_id"])
    customers = {c.email: c for c in Customer.objects.filter(store=pulled)}
    assert {email: c.orders_count for email, c in customers.items()} == dict(expected)
    assert any(c.customer_woo_id == 0 for c in customers.values())
    assert any(c.customer_woo_id > 0 for c in customers.values())
    assert all(c.customer_woo_id == registered[email] for email, c in customers.items())

    client.force_login(manager)
    email, customer = sorted(customers.items())[2]
    listing = client.get(url("customer_list", pulled), {"q": email}).content.decode()
    assert email in listing and f'data-customer="{customer.pk}"' in listing
    page = client.get(url("customer_detail", pulled, customer_id=customer.pk)).content.decode()
    their_orders = [o for o in placed if o["billing"]["email"].lower() == email]
    assert page.count("<tr data-order=") == len(their_orders)
    order = Order.objects.get(store=pulled, woo_id=their_orders[0]["id"])
    detail = client.get(url("order_detail", pulled, order_id=order.pk)).content.decode()
    assert url("customer_detail", pulled, customer_id=customer.pk) in detail


def test_a_viewer_sees_no_customers_and_cannot_search_by_them(client, pulled, sandbox, viewer):
    client.force_login(viewer)
    customer = Customer.objects.filter(store=pulled).order_by("email")[3]
    assert client.get(url("customer_list", pulled)).status_code == 403
    assert client.get(url("customer_detail", pulled, customer_id=customer.pk)).status_code == 403
    listing = client.get(url("order_list", pulled), {"q": customer.email}).content.decode()
    results = listing[listing.index('id="order-results"') :]  # the search box echoes what was typed
    assert "No orders match" in results and customer.email not in results
    order = Order.objects.filter(store=pulled, customer_email=customer.email).first()
    detail = client.get(url("order_detail", pulled, order_id=order.pk)).content.decode()
    assert customer.email not in detail and 'id="view-customer"' not in detail
    nav = client.get(url("order_list", pulled)).content.decode()
    assert url("customer_list", pulled) not in nav
    export = b"".join(export_csv(client, url("order_export", pulled)).streaming_content).decode()
    assert customer.email not in export and "XXXX" in export


def test_status_tabs_count_like_woocommerce_and_follow_changes(client, pulled, sandbox, manager):
    statuses = Counter(o["status"] for o in sandbox.data.orders.values())
    client.force_login(manager)
    page = client.get(url("order_list", pulled)).content.decode()
    every = sum(n for status, n in statuses.items() if status not in ("trash", "checkout-draft"))
    assert re.search(rf"All <span class=\"count\">\({every}\)", page)
    for status in ("processing", "completed", "trash"):
        assert re.search(rf'data-status="{status}"[^>]*>[^<]+<span class="count">\({statuses[status]}\)', page)
    assert f"1–50 of {every}" in page

    # Counts follow every write, however it is made (here raw SQL through the ORM's update).
    moved = Order.objects.filter(store=pulled, status="processing").order_by("woo_id")[1]
    Order.objects.filter(pk=moved.pk).update(status="completed")
    page = client.get(url("order_list", pulled), {"status": "completed"}).content.decode()
    assert re.search(rf'data-status="completed"[^>]*>[^<]+<span class="count">\({statuses["completed"] + 1}\)', page)
    assert page.count("<tr data-order=") == statuses["completed"] + 1


def test_totals_are_exact_when_small_and_estimated_beyond_the_limit(client, pulled, manager, monkeypatch):
    import config.pagination

    client.force_login(manager)
    filtered = client.get(url("order_list", pulled), {"total_min": "1"}).content.decode()
    count = Order.objects.filter(store=pulled, total__gte=1).exclude(status__in=("trash", "checkout-draft")).count()
    assert f"1–50 of {count}" in filtered
    monkeypatch.setattr(config.pagination, "EXACT_COUNT_LIMIT", 10)
    monkeypatch.setattr(config.pagination.total_of, "__defaults__", (10,))
    estimated = client.get(url("order_list", pulled), {"total_min": "1"}).content.decode()
    assert re.search(r"1–50 of about [\d,]+", estimated)


def test_overview_revenue_is_net_of_refunds(pulled, sandbox, manager):
    from django.utils import timezone

    from orders.metrics import daily_series_for
    from stores.access import access_for

    access = access_for(manager)
    order = nth_order(pulled, 1, status="completed", total__gt=20)
    # Placed yesterday, so it is in the chart's window whatever the sandbox's dates.
    Order.objects.filter(pk=order.pk).update(woo_created_at=timezone.now() - timezone.timedelta(days=1))
    before = sum(p.revenue for p in daily_series_for(access, pulled.pk, 30))
    services.order_refund_create(order.pk, user=manager, amount=Decimal("7.50"))
    Order.objects.filter(pk=order.pk).update(woo_created_at=timezone.now() - timezone.timedelta(days=1))
    after = sum(p.revenue for p in daily_series_for(access, pulled.pk, 30))
    assert before - after == Decimal("7.50")
    assert [r.amount for r in OrderRefund.objects.filter(order_woo_id=order.woo_id)] == [Decimal("7.50")]


def test_an_order_webhook_brings_a_refund_made_in_wordpress(
    client, pulled, sandbox, django_capture_on_commit_callbacks, eager_tasks
):
    """A refund made in WooCommerce's admin fires ``order.updated``: the delivery writes the
    order's refunded amount, and the refresh it queues brings the refund itself."""
    from stores import credentials
    from stores.models import Store
    from webhooks import inbox
    from webhooks.models import WebhookDelivery
    from webhooks.tests.conftest import SECRET
    from webhooks.tests.conftest import delivery_headers
    from webhooks.tests.conftest import php_json

    Store.objects.filter(pk=pulled.pk).update(webhook_secret=credentials.encrypt(SECRET))
    order = nth_order(pulled, 7, status="completed", total__gt=30)
    order_refund_create(
        client_for(pulled),
        order.woo_id,
        amount="12.00",
        reason="In the shop",
        line_items=[],
        api_refund=False,
        restock=False,
    )
    body = php_json(order_fetch(client_for(pulled), order.woo_id))
    receiver = f"/webhooks/woocommerce/{pulled.pk}/"
    headers = delivery_headers(body, "order.updated")
    response = client.generic("POST", receiver, data=body, content_type="application/json", headers=headers)
    assert response.status_code == 200, response.content
    delivery = WebhookDelivery.objects.get(store=pulled)
    with django_capture_on_commit_callbacks(execute=True):
        inbox.webhook_delivery_apply(delivery.pk)
    order.refresh_from_db()
    assert order.refunded_total == Decimal("12.00")
    (refund,) = OrderRefund.objects.filter(store=pulled, order_woo_id=order.woo_id)
    assert (refund.amount, refund.reason, refund.refunded_by) == (Decimal("12.00"), "In the shop", "")


def test_customers_follow_orders_deleted_in_the_shop(pulled, sandbox, pull):
    """A full pull removes an order deleted for good in WooCommerce; its customer's summary follows."""
    email, count = Counter(
        o["billing"]["email"].lower() for o in sandbox.data.orders.values() if o["status"] not in ("trash",)
    ).most_common(1)[0]
    gone = next(o for o in sandbox.data.orders.values() if o["billing"]["email"].lower() == email)
    assert client_for(pulled).delete(f"orders/{gone['id']}", params={"force": "true"}).status == 200
    assert pull(pulled, full=True, entities=["orders"]).status == "success"
    left = Customer.objects.filter(store=pulled, email=email).first()
    assert (left.orders_count if left else 0) == count - 1


def test_customers_refreshed_by_email_match_a_refresh_of_every_customer(pulled):
    """The pull refreshes the customers of each batch's e-mails (one index lookup per e-mail); the
    summary it leaves is the one a refresh of every customer (grouped over all orders) computes."""
    fields = ("email", "name", "country", "customer_woo_id", "orders_count", "total_spent", "first_order_at")
    by_email = sorted(Customer.objects.filter(store=pulled).values_list(*fields, "last_order_at"))
    assert by_email
    Customer.objects.filter(store=pulled).delete()
    customers_refresh(pulled.pk)
    assert sorted(Customer.objects.filter(store=pulled).values_list(*fields, "last_order_at")) == by_email


def test_a_refresh_names_a_customer_after_the_latest_order_and_drops_customers_without_orders(pulled):
    """Name and country come from the customer's latest order; a customer left without placed
    orders is removed, by a refresh of some e-mails and by a refresh of every customer alike."""
    placed = Order.objects.filter(store=pulled).exclude(status__in=("trash", "checkout-draft"))
    counts = Counter(email.lower() for email in placed.values_list("customer_email", flat=True) if email)
    first, moved, trashed, trashed_later = sorted(email for email, count in counts.items() if count == 1)[:4]
    newest = placed.order_by("-woo_created_at").first().woo_created_at
    placed.filter(customer_email__iexact=moved).update(
        customer_email=first,
        woo_created_at=newest + timedelta(days=1),
        customer_name="Latest",
        billing={"country": "IS"},
    )
    placed.filter(customer_email__iexact=trashed).update(status="trash")
    customers_refresh(pulled.pk, [first, moved, trashed])
    assert Customer.objects.filter(store=pulled, email=first).values_list("name", "country", "orders_count").get() == (
        "Latest",
        "IS",
        2,
    )
    assert not Customer.objects.filter(store=pulled, email__in=[moved, trashed]).exists()
    placed.filter(customer_email__iexact=trashed_later).update(status="trash")
    before = Customer.objects.filter(store=pulled).count()
    customers_refresh(pulled.pk)
    assert not Customer.objects.filter(store=pulled, email=trashed_later).exists()
    assert Customer.objects.filter(store=pulled).count() == before - 1


def test_an_export_made_with_customer_data_is_not_downloaded_once_its_requester_is_a_viewer(
    client, pulled, manager, settings, tmp_path, django_capture_on_commit_callbacks, eager_tasks
):
    """A manager's background export holds customers' names and e-mails; demoted to viewer, the
    same person sees them masked everywhere, so that file is no longer theirs to download."""
    settings.ORDER_EXPORT_STREAM_LIMIT = 10
    settings.EXPORTS_DIR = str(tmp_path / "exports")
    client.force_login(manager)
    progress_url, export_id = finished_background_export(
        client, url("order_export", pulled), {"status": "completed"}, django_capture_on_commit_callbacks
    )
    download_url = url("order_export_download", pulled, export_id=export_id)
    emails = [o.customer_email for o in Order.objects.filter(store=pulled, status="completed") if o.customer_email]
    assert any(email in b"".join(client.get(download_url).streaming_content).decode() for email in emails)

    StoreUser.objects.filter(store=pulled, user=manager).update(role=StoreRole.VIEWER)
    response = client.get(download_url)
    body = b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()
    assert response.status_code == 404
    assert not any(email in body for email in emails)
    status_page = client.get(progress_url).content.decode()
    assert "export the list again" in status_page and download_url not in status_page


def test_a_large_export_runs_in_the_background_masked_for_a_viewer(
    client, pulled, viewer, settings, tmp_path, django_capture_on_commit_callbacks, eager_tasks
):
    settings.ORDER_EXPORT_STREAM_LIMIT = 10
    settings.EXPORTS_DIR = str(tmp_path / "exports")
    client.force_login(viewer)
    _progress_url, export_id = finished_background_export(
        client, url("order_export", pulled), {"status": "completed"}, django_capture_on_commit_callbacks
    )
    download = client.get(url("order_export_download", pulled, export_id=export_id))
    text = b"".join(download.streaming_content).decode()
    lines = text.strip().splitlines()
    completed = Order.objects.filter(store=pulled, status="completed")
    assert len(lines) == completed.count() + 1
    assert "XXXX" in text and not any(o.customer_email in text for o in completed if o.customer_email)
