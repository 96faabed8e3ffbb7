"""``manage.py import_supabase`` against a real Supabase-shaped database built from the
inventory's SQL (``supabase_source``): every row arrives with its id, a second run with a few
rows changed updates them and duplicates nothing, a dry run writes nothing, unreadable store
credentials stop the import before it writes, and people keep their passwords."""

from pathlib import Path

import psycopg
import pytest
from django.core import mail
from django.core.management import CommandError
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

import config.settings as project_settings
from accounts.models import User
from accounts.supabase_import.tables import TABLES
from accounts.tests import supabase_source
from audit.models import AuditLog
from audit.models import ScheduledJob
from stores import credentials
from stores.models import Store

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def bucket_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("bucket")


@pytest.fixture(scope="module")
def source(source_database, bucket_dir):
    supabase_source.rebuild_source(source_database)
    supabase_source.fill_source(source_database, bucket_dir=bucket_dir)
    return source_database


@pytest.fixture(autouse=True)
def _real_hashers_and_media(settings, tmp_path):
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    settings.MEDIA_ROOT = str(tmp_path / "media")


def source_rows(url, query, params=()):
    with psycopg.connect(url) as conn:
        return conn.execute(query, params).fetchall()


def source_write(url, statements):
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def ids_here(table):
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT id FROM "{table}"')
        return {row[0] for row in cursor.fetchall()}


def import_supabase(url, *args):
    from io import StringIO

    out = StringIO()
    call_command("import_supabase", "--source", url, *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def report_row(output, table):
    line = next(line for line in output.splitlines() if line.startswith(f"{table} "))
    source, new, changed, unchanged, refused = (int(value.replace(",", "")) for value in line.split()[1:6])
    return {"source": source, "new": new, "changed": changed, "unchanged": unchanged, "refused": refused}


def test_every_row_arrives_with_its_id_and_a_second_run_duplicates_nothing(source, bucket_dir, client):
    output = import_supabase(
        source, "--credentials-passphrase", supabase_source.PASSPHRASE, "--storage-dir", str(bucket_dir)
    )

    for spec in TABLES:
        expected = {row[0] for row in source_rows(source, f"SELECT id FROM {spec.source_relation}")}
        assert expected, f"the generated source has no {spec.name} rows"
        here = ids_here(spec.name)
        if spec.name == "audit_logs":  # plus one row per imported table recording the import
            here = {row_id for row_id in here if not AuditLog.objects.filter(pk=row_id, user_email="system:import")}
        assert here == expected, spec.name
        assert report_row(output, spec.name)["refused"] == 0

    # Each user's profile (made with the user by handle_new_user, then filled in) counts as new.
    assert report_row(output, "profiles") == {"source": 6, "new": 6, "changed": 0, "unchanged": 0, "refused": 0}

    # People: bcrypt hashes kept as Django's bcrypt hasher reads them; flags mapped.
    hashes = dict(source_rows(source, "SELECT email, encrypted_password FROM auth.users"))
    person2 = User.objects.get(email="person2@example.com")
    assert hashes["person2@example.com"].startswith("$2a$10$")
    assert person2.password == "bcrypt$" + hashes["person2@example.com"]
    assert person2.check_password("password-2") and not person2.check_password("password-3")
    assert not User.objects.get(email="person6@example.com").has_usable_password()  # magic-link user
    assert not User.objects.get(email="person4@example.com").is_active  # banned
    assert User.objects.get(email="person5@example.com").email_confirmed_at is None
    admin = User.objects.get(email="person1@example.com")
    assert admin.is_staff and admin.is_superuser and admin.app_roles.filter(role="admin").exists()
    assert not person2.is_staff

    # Stores: credentials readable with our keys, equal to what pgcrypto held.
    shop = Store.objects.get(name="Shop 1")
    assert credentials.decrypt(shop.api_key) == "ck_key1abcdefgh"
    assert credentials.decrypt(shop.api_secret) == "cs_secret1abcdefgh"
    assert credentials.decrypt(shop.webhook_secret) == "whsec1"
    assert not shop.credentials_reconnect_needed
    assert "ck_key1" not in output and "cs_secret1" not in output

    # Images: the bucket's files are in our storage and the rows point at them.
    with connection.cursor() as cursor:
        cursor.execute("SELECT storage_url FROM product_images WHERE storage_source = 'storage' ORDER BY storage_url")
        urls = [row[0] for row in cursor.fetchall()]
    exported = sorted(path for path in Path(bucket_dir).rglob("*.jpg"))
    assert len(urls) == len(exported) == 10
    from django.conf import settings

    for path in exported:
        relative = path.relative_to(bucket_dir).as_posix()
        assert f"/media/product-images/{relative}" in urls
        assert (Path(settings.MEDIA_ROOT) / "product-images" / relative).read_bytes() == path.read_bytes()

    # History: the old audit rows as they were, our triggers silent, one row per imported table.
    assert AuditLog.objects.filter(user_email="person1@example.com", table_name="products").count() == 5
    import_rows = AuditLog.objects.filter(user_email="system:import")
    assert sorted(import_rows.values_list("table_name", flat=True)) == sorted(spec.name for spec in TABLES)
    assert AuditLog.objects.count() == 5 + len(TABLES)
    job = ScheduledJob.objects.get(name="import_supabase")
    assert job.last_status == "success" and "0 refused" in job.last_message
    client.force_login(admin)  # an imported app admin sees the run on the Scheduled jobs page
    page = client.get(reverse("admin:audit_scheduledjob_changelist")).content.decode()
    assert "import_supabase" in page and "293 rows read" in page

    # A few rows change in the old app; the second run brings exactly those.
    source_write(
        source,
        [
            "UPDATE products SET name = 'Renamed product', updated_at = now() WHERE woo_id = 7",
            "UPDATE orders SET status = 'refunded' WHERE woo_id = 11",
            "INSERT INTO orders (store_id, woo_id, status, total, customer_name)"
            " SELECT store_id, 99999, 'processing', 5, 'New customer' FROM orders WHERE woo_id = 11",
        ],
    )
    second = import_supabase(
        source, "--credentials-passphrase", supabase_source.PASSPHRASE, "--storage-dir", str(bucket_dir)
    )
    assert report_row(second, "products") == {"source": 40, "new": 0, "changed": 1, "unchanged": 39, "refused": 0}
    assert report_row(second, "orders") == {"source": 61, "new": 1, "changed": 1, "unchanged": 59, "refused": 0}
    for table in ("users", "stores", "product_images", "audit_logs", "credential_access_logs"):
        assert report_row(second, table)["new"] == report_row(second, table)["changed"] == 0, table
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM products WHERE woo_id = 7")
        assert cursor.fetchall() == [("Renamed product",)]
        cursor.execute("SELECT count(*), count(DISTINCT (store_id, woo_id)) FROM orders")
        assert cursor.fetchone() == (61, 61)
    assert "0 files copied, 10 already here" in second
    # Two tables changed, so two more import rows; nothing else was written to the trail.
    assert AuditLog.objects.count() == 5 + len(TABLES) + 2
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM tasks t WHERE actual_hours IS DISTINCT FROM"
            " (SELECT coalesce(sum(hours), 0) FROM work_logs w WHERE w.task_id = t.id)"
        )
        assert cursor.fetchone() == (0,)


def test_dry_run_counts_and_writes_nothing(source, bucket_dir):
    output = import_supabase(
        source,
        "--dry-run",
        "--credentials-passphrase",
        supabase_source.PASSPHRASE,
        "--storage-dir",
        str(bucket_dir),
    )
    assert "Dry run (nothing written)" in output
    assert report_row(output, "users") == {"source": 6, "new": 6, "changed": 0, "unchanged": 0, "refused": 0}
    assert "10 files to copy" in output
    assert User.objects.count() == 0 and Store.objects.count() == 0 and AuditLog.objects.count() == 0


def test_unreadable_credentials_stop_the_import_before_it_writes(source):
    with pytest.raises(CommandError) as refused:
        import_supabase(source)
    message = str(refused.value)
    assert 'store "Shop 1"' in message and 'store "Shop 2"' in message
    assert "--credentials-passphrase" in message and "--skip-credentials" in message
    assert User.objects.count() == 0

    with pytest.raises(CommandError) as wrong:
        import_supabase(source, "--credentials-passphrase", "not-the-passphrase")
    assert "does not decrypt it" in str(wrong.value)
    assert "not-the-passphrase" not in str(wrong.value)

    output = import_supabase(source, "--skip-credentials", "--only", "users", "stores")
    assert 'reconnect needed" (credentials unreadable): Shop 1, Shop 2' in output
    shop = Store.objects.get(name="Shop 1")
    assert shop.credentials_reconnect_needed and credentials.decrypt(shop.api_key) == ""


def test_people_without_a_password_can_ask_for_one(source, client):
    import_supabase(source, "--skip-credentials", "--only", "users", "profiles")
    client.post(reverse("accounts:password_reset"), {"email": "person6@example.com"})
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["person6@example.com"]
    link = next(line for line in mail.outbox[0].body.splitlines() if "/reset/" in line).strip()
    response = client.get(link, follow=True)
    assert response.status_code == 200 and "new_password1" in response.content.decode()
