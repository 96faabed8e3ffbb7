"""Fixtures of the dashboard tests (catalog, orders and sync pages)."""

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.services import user_create
from catalog.models import Product, ProductVariation
from orders.models import Order
from stores.models import StoreRole, StoreUser
from stores.services import store_create

PASSWORD = "a-Long-enough-passw0rd"
_counter = itertools.count(1)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def owner(db):
    return user_create(email="owner@example.com", password=PASSWORD)


@pytest.fixture
def store(owner):
    return store_create(
        actor=owner, name="Olive & Thyme", url="http://127.0.0.1:9", api_key="ck_test_1234", api_secret="cs_test_1234"
    )


def _member(store, email, role):
    user = user_create(email=email, password=PASSWORD)
    StoreUser.objects.create(store=store, user=user, role=role)
    return user


@pytest.fixture
def manager(store):
    return _member(store, "manager@example.com", StoreRole.MANAGER)


@pytest.fixture
def viewer(store):
    return _member(store, "viewer@example.com", StoreRole.VIEWER)


@pytest.fixture
def other_store(db):
    other = user_create(email="other@example.com", password=PASSWORD)
    return store_create(actor=other, name="Elsewhere", url="http://127.0.0.1:9", api_key="ck_o", api_secret="cs_o")


def make_product(store, **fields):
    n = next(_counter)
    values = {
        "woo_id": 10_000 + n,
        "name": f"Product {n:04d}",
        "sku": f"SKU-{n:04d}",
        "price": Decimal("10.00") + n,
        "status": "publish",
        "type": "simple",
        "source": "woo",
        "stock_quantity": 10,
        "stock_status": "instock",
        "woo_modified_at": timezone.now() - timedelta(days=1),
        "categories": [{"id": 5, "name": "Kitchen", "slug": "kitchen"}],
        "tags": [],
        "brands": [],
    }
    values.update(fields)
    return Product.objects.create(store=store, **values)


def make_variation(product, **fields):
    n = next(_counter)
    values = {
        "woo_id": 50_000 + n,
        "sku": f"{product.sku}-{n}",
        "price": Decimal("20.00"),
        "regular_price": Decimal("20.00"),
        "stock_quantity": 3,
        "attributes": [{"id": 1, "name": "Size", "option": "M"}],
        "source": "woo",
    }
    values.update(fields)
    return ProductVariation.objects.create(product=product, store=product.store, **values)


CUSTOMER = {
    "first_name": "Dana",
    "last_name": "Levi",
    "email": "dana.levi@gmail.com",
    "phone": "+972-52-555-0143",
    "address_1": "Herzl St 12",
    "city": "Tel Aviv",
    "country": "IL",
}


def make_order(store, **fields):
    n = next(_counter)
    values = {
        "woo_id": 70_000 + n,
        "number": str(70_000 + n),
        "status": "processing",
        "total": Decimal("100.00"),
        "customer_name": "Dana Levi",
        "customer_email": CUSTOMER["email"],
        "customer_phone": CUSTOMER["phone"],
        "billing": CUSTOMER,
        "shipping": CUSTOMER,
        "line_items": [{"id": 1, "name": "Linen apron", "product_id": 1, "quantity": 2, "total": "100.00"}],
        "woo_created_at": timezone.now() - timedelta(hours=1),
    }
    values.update(fields)
    return Order.objects.create(store=store, **values)
