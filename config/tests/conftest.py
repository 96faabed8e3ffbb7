import pytest

from accounts.models import AppRole
from accounts.services import user_create, user_role_grant

# Chromium through Playwright and the store pulled from the sandbox: the dashboard tests' fixtures, not copies.
from catalog.tests.test_browser_dashboard import browser, sandbox, shop  # noqa: F401

STOREDESK_APPS = {"accounts", "stores", "catalog", "orders", "webhooks", "sync", "projects", "agents", "audit"}


@pytest.fixture
def app_admin(db):
    user = user_create(email="admin@example.com", password="correct horse battery staple")
    user_role_grant(user=user, role=AppRole.ADMIN)
    return user
