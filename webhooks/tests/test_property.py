"""Property: whatever headers and body arrive, the receiver never answers 500 (or 503), and
nothing is stored or applied unless the body carries a valid signature."""

import json
import uuid

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from catalog.models import Product
from orders.models import Order
from webhooks import inbox
from webhooks.models import WebhookDelivery
from webhooks.signing import sign

from .conftest import SECRET
from .conftest import php_json
from .conftest import receiver_url

pytestmark = pytest.mark.django_db

HEADER_NAMES = [
    "X-WC-Webhook-Topic",
    "X-WC-Webhook-Signature",
    "X-WC-Webhook-ID",
    "X-WC-Webhook-Delivery-ID",
    "X-WC-Webhook-Resource",
    "X-WC-Webhook-Event",
    "X-WC-Webhook-Source",
    "Content-Length",
]
TOPICS = [
    "product.created",
    "product.updated",
    "product.deleted",
    "product.restored",
    "order.created",
    "order.updated",
    "order.deleted",
    "coupon.created",
    "action.woocommerce_checkout_order_processed",
    "",
    ".",
    "product.",
]
# Latin-1 text: what a WSGI server can hand Django as a header value.
header_text = st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=80)
header_values = st.one_of(
    header_text,
    st.sampled_from(TOPICS),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.text("0123456789²³", max_size=25),
)
json_leaves = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20))
json_values = st.recursive(
    json_leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
woo_like = st.fixed_dictionaries(
    {
        "id": st.one_of(st.integers(min_value=-3, max_value=2**64), st.text(max_size=5), st.none()),
        "name": st.text(max_size=30),
        "status": st.sampled_from(["publish", "draft", "trash", "processing", "checkout-draft", ""]),
        "total": st.one_of(st.text(max_size=8), st.integers()),
        "regular_price": st.one_of(st.text(max_size=8), st.just("12.50")),
        "date_modified_gmt": st.one_of(st.text(max_size=20), st.just("2026-01-01T10:00:00"), st.none()),
        "type": st.sampled_from(["simple", "variable", "variation", "weird"]),
        "parent_id": st.integers(min_value=-1, max_value=5),
    },
    optional={"line_items": json_values, "billing": json_values, "images": json_values, "attributes": json_values},
)
bodies = st.one_of(
    st.binary(max_size=400),
    json_values.map(lambda value: json.dumps(value).encode()),
    woo_like.map(php_json),
    st.just(b"webhook_id=12"),
    st.just(b""),
)
signature_modes = st.sampled_from(["none", "valid", "wrong_secret", "other_body", "random"])


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    headers=st.dictionaries(st.sampled_from(HEADER_NAMES), header_values, max_size=8),
    body=bodies,
    mode=signature_modes,
    random_signature=header_text,
    content_type=st.sampled_from(["application/json", "application/x-www-form-urlencoded", "text/plain", ""]),
    unknown_store=st.booleans(),
)
def test_random_requests_never_500_and_never_apply_unsigned(
    client, store, headers, body, mode, random_signature, content_type, unknown_store
):
    headers = dict(headers)
    headers.pop("Content-Length", None)  # the test client sets the real one
    if mode == "valid":
        headers["X-WC-Webhook-Signature"] = sign(body, SECRET)
    elif mode == "wrong_secret":
        headers["X-WC-Webhook-Signature"] = sign(body, SECRET + "x")
    elif mode == "other_body":
        headers["X-WC-Webhook-Signature"] = sign(body + b" ", SECRET)
    elif mode == "random":
        headers["X-WC-Webhook-Signature"] = random_signature
    else:
        headers.pop("X-WC-Webhook-Signature", None)
    signed = mode == "valid" and not unknown_store
    before = set(WebhookDelivery.objects.exclude(topic="ping").values_list("pk", flat=True))
    products, orders = Product.objects.count(), Order.objects.count()

    target = uuid.uuid4() if unknown_store else store.pk
    response = client.generic("POST", receiver_url(target), data=body, content_type=content_type, headers=headers)

    assert response.status_code in (200, 400, 401, 404, 413, 429), response.status_code
    if unknown_store:
        assert response.status_code == 404
    new = WebhookDelivery.objects.exclude(topic="ping").exclude(pk__in=before)
    if not signed:
        assert not new.exists()
        assert (
            response.status_code != 200
            or body.strip() == b"webhook_id=12"
            or not headers.get("X-WC-Webhook-Signature")
            and not headers.get("X-WC-Webhook-Topic")
            and body.strip() == b"webhook_id=12"
        )
    for delivery_id in new.values_list("pk", flat=True):
        result = inbox.webhook_delivery_apply(delivery_id)
        assert result.status in ("applied", "skipped", "failed", "pending")
    if not signed:
        assert (Product.objects.count(), Order.objects.count()) == (products, orders)
