"""Every admin changelist and add page renders for an app admin, with a fixed number of queries."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from config.testing import make
from config.tests.conftest import STOREDESK_APPS

MODEL_ADMINS = [
    pytest.param(model, model_admin, id=model._meta.label)
    for model, model_admin in admin.site._registry.items()
    if model._meta.app_label in STOREDESK_APPS
]


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _changelist_queries(client, model):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(_url(model, "changelist"))
    assert response.status_code == 200
    return len(queries)


def test_every_storedesk_model_is_in_the_admin():
    from django.apps import apps

    registered = {model for model, _ in admin.site._registry.items()}
    missing = [m._meta.label for m in apps.get_models() if m._meta.app_label in STOREDESK_APPS and m not in registered]
    assert not missing


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "model_admin"), MODEL_ADMINS)
def test_changelist_costs_the_same_for_1_and_many_rows(client, app_admin, model, model_admin):
    client.force_login(app_admin)
    first = make(model)
    one_row = _changelist_queries(client, model)
    for _ in range(12):
        make(model)
    assert _changelist_queries(client, model) == one_row

    assert client.get(_url(model, "change", first.pk)).status_code == 200
    if model_admin.has_add_permission(_request_for(app_admin)):
        assert client.get(_url(model, "add")).status_code == 200


def _request_for(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = user
    return request


@pytest.mark.django_db
def test_store_admin_never_shows_credentials(client, app_admin):
    from stores.credentials import encrypt
    from stores.models import Store

    store = make(Store, api_key=encrypt("ck_visible_never"), api_secret=encrypt("cs_visible_never"))
    client.force_login(app_admin)
    for url in (_url(Store, "changelist"), _url(Store, "change", store.pk)):
        body = client.get(url).content.decode()
        assert "ck_visible_never" not in body and "cs_visible_never" not in body
        assert store.api_key not in body and store.api_secret not in body


@pytest.mark.django_db
def test_only_app_admins_reach_the_admin(client):
    from accounts.services import user_create

    client.force_login(user_create(email="plain@example.com", password="x" * 12))
    assert client.get("/admin/").status_code == 302
