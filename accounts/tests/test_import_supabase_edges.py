"""The importer where the source is not tidy: credentials in every recognised form and one we do
not know, rows that cannot go in (refused with the reason, the rest imported), and an import
interrupted half-way that a second run completes."""

import re
from io import StringIO

import psycopg
import pytest
from django.core.management import CommandError
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from accounts.models import AppRole
from accounts.models import Profile
from accounts.models import User
from accounts.services import profile_update
from accounts.services import user_role_revoke
from accounts.supabase_import import loader
from accounts.supabase_import.tables import TABLE_NAMES
from accounts.supabase_import.tables import TABLES
from accounts.tests import supabase_source
from agents.models import AgentInsight
from catalog.models import Product
from catalog.models import ProductAttribute
from orders.models import Order
from stores import credentials
from stores.models import Store
from stores.models import StoreRole
from stores.models import StoreUser
from stores.services import store_membership_remove
from stores.services import store_membership_set_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def source(empty_source, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    supabase_source.fill_source(empty_source, stores=3)
    return empty_source


def run_sql(url, *statements):
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def import_supabase(url, *args):
    out = StringIO()
    call_command("import_supabase", "--source", url, *args, stdout=out, stderr=StringIO())
    return out.getvalue()


VAULT = """
CREATE SCHEMA vault;
CREATE TABLE vault.secrets (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text, secret text);
-- Supabase's view decrypts with pgsodium; here the value is stored as is, the shape is the same.
CREATE VIEW vault.decrypted_secrets AS SELECT id, name, secret AS decrypted_secret FROM vault.secrets;
INSERT INTO vault.secrets (id, name, secret) VALUES
  ('11111111-1111-4111-8111-111111111111', 'shop2_key', 'ck_from_vault_2'),
  ('22222222-2222-4222-8222-222222222222', 'shop2_secret', 'cs_from_vault_2');
UPDATE stores SET api_key = '11111111-1111-4111-8111-111111111111',
                  api_secret = 'vault:22222222-2222-4222-8222-222222222222', webhook_secret = NULL
WHERE name = 'Shop 2';
UPDATE stores SET api_key = 'ck_plain_3', api_secret = 'cs_plain_3', webhook_secret = 'plain webhook secret'
WHERE name = 'Shop 3';
"""


def test_credentials_in_every_recognised_form(source):
    run_sql(source, VAULT)
    import_supabase(source, "--credentials-passphrase", supabase_source.PASSPHRASE, "--only", "users", "stores")
    shops = {store.name: store for store in Store.objects.all()}
    assert credentials.decrypt(shops["Shop 1"].api_key) == "ck_key1abcdefgh"  # pgcrypto
    assert credentials.decrypt(shops["Shop 2"].api_key) == "ck_from_vault_2"  # Vault, bare id
    assert credentials.decrypt(shops["Shop 2"].api_secret) == "cs_from_vault_2"  # Vault, vault:<id>
    assert shops["Shop 2"].webhook_secret is None
    assert credentials.decrypt(shops["Shop 3"].api_secret) == "cs_plain_3"  # plain
    assert credentials.decrypt(shops["Shop 3"].webhook_secret) == "plain webhook secret"
    assert not any(store.credentials_reconnect_needed for store in shops.values())


def test_the_passphrase_can_come_from_standard_input(source, monkeypatch):
    monkeypatch.setattr("sys.stdin", StringIO(supabase_source.PASSPHRASE + "\n"))
    output = import_supabase(source, "--credentials-passphrase", "-", "--only", "users", "stores")
    assert supabase_source.PASSPHRASE not in output
    assert credentials.decrypt(Store.objects.get(name="Shop 1").api_key) == "ck_key1abcdefgh"


def test_a_credential_in_an_unknown_form_stops_the_import_naming_the_store(source):
    run_sql(source, "UPDATE stores SET api_secret = 'AES:bm90IGEga2V5' WHERE name = 'Shop 3'")
    with pytest.raises(CommandError) as stopped:
        import_supabase(source, "--credentials-passphrase", supabase_source.PASSPHRASE)
    message = str(stopped.value)
    assert 'store "Shop 3"' in message and "its API secret is in a form we do not recognise" in message
    assert "Shop 1" not in message  # readable with the passphrase
    assert "bm90IGEga2V5" not in message
    assert "--skip-credentials" in message and "Nothing was imported." in message
    assert User.objects.count() == 0 and Store.objects.count() == 0


def test_rows_that_cannot_go_in_are_refused_with_the_reason_and_the_rest_arrives(source):
    # Someone here already uses person3's address; an attribute row (no foreign key in the
    # inventory) names a product that no longer exists.
    User.objects.create_user(email="person3@example.com", password="x-Long-enough-1")
    run_sql(
        source,
        "UPDATE product_attributes SET product_id = gen_random_uuid()"
        " WHERE id = (SELECT id FROM product_attributes ORDER BY id LIMIT 1)",
    )
    output = import_supabase(source, "--credentials-passphrase", supabase_source.PASSPHRASE)

    assert "refused 1: another row here already has this email" in output
    assert "refused 1: product_id points at a products row that is not here" in output
    # person3's own rows are refused because person3 is; everything else is in.
    assert "refused 1: user_id points at a users row that is not here" in output
    assert User.objects.count() == 6  # 5 imported + the local person3
    assert StoreUser.objects.count() == 3 * 3 - 3  # person3 was a manager of every store
    assert ProductAttribute.objects.count() == 3
    assert Product.objects.count() == 40 and Order.objects.count() == 60


def test_keys_we_keep_unique_and_the_source_did_not(source):
    # The inventory has no UNIQUE (store_id, woo_id) on products; ours has. And agent_insights has
    # a partial unique index NULLS NOT DISTINCT over columns of ours (agent_type, cause, store_id)
    # for unresolved rows: two open insights of one agent about no store clash.
    run_sql(
        source,
        "INSERT INTO products (store_id, woo_id, name, updated_at)"
        " SELECT store_id, woo_id, 'Newer twin', updated_at + interval '1 day' FROM products WHERE woo_id = 5",
        "INSERT INTO agent_insights (agent_type, analysis, severity, resolved_at) VALUES"
        " ('pricing', 'Open 1', 'low', NULL), ('pricing', 'Open 2', 'low', NULL), ('pricing', 'Done', 'low', now())",
    )
    output = import_supabase(source, "--credentials-passphrase", supabase_source.PASSPHRASE)
    assert "refused 1: another imported row has the same store_id, woo_id (the newest is kept)" in output
    assert Product.objects.get(woo_id=5).name == "Newer twin"
    assert "refused 1: another imported row has the same agent_type, cause, store_id (the newest is kept)" in output
    assert sorted(AgentInsight.objects.filter(agent_type="pricing").values_list("analysis", flat=True)) in (
        ["Done", "Open 1"],
        ["Done", "Open 2"],
    )


def test_a_column_of_ours_the_source_cannot_fill_stops_the_import_clearly(source):
    with connection.cursor() as cursor:  # as a column another engineer might add without a default
        cursor.execute("ALTER TABLE sprints ADD COLUMN goal text NOT NULL")
    with pytest.raises(CommandError) as stopped:
        import_supabase(source, "--credentials-passphrase", supabase_source.PASSPHRASE)
    assert "sprints: our column(s) goal need a value and have no default" in str(stopped.value)
    assert Product.objects.count() == 40  # the tables before it are in


def test_an_interrupted_import_is_completed_by_the_next_run(source, monkeypatch):
    real_upsert = loader.Staged.upsert

    def failing_at_orders(staged, spec, *args):
        if spec.name == "orders":
            raise KeyboardInterrupt
        return real_upsert(staged, spec, *args)

    monkeypatch.setattr(loader.Staged, "upsert", failing_at_orders)
    with pytest.raises(KeyboardInterrupt):
        import_supabase(source, "--credentials-passphrase", supabase_source.PASSPHRASE)
    assert Product.objects.count() == 40  # finished tables are kept
    assert Order.objects.count() == 0

    monkeypatch.setattr(loader.Staged, "upsert", real_upsert)
    output = import_supabase(source, "--credentials-passphrase", supabase_source.PASSPHRASE)
    products = next(line for line in output.splitlines() if line.startswith("products "))
    orders = next(line for line in output.splitlines() if line.startswith("orders "))
    assert products.split()[1:6] == ["40", "0", "0", "40", "0"]
    assert orders.split()[1:6] == ["60", "60", "0", "0", "0"]
    assert Order.objects.count() == 60


def test_every_inventory_table_is_imported_after_the_tables_it_references():
    inventory = {
        re.match(r"CREATE TABLE (\w+)", statement).group(1)
        for statement in supabase_source.inventory_sql()
        if statement.startswith("CREATE TABLE")
    }
    assert len(inventory) == 35 and set(TABLE_NAMES) == inventory | {"users"}
    position = {name: index for index, name in enumerate(TABLE_NAMES)}
    with connection.cursor() as cursor:
        for spec in TABLES:
            for column, parent, _ in loader.target_table(cursor, spec.name).foreign_keys:
                if parent in position and parent != spec.name and column not in spec.linked_later:
                    assert position[parent] < position[spec.name], f"{spec.name}.{column} -> {parent}"


def test_a_bulk_load_puts_back_every_index_and_foreign_key(source, monkeypatch):
    catalog_sql = (
        "SELECT c.relname, i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index AS x"
        " JOIN pg_class AS i ON i.oid = x.indexrelid JOIN pg_class AS c ON c.oid = x.indrelid"
        " WHERE c.relname = ANY(%(tables)s)"
        " UNION ALL SELECT c.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint AS k"
        " JOIN pg_class AS c ON c.oid = k.conrelid WHERE c.relname = ANY(%(tables)s)"
    )

    def schema():
        with connection.cursor() as cursor:
            cursor.execute(catalog_sql, {"tables": list(TABLE_NAMES)})
            return sorted(cursor.fetchall())

    before = schema()
    monkeypatch.setattr(loader, "BULK_LOAD_ROWS", 10)  # every table of 10+ rows takes the bulk path
    import_supabase(source, "--credentials-passphrase", supabase_source.PASSPHRASE)
    assert schema() == before
    assert Product.objects.filter(featured_image__isnull=False).count() == 40
    assert Order.objects.count() == 60


def test_products_first_then_everything_with_bulk_loads(source, monkeypatch):
    import_supabase(
        source, "--credentials-passphrase", supabase_source.PASSPHRASE, "--only", "users", "stores", "products"
    )
    assert Product.objects.count() == 40 and not Product.objects.filter(featured_image__isnull=False).exists()
    # Products are there (written row by row, their featured images waiting); the images load in bulk.
    monkeypatch.setattr(loader, "BULK_LOAD_ROWS", 10)
    output = import_supabase(source, "--credentials-passphrase", supabase_source.PASSPHRASE)
    assert next(line for line in output.splitlines() if line.startswith("products ")).split()[1:6] == [
        "40",
        "0",
        "40",
        "0",
        "0",
    ]
    assert Product.objects.filter(featured_image__isnull=False).count() == 40


def test_an_account_deactivated_here_stays_inactive_when_the_import_runs_again(source, client):
    """Deactivating is how an app admin shuts a person out (someone in the audit trail cannot be
    deleted); catching up with the old app again must not let them back in."""
    import_supabase(source, "--credentials-passphrase", supabase_source.PASSPHRASE)
    User.objects.filter(email="person2@example.com").update(is_active=False)
    run_sql(source, "UPDATE auth.users SET banned_until = now() + interval '1 day' WHERE email = 'person3@example.com'")

    output = import_supabase(source, "--credentials-passphrase", supabase_source.PASSPHRASE)

    assert not User.objects.get(email="person2@example.com").is_active
    signing_in = client.post(reverse("accounts:login"), {"username": "person2@example.com", "password": "password-2"})
    assert signing_in.status_code == 200 and "_auth_user_id" not in client.session
    assert "1 person inactive here but active in the source stays inactive" in output
    assert not User.objects.get(email="person3@example.com").is_active  # banned in the source since
    assert User.objects.get(email="person5@example.com").is_active


def test_a_member_removed_here_and_an_admin_role_revoked_here_stay_gone_when_the_import_runs_again(source):
    """Removing someone from a store, or taking an app admin's role away, must survive the next
    catch-up run: the old app still has the rows, but they were ended here on purpose."""
    import_supabase(source, "--credentials-passphrase", supabase_source.PASSPHRASE)
    with connection.cursor() as cursor:  # as the import's commit would: this test's transaction outlives it
        cursor.execute("SELECT set_config('storedesk.audit_history_import', 'off', true)")
    owner = User.objects.get(email="person1@example.com")
    shop = Store.objects.get(name="Shop 1")
    removed = StoreUser.objects.get(store=shop, user__email="person2@example.com")
    store_membership_remove(actor=owner, store=shop, membership_id=removed.pk)
    user_role_revoke(user=owner, role=AppRole.ADMIN)

    output = import_supabase(source, "--credentials-passphrase", supabase_source.PASSPHRASE)

    assert not StoreUser.objects.filter(pk=removed.pk).exists()
    assert StoreUser.objects.filter(user__email="person2@example.com").count() == 2  # the other shops
    owner.refresh_from_db()
    assert not owner.app_roles.filter(role=AppRole.ADMIN).exists() and not owner.is_staff
    assert "refused 1: removed here since an earlier import" in output


def test_a_store_left_without_an_owner_is_named_in_the_report(source):
    """Only an owner manages a store's team and credentials: a store that arrives without one
    (its owner refused, or none in the source) is named so that an app admin can appoint one."""
    run_sql(
        source, "UPDATE store_users SET role = 'manager' WHERE store_id = (SELECT id FROM stores WHERE name = 'Shop 2')"
    )
    output = import_supabase(source, "--credentials-passphrase", supabase_source.PASSPHRASE)
    assert "1 store has no owner here (Shop 2)" in output
    assert Store.objects.filter(name="Shop 2").exists()
    again = import_supabase(source, "--credentials-passphrase", supabase_source.PASSPHRASE)
    assert "1 store has no owner here (Shop 2)" in again


def test_a_profile_changed_here_is_kept_when_the_import_runs_again(source):
    """People edit their profile here once they moved; a catch-up run brings the old app's
    newer changes, never its older copy over theirs."""
    import_supabase(source, "--credentials-passphrase", supabase_source.PASSPHRASE)
    with connection.cursor() as cursor:  # as the import's commit would: this test's transaction outlives it
        cursor.execute("SELECT set_config('storedesk.audit_history_import', 'off', true)")
    person2 = User.objects.get(email="person2@example.com")
    profile_update(user=person2, first_name="Renamed", last_name="Here", phone="052-7654321")
    run_sql(
        source,
        "UPDATE profiles SET first_name = 'Changed in the old app', updated_at = now() + interval '1 hour'"
        " WHERE email = 'person3@example.com'",
    )

    import_supabase(source, "--credentials-passphrase", supabase_source.PASSPHRASE)

    names = dict(Profile.objects.values_list("user__email", "first_name"))
    assert names["person2@example.com"] == "Renamed"
    assert Profile.objects.get(user=person2).phone == "052-7654321"
    assert names["person3@example.com"] == "Changed in the old app"
    assert names["person4@example.com"].startswith("First")  # untouched on both sides


def test_a_role_changed_here_is_kept_when_the_import_runs_again(source):
    """An owner who demoted someone here must not see the old app's role come back."""
    import_supabase(source, "--credentials-passphrase", supabase_source.PASSPHRASE)
    with connection.cursor() as cursor:  # as the import's commit would: this test's transaction outlives it
        cursor.execute("SELECT set_config('storedesk.audit_history_import', 'off', true)")
    owner = User.objects.get(email="person1@example.com")
    shop = Store.objects.get(name="Shop 1")
    demoted = StoreUser.objects.get(store=shop, user__email="person2@example.com")
    store_membership_set_role(actor=owner, store=shop, membership_id=demoted.pk, role=StoreRole.VIEWER)

    import_supabase(source, "--credentials-passphrase", supabase_source.PASSPHRASE)

    assert StoreUser.objects.get(pk=demoted.pk).role == StoreRole.VIEWER
    assert StoreUser.objects.get(store__name="Shop 2", user__email="person2@example.com").role == StoreRole.MANAGER
