import pytest

from accounts.models import AppRole
from accounts.services import user_create, user_role_grant
from catalog.tests.test_browser_dashboard import browser, sandbox, shop  # noqa: F401 - the browser tests' world

# Chromium through Playwright for the browser tests here: the dashboard tests' fixture, not a copy.

STOREDESK_APPS = {"accounts", "stores", "catalog", "orders", "webhooks", "sync", "projects", "agents", "audit"}


@pytest.fixture
def app_admin(db):
    user = user_create(email="admin@example.com", password="correct horse battery staple")
    user_role_grant(user=user, role=AppRole.ADMIN)
    return user
