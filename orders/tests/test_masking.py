"""One masking function (orders_summary) for every order read of someone who may not see
customer data; it cannot be probed through search, filters, sorting or counts."""

import pytest
from django.db import connection
from django.db import transaction
from django.db.models import Count
from django.db.models import Exists
from django.db.models import OuterRef

from orders.masking import MASK
from orders.masking import CustomerDataProbe
from orders.masking import orders_summary
from orders.models import Order
from orders.selectors import order_export_rows_for
from orders.selectors import order_get
from orders.selectors import order_status_counts_for
from orders.selectors import orders_for
from stores.access import VIEW_CUSTOMER_DATA
from stores.access import load_access
from stores.models import StoreRole
from stores.services import store_grant_permission
from stores.tests.helpers import CUSTOMERS
from stores.tests.helpers import add_member
from stores.tests.helpers import build_world
from stores.tests.helpers import make_orders
from stores.tests.helpers import pii_strings

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = build_world()
    make_orders(world.stores["A"])
    make_orders(world.stores["B"], start=5000)
    return world


def assert_masked(order):
    assert order.customer_name == MASK
    assert order.customer_email == MASK
    assert order.customer_phone == MASK
    assert order.customer_note == MASK
    assert order.billing and set(order.billing.values()) <= {MASK, ""}
    assert order.shipping and set(order.shipping.values()) <= {MASK, ""}
    assert order.billing["company"] == ""  # empty stays empty, keys stay


def test_viewer_gets_masked_rows_manager_and_admin_real_ones(world):
    store = world.stores["A"]
    viewer_rows = list(orders_for(load_access(world.users["viewer"]), store.pk))
    assert len(viewer_rows) == len(CUSTOMERS)
    for order in viewer_rows:
        assert_masked(order)
        assert order.total and order.status and order.number  # the rest is intact
    for role in ("manager", "owner", "admin"):
        names = {o.customer_name for o in orders_for(load_access(world.users[role]), store.pk)}
        assert names == {c["name"] for c in CUSTOMERS}


def test_detail_export_and_charts_are_masked_for_viewers(world):
    store = world.stores["A"]
    access = load_access(world.users["viewer"])
    order = Order.objects.filter(store=store).first()
    assert_masked(order_get(access, store.pk, order.pk))
    rows = list(order_export_rows_for(access, store.pk))
    text = repr(rows)
    for value in pii_strings():
        assert value not in text
    counts = order_status_counts_for(access, store.pk)
    assert sum(row["count"] for row in counts) == len(CUSTOMERS)


def test_viewer_cannot_probe_customer_data_through_search(world):
    store = world.stores["A"]
    viewer, manager = load_access(world.users["viewer"]), load_access(world.users["manager"])
    for term in ("dana", "gmail", "+972", "O'Brien", "555"):
        assert orders_for(viewer, store.pk, search=term).count() == 0
    assert orders_for(manager, store.pk, search="dana.levi").count() == 1
    assert orders_for(viewer, store.pk, search="#1001").count() == 1  # order numbers work for everyone
    # Sorting by a customer column silently falls back for viewers (it would leak the order).
    assert [o.number for o in orders_for(viewer, store.pk, ordering="customer_name")] == [
        o.number for o in orders_for(viewer, store.pk)
    ]


@pytest.mark.parametrize(
    "probe",
    [
        lambda qs: list(qs.filter(customer_email__icontains="gmail")),
        lambda qs: qs.filter(customer_name__startswith="D").count(),
        lambda qs: qs.exclude(customer_phone__isnull=True).exists(),
        lambda qs: list(qs.order_by("customer_name")),
        lambda qs: list(qs.values_list("customer_email", flat=True)),
        lambda qs: list(qs.values("billing__city")),
        lambda qs: list(qs.values()),
        lambda qs: qs.aggregate(n=Count("customer_email", distinct=True)),
        lambda qs: list(qs.filter(billing__city="London")),
        lambda qs: list(qs.filter(Exists(Order.objects.filter(pk=OuterRef("pk"), customer_name__icontains="dana")))),
        lambda qs: qs.filter(customer_email__icontains="gmail").update(status="completed"),
    ],
)
def test_masked_querysets_refuse_to_touch_personal_columns(world, probe):
    queryset = orders_for(load_access(world.users["viewer"]), world.stores["A"].pk)
    with pytest.raises(CustomerDataProbe):
        probe(queryset)


def test_an_explicit_grant_unmasks(world):
    store = world.stores["A"]
    store_grant_permission(actor=world.users["owner"], store=store, user=world.users["viewer"], perm=VIEW_CUSTOMER_DATA)
    names = {o.customer_name for o in orders_for(load_access(world.users["viewer"]), store.pk)}
    assert names == {c["name"] for c in CUSTOMERS}


def test_cross_store_reads_mask_per_store(world):
    user = world.users["manager"]  # manager of A
    add_member(world.stores["B"], user, StoreRole.VIEWER)  # and viewer of B
    access = load_access(user)
    rows = list(orders_summary(access.scope(Order.objects.all(), "stores.view_orders"), access))
    by_store = {}
    for order in rows:
        by_store.setdefault(order.store_id, set()).add(order.customer_name)
    assert by_store[world.stores["A"].pk] == {c["name"] for c in CUSTOMERS}
    assert by_store[world.stores["B"].pk] == {MASK}


def _summary_as(user_id):
    """The view as a web request of ``user_id`` sees it (row-level security's web role)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('role', 'storedesk_web', true), set_config('storedesk.actor_user_id', %s, true)",
            [str(user_id or "")],
        )
        cursor.execute(
            "SELECT store_id, customer_name, customer_email, customer_phone, billing::text FROM orders_summary"
        )
        return cursor.fetchall()


def test_orders_summary_sql_view(world):
    store_a, store_b = world.stores["A"].pk, world.stores["B"].pk
    assert _summary_as(None) == []  # a request without a user sees no order

    viewer = _summary_as(world.users["viewer"].pk)
    assert {row[0] for row in viewer} == {store_a}
    text = repr(viewer)
    for value in pii_strings():
        assert value not in text

    manager = _summary_as(world.users["manager"].pk)
    assert {row[0] for row in manager} == {store_a}
    assert {row[1] for row in manager} == {c["name"] for c in CUSTOMERS}

    admin = _summary_as(world.users["admin"].pk)
    assert {row[0] for row in admin} == {store_a, store_b}
    assert MASK not in {row[1] for row in admin}
