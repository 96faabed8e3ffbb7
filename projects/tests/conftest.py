# The Chromium fixture of the other browser tests (Debian's Chromium through Playwright).
from stores.tests.test_browser_team import browser  # noqa: F401
