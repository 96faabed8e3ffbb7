# Chromium through Playwright, as the stores' browser tests start it (test_browser_import.py).
from stores.tests.test_browser_team import browser  # noqa: F401
