"""Applying inbox rows: upserts through the sync's writer, order, deletions, status logs,
drafts, echoes, retries and sync_errors."""

import pytest
from django.utils import timezone

from catalog.models import Product
from catalog.models import ProductVariation
from orders.models import Order
from orders.models import OrderStatusLog
from sync.models import PushOperation
from sync.models import PushStatus
from sync.models import SyncError
from webhooks import inbox
from webhooks.models import DeliveryStatus
from webhooks.models import WebhookDelivery

from .conftest import order_payload
from .conftest import product_payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def deliver(store, post):
    """deliver(payload, topic) -> the inbox row, applied."""

    def send(payload, topic="product.updated", apply=True, **options):
        before = set(WebhookDelivery.objects.values_list("pk", flat=True))
        response = post(store, payload, topic, **options)
        assert response.status_code == 200, response.content
        new = WebhookDelivery.objects.exclude(pk__in=before).get()
        if apply:
            inbox.webhook_delivery_apply(new.pk, client=_NoStore())
            new.refresh_from_db()
        return new

    return send


class _NoStore:
    """A WooCommerce client for deletions whose store does not answer."""

    def get(self, endpoint, params=None):
        from sync.woo import WooUnreachableError

        raise WooUnreachableError("connection refused", url=endpoint)


class _Answers:
    def __init__(self, data=None, status=None):
        self.data, self.status = data, status

    def get(self, endpoint, params=None):
        from sync.woo import WooClientError
        from sync.woo import WooResponse

        if self.status:
            raise WooClientError("gone", status=self.status, code="woocommerce_rest_invalid_id", url=endpoint)
        return WooResponse(200, self.data, {})


def test_product_created_and_updated(store, deliver):
    row = deliver(product_payload(), "product.created")
    assert (row.status, row.outcome, row.attempts) == (DeliveryStatus.APPLIED, "product created", 1)
    product = Product.objects.get(store=store, woo_id=101)
    assert (product.name, str(product.price), product.source) == ("Product 101", "10.00", "woo")
    assert product.description == "A thing / with slashes é"
    row = deliver(product_payload(name="Renamed", modified="2026-01-01T11:00:00"))
    assert row.outcome == "product updated"
    assert Product.objects.get(store=store, woo_id=101).name == "Renamed"


def test_applying_twice_is_a_no_op(store, deliver):
    row = deliver(product_payload(), "product.created")
    assert inbox.webhook_delivery_apply(row.pk).status == "done"
    row.refresh_from_db()
    assert row.attempts == 1


def test_an_older_delivery_never_overwrites_newer_data(store, deliver):
    deliver(product_payload(name="Newest", modified="2026-01-01T12:00:00"))
    row = deliver(product_payload(name="Older", modified="2026-01-01T11:00:00"))
    assert (row.status, row.outcome) == (DeliveryStatus.SKIPPED, "stale (we hold a newer version)")
    assert Product.objects.get(woo_id=101).name == "Newest"


def test_out_of_order_deliveries_end_with_the_newest(store, deliver):
    rows = [deliver(product_payload(name=f"v{n}", modified=f"2026-01-01T10:00:0{n}"), apply=False) for n in range(5)]
    for row in reversed(rows):
        inbox.webhook_delivery_apply(row.pk)
    assert Product.objects.get(woo_id=101).name == "v4"
    statuses = list(WebhookDelivery.objects.order_by("date_modified_gmt").values_list("status", flat=True))
    assert statuses == [DeliveryStatus.SKIPPED] * 4 + [DeliveryStatus.APPLIED]


def test_same_second_versions_keep_the_later_arrival(store, deliver):
    first = deliver(product_payload(name="first"), apply=False)
    second = deliver(product_payload(name="second"), apply=False)
    inbox.webhook_delivery_apply(second.pk)
    inbox.webhook_delivery_apply(first.pk)
    assert Product.objects.get(woo_id=101).name == "second"


def test_order_status_change_writes_a_status_log(store, deliver):
    deliver(order_payload(status="pending"), "order.created")
    assert not OrderStatusLog.objects.exists()  # a new order is not a change
    deliver(order_payload(status="processing", modified="2026-01-01T10:05:00"), "order.updated")
    deliver(order_payload(status="processing", modified="2026-01-01T10:06:00", customer_note="hi"), "order.updated")
    log = OrderStatusLog.objects.get()
    assert (log.order_woo_id, log.old_status, log.new_status, log.changed_by) == (
        501,
        "pending",
        "processing",
        "woocommerce",
    )


def test_checkout_draft_orders_are_kept_as_drafts_until_they_are_real(store, deliver):
    deliver(order_payload(status="checkout-draft"), "order.created")
    assert Order.objects.get(woo_id=501).status == "checkout-draft"
    deliver(order_payload(status="processing", modified="2026-01-01T10:10:00"), "order.updated")
    assert Order.objects.get(woo_id=501).status == "processing"
    assert OrderStatusLog.objects.get().old_status == "checkout-draft"


def test_a_checkout_draft_counts_in_sales_figures_only_once_it_is_a_real_order(store, owner, deliver):
    from orders.metrics import order_kpis_for
    from stores.access import access_for

    created = timezone.now().strftime("%Y-%m-%dT%H:%M:%S")
    deliver(order_payload(status="checkout-draft", date_created_gmt=created), "order.created")
    kpis = order_kpis_for(access_for(owner), store.pk)
    assert (kpis.orders_today, kpis.revenue_today) == (0, 0)
    deliver(
        order_payload(status="processing", date_created_gmt=created, modified="2026-01-01T10:10:00"), "order.updated"
    )
    kpis = order_kpis_for(access_for(owner), store.pk)
    assert (kpis.orders_today, str(kpis.revenue_today)) == (1, "99.90")


def test_echo_of_our_push_is_recognised_and_not_logged_again(store, deliver):
    deliver(order_payload(status="pending"), "order.created")
    order = Order.objects.get(woo_id=501)
    PushOperation.objects.create(
        store=store,
        entity_type="order",
        action="update",
        object_id=order.pk,
        woo_id=501,
        status=PushStatus.DONE,
        remote_modified_at=timezone.datetime(2026, 1, 1, 10, 30, tzinfo=timezone.UTC),
    )
    row = deliver(order_payload(status="completed", modified="2026-01-01T10:30:00"), "order.updated")
    assert row.outcome == "echo of our push"
    assert not OrderStatusLog.objects.exists()
    assert not PushOperation.objects.exclude(status=PushStatus.DONE).exists()  # nothing pushed back


def test_a_local_change_waiting_to_be_pushed_is_left_alone(store, deliver):
    deliver(product_payload(), "product.created")
    product = Product.objects.get(woo_id=101)
    PushOperation.objects.create(store=store, entity_type="product", action="update", object_id=product.pk, woo_id=101)
    row = deliver(product_payload(name="Theirs", modified="2026-01-02T10:00:00"))
    assert (row.status, row.outcome) == (DeliveryStatus.PENDING, "waiting for the local push")
    assert row.queued_at > timezone.now()  # not due again until the push closes
    assert Product.objects.get(woo_id=101).name == "Product 101"


def _run_push_until_it_gives_up(op):
    """The push task's last transient failure: WooCommerce does not answer."""
    from django.conf import settings

    from sync.push import execute_push

    PushOperation.objects.filter(pk=op.pk).update(attempts=settings.SYNC_PUSH_MAX_ATTEMPTS - 1)
    execute_push(op.pk, client=_NoStore())
    op.refresh_from_db()
    assert op.status == PushStatus.FAILED


def test_a_delivery_held_by_a_push_that_gives_up_is_applied_then(store, deliver):
    deliver(product_payload(), "product.created")
    product = Product.objects.get(woo_id=101)
    op = PushOperation.objects.create(
        store=store, entity_type="product", action="update", object_id=product.pk, woo_id=101
    )
    row = deliver(product_payload(name="Theirs", modified="2026-01-02T10:00:00"))
    assert Product.objects.get(woo_id=101).name == "Product 101"  # our change is still to be sent
    _run_push_until_it_gives_up(op)
    inbox.webhook_deliveries_drain(first_id=row.pk)  # the worker, woken by the push closing
    row.refresh_from_db()
    assert (row.status, row.outcome) == (DeliveryStatus.APPLIED, "product updated")
    assert Product.objects.get(woo_id=101).name == "Theirs"
    # Applied once: another wake-up finds nothing to do.
    assert inbox.webhook_delivery_apply(row.pk).status == "done"


def test_held_deliveries_win_over_a_conflict_settled_with_theirs_only_when_newer(store, deliver, manager):
    from catalog.push import product_conflict_resolve
    from sync.models import ProductConflict

    deliver(product_payload(), "product.created")
    product = Product.objects.get(woo_id=101)
    op = PushOperation.objects.create(
        store=store,
        entity_type="product",
        action="update",
        object_id=product.pk,
        woo_id=101,
        status=PushStatus.CONFLICT,
        fields=["name"],
    )
    conflict = ProductConflict.objects.create(
        store=store,
        product=product,
        push=op,
        fields=[{"field": "name", "ours": "Ours", "theirs": "At conflict time"}],
        theirs_payload=product_payload(name="At conflict time", modified="2026-01-02T10:00:00"),
    )
    older = deliver(product_payload(name="Older", modified="2026-01-02T09:00:00"))
    newer = deliver(product_payload(name="Newest", modified="2026-01-02T11:00:00"))
    product_conflict_resolve(conflict_id=conflict.pk, choice="theirs", actor=manager)
    assert Product.objects.get(woo_id=101).name == "At conflict time"
    inbox.webhook_deliveries_drain(first_id=older.pk)
    older.refresh_from_db()
    newer.refresh_from_db()
    assert older.status == DeliveryStatus.SKIPPED and newer.status == DeliveryStatus.APPLIED
    product = Product.objects.get(woo_id=101)
    assert (product.name, product.woo_modified_at.isoformat()) == ("Newest", "2026-01-02T11:00:00+00:00")


def test_an_order_whose_email_has_surrounding_spaces_counts_for_its_customer(store, deliver, owner):
    from orders.models import Customer
    from orders.selectors import customer_orders_for
    from orders.selectors import order_get
    from stores.access import access_for

    deliver(order_payload(501, billing={"first_name": "Dana", "email": "dana@example.com"}), "order.created")
    deliver(order_payload(502, billing={"first_name": "Dana", "email": "  Dana@Example.com \t"}), "order.created")
    customer = Customer.objects.get(store=store)
    assert (customer.email, customer.orders_count, str(customer.total_spent)) == ("dana@example.com", 2, "199.80")
    access = access_for(owner)
    assert sorted(o.woo_id for o in customer_orders_for(access, store.pk, customer)) == [501, 502]
    padded = Order.objects.get(woo_id=502)
    assert order_get(access, store.pk, padded.pk).customer_page_id == customer.pk


def test_deleted_uses_what_woocommerce_holds_now(store, deliver, post):
    deliver(product_payload(), "product.created")
    row = deliver({"id": 101}, "product.deleted", apply=False)
    trashed = product_payload(status="trash", modified="2026-01-03T00:00:00")
    inbox.webhook_delivery_apply(row.pk, client=_Answers(trashed))
    row.refresh_from_db()
    assert (row.status, row.outcome) == (DeliveryStatus.APPLIED, "product trashed")
    product = Product.objects.get(woo_id=101)
    assert product.status == "trash" and product.woo_modified_at.isoformat() == "2026-01-03T00:00:00+00:00"
    # A late, older update does not bring it back.
    assert deliver(product_payload(modified="2026-01-02T00:00:00")).status == DeliveryStatus.SKIPPED


def test_deleted_without_an_answer_marks_the_row_trashed(store, deliver):
    deliver(order_payload(status="processing"), "order.created")
    row = deliver({"id": 501}, "order.deleted")
    assert (row.status, row.outcome) == (DeliveryStatus.APPLIED, "order trashed")
    assert Order.objects.get(woo_id=501).status == "trash"
    log = OrderStatusLog.objects.get()
    assert (log.old_status, log.new_status, log.changed_by) == ("processing", "trash", "woocommerce")


def test_deleted_when_gone_for_good(store, deliver):
    deliver(product_payload(), "product.created")
    row = deliver({"id": 101}, "product.deleted", apply=False)
    inbox.webhook_delivery_apply(row.pk, client=_Answers(status=404))
    assert Product.objects.get(woo_id=101).status == "trash"


def test_a_deletion_older_than_what_we_hold_is_skipped(store, deliver):
    deliver(product_payload(), "product.created")
    row = deliver({"id": 101}, "product.deleted", apply=False)
    # A restore modified after the deletion arrived was applied first.
    deliver(product_payload(modified=(timezone.now() + timezone.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S")))
    inbox.webhook_delivery_apply(row.pk, client=_NoStore())
    row.refresh_from_db()
    assert row.status == DeliveryStatus.SKIPPED
    assert Product.objects.get(woo_id=101).status == "publish"


def test_deleting_something_we_never_had(store, deliver):
    row = deliver({"id": 999}, "product.deleted")
    assert (row.status, row.outcome) == (DeliveryStatus.SKIPPED, "not here (nothing to delete)")


def test_variation_arrives_as_a_product_event(store, deliver):
    deliver(product_payload(woo_id=200, type="variable"), "product.created")
    variation = product_payload(
        woo_id=201,
        type="variation",
        parent_id=200,
        name="Product 200 - Red",
        price="12.00",
        regular_price="12.00",
        attributes=[{"id": 0, "name": "Color", "option": "Red"}],
        images=[{"id": 9, "src": "https://shop.example.com/red.png"}],
    )
    row = deliver(variation, "product.updated")
    assert (row.status, row.outcome) == (DeliveryStatus.APPLIED, "variation created")
    stored = ProductVariation.objects.get(woo_id=201)
    assert stored.product.woo_id == 200 and str(stored.price) == "12.00"
    assert stored.image.original_url == "https://shop.example.com/red.png"
    deleted = deliver({"id": 201}, "product.deleted")
    assert deleted.outcome == "variation trashed"
    assert ProductVariation.objects.get(woo_id=201).status == "trash"


def test_variation_before_its_parent_is_retried_with_backoff(store, deliver, settings):
    settings.WEBHOOK_APPLY_MAX_RETRIES = 2
    variation = product_payload(woo_id=301, type="variation", parent_id=300, attributes=[])
    row = deliver(variation, apply=False)
    result = inbox.webhook_delivery_apply(row.pk)
    assert result.status == "pending" and result.retry_in is not None
    row.refresh_from_db()
    assert row.attempts == 1 and "parent product 300" in row.last_error and row.queued_at > timezone.now()
    deliver(product_payload(woo_id=300, type="variable"), "product.created")
    assert inbox.webhook_delivery_apply(row.pk).status == DeliveryStatus.APPLIED
    assert ProductVariation.objects.filter(woo_id=301).exists()


def test_retries_run_out_into_sync_errors_and_the_retry_button_works(store, deliver, settings, owner):
    settings.WEBHOOK_APPLY_MAX_RETRIES = 2
    row = deliver(product_payload(woo_id=401, type="variation", parent_id=400, attributes=[]), apply=False)
    results = [inbox.webhook_delivery_apply(row.pk) for _ in range(3)]
    assert [r.status for r in results] == ["pending", "pending", "failed"]
    row.refresh_from_db()
    assert (row.status, row.attempts) == (DeliveryStatus.FAILED, 3)
    error = SyncError.objects.get(store=store, woo_id=401, resolved=False)
    assert error.entity_type == "variation" and error.metadata["delivery_id"] == str(row.pk)
    deliver(product_payload(woo_id=400, type="variable"), "product.created")
    assert inbox.webhook_delivery_retry(actor=owner, store_id=store.pk, delivery_id=row.pk)
    assert inbox.webhook_delivery_apply(row.pk).status == DeliveryStatus.APPLIED
    error.refresh_from_db()
    assert error.resolved


def test_a_payload_that_cannot_be_mapped_fails_at_once(store, deliver):
    row = deliver(product_payload(regular_price="not a price"))
    assert (row.status, row.attempts) == (DeliveryStatus.FAILED, 1)
    assert SyncError.objects.filter(store=store, woo_id=101, resolved=False).exists()
    assert not Product.objects.exists()


def test_an_order_with_a_list_for_its_email_fails_at_once_and_a_numeric_phone_is_text(store, deliver):
    row = deliver(order_payload(billing={"first_name": "Dana", "email": ["a@example.com"]}), "order.created")
    assert (row.status, row.attempts) == (DeliveryStatus.FAILED, 1)
    assert "billing.email is not text" in row.last_error and "a@example.com" not in row.last_error
    assert not Order.objects.exists()
    row = deliver(order_payload(woo_id=502, billing={"first_name": 7, "phone": 501234567}), "order.created")
    assert row.status == DeliveryStatus.APPLIED
    assert Order.objects.values_list("customer_name", "customer_phone").get() == ("7", "501234567")


def test_nul_characters_a_customer_typed_are_dropped_and_the_order_is_written(store, deliver):
    """WordPress keeps a NUL in a checkout field; PostgreSQL stores none (text or jsonb)."""
    row = deliver(
        order_payload(
            billing={"first_name": "Da\x00na", "last_name": "Levi", "email": "dana@example.com", "phone": "0\x0050"},
            customer_note="Ring\x00 twice",
            line_items=[{"id": 1, "name": "Thing\x00", "quantity": 1, "price": 89.9, "note": "\\u0000 as text"}],
        ),
        "order.created",
    )
    assert row.status == DeliveryStatus.APPLIED, row.last_error
    order = Order.objects.get(woo_id=501)
    assert (order.customer_name, order.customer_phone, order.customer_note) == ("Dana Levi", "050", "Ring twice")
    assert (order.billing["first_name"], order.line_items[0]["name"]) == ("Dana", "Thing")
    assert order.line_items[0]["note"] == "\\u0000 as text"  # a backslash and "u0000" typed as such stay


def test_requeue_sends_rows_left_pending(store, deliver, monkeypatch):
    sent = []
    monkeypatch.setattr("webhooks.inbox.enqueue_apply", lambda pk: sent.append(pk) or True)
    row = deliver(product_payload(), apply=False)
    assert inbox.webhook_deliveries_requeue() == 0  # queued just now: not yet
    WebhookDelivery.objects.filter(pk=row.pk).update(queued_at=timezone.now() - timezone.timedelta(minutes=10))
    assert inbox.webhook_deliveries_requeue() == 1
    assert sent == [row.pk]
    assert inbox.webhook_deliveries_requeue() == 0


def test_a_delivery_with_nul_characters_is_applied_without_them(store, deliver):
    """WooCommerce sends U+0000 as ``\\u0000``; PostgreSQL text and jsonb cannot hold it."""
    row = deliver(
        product_payload(name="Lamp\x00", categories=[{"id": 3, "name": "Li\x00ght", "slug": "light"}]),
        "product.created",
    )
    assert row.status == DeliveryStatus.APPLIED, row.outcome
    product = Product.objects.get(store=store, woo_id=101)
    assert (product.name, product.categories[0]["name"]) == ("Lamp", "Light")
    row = deliver(order_payload(billing={"first_name": "Da\x00na", "email": "d@example.com"}), "order.created")
    assert row.status == DeliveryStatus.APPLIED, row.outcome
    assert Order.objects.get(store=store, woo_id=501).billing["first_name"] == "Dana"
