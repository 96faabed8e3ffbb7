"""The delivery tracker's rules that must hold whichever way a row is written (ORM, admin, raw SQL):

- ``tasks.actual_hours`` is the sum of the task's ``work_logs``, recomputed by a trigger in the
  same transaction as the log's INSERT / UPDATE / DELETE. The trigger first locks the task row,
  then sums in a new statement: under READ COMMITTED that statement's snapshot includes every log
  committed by a transaction that held the lock before, so two concurrent writers cannot lose
  each other's hours (a sum computed in the UPDATE itself would use the statement's older snapshot).
- ``tasks.completed_at`` is set when a task reaches ``done`` and cleared when it leaves it;
  ``bug_reports.resolved_at`` is set when a bug becomes resolved or closed (kept from resolved to
  closed) and cleared when it is reopened.
- ``tasks`` joins the audited tables (the audit app's ``audit_log_changes()``), so a task page
  shows its history from the audit trail.
- project_alerts gets its cause, open/closed state and links (additive columns, see the model).
"""

import django.db.models.deletion
from django.db import migrations, models

ACTUAL_HOURS = """
CREATE OR REPLACE FUNCTION work_logs_sum_actual_hours() RETURNS trigger
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    task uuid;
BEGIN
    FOR task IN
        SELECT DISTINCT t FROM unnest(ARRAY[
            CASE WHEN TG_OP <> 'INSERT' THEN OLD.task_id END,
            CASE WHEN TG_OP <> 'DELETE' THEN NEW.task_id END
        ]) AS t WHERE t IS NOT NULL ORDER BY t
    LOOP
        PERFORM 1 FROM tasks WHERE id = task FOR UPDATE;
        UPDATE tasks
        SET actual_hours = (SELECT COALESCE(SUM(w.hours), 0) FROM work_logs AS w WHERE w.task_id = task)
        WHERE id = task;
    END LOOP;
    RETURN NULL;
END;
$$;
CREATE TRIGGER work_logs_actual_hours
AFTER INSERT OR UPDATE OF hours, task_id OR DELETE ON work_logs
FOR EACH ROW EXECUTE FUNCTION work_logs_sum_actual_hours();

CREATE OR REPLACE FUNCTION tasks_set_completed_at() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF NEW.status = 'done' THEN
        IF TG_OP = 'INSERT' THEN
            NEW.completed_at := COALESCE(NEW.completed_at, now());
        ELSIF OLD.status = 'done' THEN
            NEW.completed_at := COALESCE(NEW.completed_at, OLD.completed_at, now());
        ELSE
            NEW.completed_at := now();
        END IF;
    ELSE
        NEW.completed_at := NULL;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER tasks_completed_at
BEFORE INSERT OR UPDATE OF status, completed_at ON tasks
FOR EACH ROW EXECUTE FUNCTION tasks_set_completed_at();

CREATE OR REPLACE FUNCTION bug_reports_set_resolved_at() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF NEW.status IN ('resolved', 'closed') THEN
        NEW.resolved_at := COALESCE(CASE WHEN TG_OP = 'UPDATE' THEN OLD.resolved_at END, NEW.resolved_at, now());
    ELSE
        NEW.resolved_at := NULL;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER bug_reports_resolved_at
BEFORE INSERT OR UPDATE OF status, resolved_at ON bug_reports
FOR EACH ROW EXECUTE FUNCTION bug_reports_set_resolved_at();
"""

DROP_ACTUAL_HOURS = """
DROP TRIGGER IF EXISTS work_logs_actual_hours ON work_logs;
DROP FUNCTION IF EXISTS work_logs_sum_actual_hours();
DROP TRIGGER IF EXISTS tasks_completed_at ON tasks;
DROP FUNCTION IF EXISTS tasks_set_completed_at();
DROP TRIGGER IF EXISTS bug_reports_resolved_at ON bug_reports;
DROP FUNCTION IF EXISTS bug_reports_set_resolved_at();
"""

# Same statement-level triggers as the inventory's audited tables (audit/migrations/0004).
AUDIT_TASKS = """
CREATE TRIGGER audit_tasks_insert AFTER INSERT ON tasks
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_changes();
CREATE TRIGGER audit_tasks_update AFTER UPDATE ON tasks
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_changes();
CREATE TRIGGER audit_tasks_delete AFTER DELETE ON tasks
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_changes();
"""

DROP_AUDIT_TASKS = """
DROP TRIGGER IF EXISTS audit_tasks_insert ON tasks;
DROP TRIGGER IF EXISTS audit_tasks_update ON tasks;
DROP TRIGGER IF EXISTS audit_tasks_delete ON tasks;
"""


class Migration(migrations.Migration):

    dependencies = [
        ("projects", "0001_initial"),
        ("audit", "0008_audit_cheaper_rows"),
    ]

    operations = [
        migrations.AddField(
            model_name='projectalert',
            name='bug_report',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.DB_CASCADE, related_name='alerts', to='projects.bugreport'),
        ),
        migrations.AddField(
            model_name='projectalert',
            name='cause_key',
            field=models.TextField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='projectalert',
            name='closed_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='projectalert',
            name='deployment',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.DB_CASCADE, related_name='alerts', to='projects.deployment'),
        ),
        migrations.AddField(
            model_name='projectalert',
            name='updated_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddConstraint(
            model_name='projectalert',
            constraint=models.UniqueConstraint(condition=models.Q(('closed_at__isnull', True)), fields=('type', 'cause_key'), name='project_alerts_one_open_per_cause'),
        ),
        migrations.RunSQL(
            "UPDATE tasks AS t SET actual_hours = COALESCE("
            "(SELECT SUM(w.hours) FROM work_logs AS w WHERE w.task_id = t.id), 0);" + ACTUAL_HOURS,
            DROP_ACTUAL_HOURS,
        ),
        migrations.RunSQL(AUDIT_TASKS, DROP_AUDIT_TASKS),
    ]
