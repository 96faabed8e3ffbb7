"""Settings for benchmarks/webhooks_receive.py: the project's, with the webhooks URLs mounted
(``webhooks.tests.urls`` is config.urls plus the webhooks app's two URL lists) and the bare
yardstick view (``webhooks_bench_urls``)."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "webhooks_bench_urls"
