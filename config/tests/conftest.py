# The browser tests' world (Chromium through Playwright, the sandbox shop): the dashboard tests' fixtures, not copies.
from catalog.tests.test_browser_dashboard import sandbox  # noqa: F401
from catalog.tests.test_browser_dashboard import shop  # noqa: F401

STOREDESK_APPS = {"accounts", "stores", "catalog", "orders", "webhooks", "sync", "projects", "agents", "audit"}
