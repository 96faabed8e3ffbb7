"""``import_supabase --repoint-webhooks`` against the WooCommerce sandbox over real HTTP: the
store's webhooks, which delivered to the old app, deliver to our receiver afterwards with their
secrets unchanged; plain ``ck_``/``cs_`` credentials in the source are recognised as they are."""

from io import StringIO

import psycopg
import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.tests import supabase_source
from stores import credentials
from stores.models import Store
from sync.woo import WooClient
from webhooks.models import Webhook

pytestmark = pytest.mark.django_db(transaction=True)

KEYS = ("ck_imported_key_0000000000000000000000000", "cs_imported_secret_000000000000000000000")
OLD_URL = "http://127.0.0.1:9/functions/v1/woo-webhook"


@pytest.fixture
def sandbox(start_sandbox):
    return start_sandbox(products=2, orders=2, seed=3, keys=[KEYS])


@pytest.fixture
def source(empty_source, sandbox, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    url = empty_source
    supabase_source.fill_source(url, stores=1)
    woo = WooClient(credentials.ApiCredentials(url=sandbox.url, consumer_key=KEYS[0], consumer_secret=KEYS[1]))
    hook_ids = [
        woo.post("webhooks", {"topic": topic, "delivery_url": OLD_URL, "secret": "whsec1"}).data["id"]
        for topic in ("order.created", "product.updated")
    ]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "UPDATE stores SET url = %s, api_key = %s, api_secret = %s, webhook_secret = 'whsec1'",
            [sandbox.url, *KEYS],
        )
        conn.execute(
            "UPDATE webhooks SET woo_webhook_id = %s, delivery_url = %s WHERE topic = 'order.created'",
            [hook_ids[0], OLD_URL],
        )
        conn.execute(
            "UPDATE webhooks SET woo_webhook_id = %s, delivery_url = %s WHERE topic = 'product.updated'",
            [hook_ids[1], OLD_URL],
        )
    return url


def test_repointed_webhooks_deliver_here_with_their_secrets(source, sandbox, settings):
    settings.SITE_URL = "https://storedesk.example.com"
    out = StringIO()
    call_command("import_supabase", "--source", source, "--repoint-webhooks", stdout=out, stderr=StringIO())

    store = Store.objects.get()
    assert credentials.decrypt(store.api_key) == KEYS[0] and credentials.decrypt(store.webhook_secret) == "whsec1"
    ours = "https://storedesk.example.com" + reverse("webhooks_receiver:receive", kwargs={"store_id": store.pk})
    with sandbox.data.lock:
        remote = {hook_id: dict(hook) for hook_id, hook in sandbox.data.webhooks.items()}
    assert len(remote) == 2
    for hook in remote.values():
        assert hook["delivery_url"] == ours
        assert hook["secret"] == "whsec1"
    assert set(Webhook.objects.values_list("delivery_url", flat=True)) == {ours}
    report = out.getvalue()
    assert report.count(f"now delivers to {ours}") == 2

    # Again: nothing left to do, and said so.
    again = StringIO()
    call_command("import_supabase", "--source", source, "--repoint-webhooks", stdout=again, stderr=StringIO())
    assert again.getvalue().count("already delivers here") == 2
