from audit.models import AuditLog


def audit_rows(table=None, record_id=None, **filters):
    rows = AuditLog.objects.all()
    if table:
        rows = rows.filter(table_name=table)
    if record_id:
        rows = rows.filter(record_id=record_id)
    return list(rows.filter(**filters).order_by("created_at", "action"))
