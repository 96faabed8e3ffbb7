"""Notes and refunds made in WooCommerce reach the order page: read in the background when the
page is opened and they are stale (htmx polls until they are here), and by incremental pulls for
the orders whose modified date moved. Against the sandbox over real HTTP."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.models import Order
from orders.models import OrderNote
from orders.models import OrderRefund
from orders.tests.test_notes_refunds_customers import pulled as pulled  # a store on the sandbox, orders pulled
from stores.models import StoreRole
from sync.tests.conftest import *  # noqa: F403 - the sandbox fixtures (sandbox, shop, pull, make_user...)
from sync.woo import client_for
from sync.woo import order_note_create
from sync.woo import order_refund_create

pytestmark = pytest.mark.django_db


def order_url(store, order, name="order_detail"):
    return reverse(f"orders:{name}", kwargs={"store_id": store.pk, "order_id": order.pk})


def poll_url(page):
    match = re.search(r'id="order-activity"[^>]*hx-get="([^"]+)"', page)
    return match.group(1).replace("&amp;", "&") if match else None


def refund_in_the_shop(store, order, amount):
    """A refund made in WooCommerce's own admin (it moves the order's modified date)."""
    return order_refund_create(
        client_for(store),
        order.woo_id,
        amount=amount,
        reason="Made in wp-admin",
        line_items=[],
        api_refund=False,
        restock=False,
    )


def test_a_stale_order_page_reads_notes_and_refunds_in_the_background_and_polls_for_them(
    client, pulled, make_member, django_capture_on_commit_callbacks, eager_tasks
):
    owner = make_member(pulled, StoreRole.OWNER, "owner-activity@example.com")
    order = Order.objects.filter(store=pulled, status="completed", total__gt=30).order_by("woo_id")[2]
    assert order.activity_synced_at is None  # a full pull does not read notes
    order_note_create(client_for(pulled), order.woo_id, "Left at the neighbour's", to_customer=False)
    refund_in_the_shop(pulled, order, "5.00")
    client.force_login(owner)

    # The page opens at once with what is here, and queues the read (run eagerly here).
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        page = client.get(order_url(pulled, order)).content.decode()
    assert len(callbacks) == 1
    assert "Left at the neighbour&#x27;s" not in page
    url = poll_url(page)
    assert url and "Reading the latest notes and refunds" in page

    # The worker has read them: the poll answers with both sections, swapped in out of band.
    answer = client.get(url).content.decode()
    assert 'id="order-activity" hidden' in answer
    assert re.search(r'id="notes" hx-swap-oob="true"', answer)
    assert "Left at the neighbour&#x27;s" in answer
    refunds_html = answer[answer.index('id="refunds"') :]
    assert "Made in wp-admin" in refunds_html and "5.00" in refunds_html
    assert OrderRefund.objects.get(store=pulled, order_woo_id=order.woo_id).amount == Decimal("5.00")
    order.refresh_from_db()
    assert order.activity_synced_at is not None

    # Fresh now: the next visit neither polls nor asks WooCommerce again.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        page = client.get(order_url(pulled, order)).content.decode()
    assert poll_url(page) is None and callbacks == []
    assert "Left at the neighbour&#x27;s" in page


def test_the_poll_keeps_polling_then_gives_up_when_no_worker_answers(client, pulled, make_member):
    owner = make_member(pulled, StoreRole.OWNER, "owner-poll@example.com")
    order = Order.objects.filter(store=pulled).order_by("woo_id")[5]
    client.force_login(owner)
    page = client.get(order_url(pulled, order)).content.decode()  # queued on commit: never sent here
    url = poll_url(page)
    again = client.get(url).content.decode()
    assert "try=1" in poll_url(again)
    last = client.get(url.replace("try=0", "try=15")).content.decode()
    assert poll_url(last) is None
    assert "did not answer in time" in last
    assert client.get(url.replace("since=", "since=x")).status_code == 200  # bad input: no 500


def test_a_viewer_polls_refunds_masked_and_never_sees_notes(
    client, pulled, make_member, django_capture_on_commit_callbacks, eager_tasks
):
    viewer = make_member(pulled, StoreRole.VIEWER, "viewer-activity@example.com")
    order = Order.objects.filter(store=pulled, status="processing", total__gt=30).order_by("woo_id")[1]
    order_note_create(client_for(pulled), order.woo_id, "Customer called about the parcel", to_customer=False)
    refund_in_the_shop(pulled, order, "3.00")
    client.force_login(viewer)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.get(order_url(pulled, order)).content.decode()
    answer = client.get(poll_url(page)).content.decode()
    assert OrderNote.objects.filter(store=pulled, order_woo_id=order.woo_id).exists()
    assert "Customer called about the parcel" not in answer
    assert "Made in wp-admin" not in answer and "XXXX" in answer  # the reason is masked
    assert "3.00" in answer[answer.index('id="refunds"') :]


def test_an_order_changed_in_the_shop_is_stale_again(client, pulled, make_member):
    owner = make_member(pulled, StoreRole.OWNER, "owner-stale@example.com")
    order = Order.objects.filter(store=pulled).order_by("woo_id")[9]
    now = timezone.now()
    Order.objects.filter(pk=order.pk).update(activity_synced_at=now, woo_modified_at=now - timezone.timedelta(hours=1))
    client.force_login(owner)
    assert poll_url(client.get(order_url(pulled, order)).content.decode()) is None
    Order.objects.filter(pk=order.pk).update(woo_modified_at=now + timezone.timedelta(seconds=5))
    assert poll_url(client.get(order_url(pulled, order)).content.decode()) is not None
    # Notes can change without the order: a read older than 15 minutes is stale too.
    Order.objects.filter(pk=order.pk).update(
        activity_synced_at=now - timezone.timedelta(minutes=16), woo_modified_at=now - timezone.timedelta(hours=1)
    )
    assert poll_url(client.get(order_url(pulled, order)).content.decode()) is not None


def test_an_incremental_pull_reads_the_refunds_of_the_orders_it_found_changed(
    pulled, pull, eager_tasks, django_capture_on_commit_callbacks
):
    changed = Order.objects.filter(store=pulled, status="completed", total__gt=30).order_by("woo_id")[4]
    untouched = Order.objects.filter(store=pulled, status="completed").exclude(pk=changed.pk).order_by("woo_id")[0]
    refund_in_the_shop(pulled, changed, "4.25")
    with django_capture_on_commit_callbacks(execute=True):
        run = pull(pulled, entities=["orders"])
    assert run.status == "success"
    (refund,) = OrderRefund.objects.filter(store=pulled, order_woo_id=changed.woo_id)
    assert (refund.amount, refund.reason) == (Decimal("4.25"), "Made in wp-admin")
    changed.refresh_from_db()
    untouched.refresh_from_db()
    assert changed.activity_synced_at is not None and changed.refunded_total == Decimal("4.25")
    assert untouched.activity_synced_at is None  # not modified: nothing asked of WooCommerce


def test_a_full_pull_does_not_read_notes_and_refunds(pulled, pull, eager_tasks, django_capture_on_commit_callbacks):
    order = Order.objects.filter(store=pulled, status="completed", total__gt=30).order_by("woo_id")[6]
    refund_in_the_shop(pulled, order, "2.00")
    with django_capture_on_commit_callbacks(execute=True):
        assert pull(pulled, full=True, entities=["orders"]).status == "success"
    order.refresh_from_db()
    assert order.refunded_total == Decimal("2.00")  # from the order itself
    assert not OrderRefund.objects.filter(store=pulled, order_woo_id=order.woo_id).exists()
    assert order.activity_synced_at is None
