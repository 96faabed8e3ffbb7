from django.db import migrations

# The inventory's handle_new_user(): every new user gets a profile in the same transaction,
# whether the row comes from the ORM, createsuperuser, the admin or raw SQL.
CREATE = """
CREATE OR REPLACE FUNCTION handle_new_user() RETURNS trigger
LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
    INSERT INTO profiles (id, email, created_at, updated_at)
    VALUES (NEW.id, NEW.email, now(), now())
    ON CONFLICT (id) DO NOTHING;
    RETURN NEW;
END;
$$;
CREATE TRIGGER on_user_created AFTER INSERT ON users FOR EACH ROW EXECUTE FUNCTION handle_new_user();
"""

DROP = """
DROP TRIGGER IF EXISTS on_user_created ON users;
DROP FUNCTION IF EXISTS handle_new_user();
"""


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunSQL(CREATE, DROP)]
