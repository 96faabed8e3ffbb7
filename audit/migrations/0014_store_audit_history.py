"""An object's audit history for the store's people, without reading ``audit_logs`` as the service.

``audit_logs`` stays readable by app admins only (policy ``web_read``). The product, order and
store pages show the trail of one object to everyone who may see the store (``audit.selectors.
history_for``); they read it through ``store_audit_history()``, a ``SECURITY DEFINER`` function
that returns only that object's rows of that store, only to a caller who may view the store, with
the customer columns of orders masked (``XXXX``, the rule of ``orders_summary``) for a caller who
may not see the store's customer data.
"""

from django.db import migrations

from config.rls import SERVICE_ROLE, WEB_ROLE

# orders.masking.PII_FIELDS when this was written: the customer columns of an order.
CUSTOMER_COLUMNS = ("customer_name", "customer_email", "customer_phone", "customer_note", "billing", "shipping")

FUNCTIONS = f"""
-- orders.masking.mask_value in SQL: empty values stay, objects keep their keys, the rest is XXXX.
CREATE FUNCTION rls_mask_value(v jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE SET search_path = public AS $fn$
BEGIN
    IF v IS NULL OR v IN ('null'::jsonb, '""'::jsonb) THEN
        RETURN v;
    ELSIF jsonb_typeof(v) = 'object' THEN
        RETURN (SELECT COALESCE(jsonb_object_agg(e.key, rls_mask_value(e.value)), '{{}}'::jsonb) FROM jsonb_each(v) e);
    END IF;
    RETURN '"XXXX"'::jsonb;
END
$fn$;

CREATE FUNCTION store_audit_history(p_table text, p_record_id uuid, p_store_id uuid, p_limit integer)
RETURNS SETOF audit_logs
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public AS $fn$
DECLARE
    -- The caller's role: current_user is this function's owner here, but the SET ROLE of the
    -- statement (storedesk_web for a request) is not; 'none' means the login itself.
    caller name := CASE WHEN current_setting('role') = 'none' THEN session_user ELSE current_setting('role') END;
    service boolean := pg_has_role(caller, '{SERVICE_ROLE}', 'MEMBER');
    unmasked boolean;
    entry audit_logs;
    col text;
BEGIN
    IF NOT (service OR rls_is_admin() OR p_store_id = ANY (rls_store_ids('view'))) THEN
        RETURN;
    END IF;
    unmasked := p_table <> 'orders' OR service OR rls_is_admin() OR p_store_id = ANY (rls_store_ids('pii'));
    FOR entry IN
        SELECT a.* FROM audit_logs a
        WHERE a.table_name = p_table AND a.record_id = p_record_id
          -- The object's rows of this store only (every row of these tables carries its store).
          AND CASE WHEN p_table = 'stores' THEN p_record_id = p_store_id
                   ELSE a.new_data->>'store_id' = p_store_id::text OR a.old_data->>'store_id' = p_store_id::text END
        ORDER BY a.created_at DESC, a.id DESC
        LIMIT p_limit
    LOOP
        IF NOT unmasked THEN
            FOREACH col IN ARRAY ARRAY{list(CUSTOMER_COLUMNS)} LOOP
                IF entry.old_data ? col THEN
                    entry.old_data := jsonb_set(entry.old_data, ARRAY[col], rls_mask_value(entry.old_data->col));
                END IF;
                IF entry.new_data ? col THEN
                    entry.new_data := jsonb_set(entry.new_data, ARRAY[col], rls_mask_value(entry.new_data->col));
                END IF;
            END LOOP;
        END IF;
        RETURN NEXT entry;
    END LOOP;
END
$fn$;
REVOKE ALL ON FUNCTION store_audit_history(text, uuid, uuid, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION store_audit_history(text, uuid, uuid, integer) TO {WEB_ROLE}, {SERVICE_ROLE};
"""

UNFUNCTIONS = """
DROP FUNCTION IF EXISTS store_audit_history(text, uuid, uuid, integer);
DROP FUNCTION IF EXISTS rls_mask_value(jsonb);
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0013_rls_context_flat_orders_summary")]

    operations = [migrations.RunSQL(FUNCTIONS, UNFUNCTIONS)]
