from django.db import migrations

FUNCTIONS = ("work_logs_sum_actual_hours()", "tasks_set_completed_at()", "bug_reports_set_resolved_at()")


class Migration(migrations.Migration):
    """The project triggers' functions resolve names in public only, like every function of ours
    (a caller's search_path cannot swap the tables they write)."""

    dependencies = [
        ("projects", "0002_project_tracker"),
    ]

    operations = [
        migrations.RunSQL(
            "\n".join(f"ALTER FUNCTION {name} SET search_path = public, pg_temp;" for name in FUNCTIONS),
            "\n".join(f"ALTER FUNCTION {name} RESET search_path;" for name in FUNCTIONS),
        ),
    ]
