import pytest

# The Chromium fixture of the other browser tests (Debian's Chromium through Playwright).
from stores.tests.test_browser_team import browser  # noqa: F401


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Real hashing costs ~0.3 s per user; these tests are about the tracker, not passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
