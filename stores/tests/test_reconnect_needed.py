"""A store imported without readable credentials (``import_supabase --skip-credentials``):
its pages say so, scheduled syncs leave it alone, and an owner typing both the key and the
secret connects it again."""

import pytest
from django.urls import reverse

from stores import credentials
from stores.models import Store
from stores.services import store_credentials_set
from stores.tests.helpers import make_store
from stores.tests.helpers import make_user
from sync.services import stores_due_for_sync

pytestmark = pytest.mark.django_db


def imported_without_credentials(owner, name):
    store = make_store(owner, name)
    Store.objects.filter(pk=store.pk).update(
        credentials_reconnect_needed=True, api_key=credentials.encrypt(""), api_secret=credentials.encrypt("")
    )
    store.refresh_from_db()
    return store


def test_pages_say_so_and_scheduled_syncs_wait(client):
    owner = make_user("owner@example.com")
    connected = make_store(owner, "Connected shop")
    waiting = imported_without_credentials(owner, "Imported shop")
    assert stores_due_for_sync() == [connected.pk]

    client.force_login(owner)
    detail = client.get(reverse("stores:detail", kwargs={"store_id": waiting.pk})).content.decode()
    assert "Reconnect needed" in detail
    page = client.get(reverse("stores:credentials", kwargs={"store_id": waiting.pk})).content.decode()
    assert "Reconnect needed: enter both the consumer key and the consumer secret." in page
    assert (
        "Reconnect needed"
        not in client.get(reverse("stores:detail", kwargs={"store_id": connected.pk})).content.decode()
    )


def test_both_key_and_secret_connect_it_again():
    owner = make_user("owner@example.com")
    store = imported_without_credentials(owner, "Imported shop")

    store_credentials_set(actor=owner, store=store, api_key="ck_new_key_1234")
    store.refresh_from_db()
    assert store.credentials_reconnect_needed  # the secret is still missing

    store_credentials_set(actor=owner, store=store, api_key="ck_new_key_1234", api_secret="cs_new_secret_5678")
    store.refresh_from_db()
    assert not store.credentials_reconnect_needed
    assert credentials.decrypt(store.api_secret) == "cs_new_secret_5678"
    assert stores_due_for_sync() == [store.pk]
