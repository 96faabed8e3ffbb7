import pytest

# Chromium through Playwright, as the stores' browser tests start it (test_browser_import.py).
from stores.tests.test_browser_team import browser  # noqa: F401


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Real hashing costs ~0.3 s per password; the tests are about access, not hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
