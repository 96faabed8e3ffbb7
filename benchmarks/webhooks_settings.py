"""Settings for benchmarks/webhooks_receive.py: the project's, plus the bare yardstick view
(``webhooks_bench_urls``)."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "webhooks_bench_urls"
