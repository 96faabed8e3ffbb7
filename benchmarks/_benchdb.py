"""Shared set-up for the benchmarks: a separate, migrated database and Django configured for it.

``setup()`` creates the database (``storedesk_bench`` by default, or ``BENCH_DATABASE_URL``) when
it is missing, points Django at it, runs the migrations and returns the libpq connection string.
The benchmarks never touch the development or test databases.
"""

import os
import secrets
import sys
from pathlib import Path
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/storedesk_bench"


def _configure_environment(url):
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Production-like: no DEBUG (no query log in memory), throwaway keys for this process only.
    os.environ.setdefault("DEBUG", "false")
    if os.environ["DEBUG"].lower() in ("0", "false", "no", "off", ""):
        from cryptography.fernet import Fernet

        os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(64))
        os.environ.setdefault("CREDENTIAL_ENCRYPTION_KEYS", Fernet.generate_key().decode())
    os.environ.setdefault("DB_CONN_MAX_AGE", "0")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # The benchmarks' sandboxes listen on loopback, which the store guard refuses unless allowed.
    os.environ.setdefault("STORE_ALLOWED_NETWORKS", "127.0.0.1/32")
    if str(BASE_DIR) not in sys.path:
        sys.path.insert(0, str(BASE_DIR))


def _create_database(url):
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


def setup():
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    _configure_environment(url)
    _create_database(url)

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    return url


def percentile(values, fraction):
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]
