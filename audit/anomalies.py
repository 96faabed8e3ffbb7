"""Anomaly rules and the responses to them (``anomaly_response_actions``).

Rules (thresholds and windows are the ``ANOMALY_*`` settings):

``failed_logins``
    Repeated failed logins for an existing account within the window, summed over every IP and
    user agent from django-axes' ``AccessAttempt`` rows. Runs on each failed login
    (``user_login_failed`` signal) and on schedule. Never suspends: the account holder is the
    victim, and axes already locks the attacker out.
``credential_reveals``
    One user revealing the API credentials of many stores in a short time
    (``credential_access_logs``). ``stores`` calls ``check_credential_reveals(user_id)`` (its
    ``hooks.credential_reveal_check``) right after logging a reveal; the schedule catches anything
    else. Critical above ``ANOMALY_CREDENTIAL_REVEAL_CRITICAL_STORES``: the user is suspended.
``mass_deletes`` / ``mass_price_changes``
    One user deleting many rows, or changing many prices, in a short time, read from
    ``audit_logs`` (so ORM, bulk and raw SQL changes all count). Only users count: system actors
    (sync, webhooks) mirror the stores. Deletes count top-level rows (products, orders,
    taxonomies, attributes, webhooks, memberships), not rows removed because their store was
    deleted. Critical above the ``*_CRITICAL_*`` settings (0 = never): the user is suspended.
    Services doing bulk work may call ``check_mass_changes(user_id)``; the schedule covers the rest.
``invalid_webhook_signatures``
    A burst of deliveries with an invalid signature for one store: the webhooks app's rule
    (``webhooks/anomalies.py``), added with ``register_rule``.

Each detection is an anomaly (``anomaly_id`` = ``<rule>:<subject>:<UTC time>``) answered with
``anomaly_response_actions`` rows: ``log_created`` (the application log) and
``notification_sent`` (the notifiers, see ``register_notifier``: the agents put an alert in their
feed) always, ``email_sent`` (the app admins) from severity high, ``user_suspended`` for critical
ones only. Each row records its status and error. A subject is answered once per window, unless it
escalates to a higher level. Admins see, acknowledge and undo suspensions on /audit/anomalies/.
"""

import logging
from dataclasses import dataclass
from dataclasses import field
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import connection
from django.db import transaction
from django.db.models import Count
from django.db.models import Sum
from django.db.models.functions import Lower
from django.utils import timezone

from audit.models import AnomalyActionStatus
from audit.models import AnomalyActionType
from audit.models import AnomalyResponseAction
from audit.models import AnomalySeverity
from config.registry import Callbacks
from config.rls import as_service

logger = logging.getLogger("storedesk.security")

LEVEL_MEDIUM, LEVEL_HIGH, LEVEL_CRITICAL = "medium", "high", "critical"
_LEVEL_RANK = {LEVEL_MEDIUM: 1, LEVEL_HIGH: 2, LEVEL_CRITICAL: 3}
_LEVEL_SEVERITY = {
    LEVEL_MEDIUM: AnomalySeverity.MEDIUM,
    LEVEL_HIGH: AnomalySeverity.HIGH,
    LEVEL_CRITICAL: AnomalySeverity.HIGH,  # the column knows high/medium/low; metadata keeps "critical"
}

MASS_DELETE_TABLES = (
    "products",
    "orders",
    "store_categories",
    "store_tags",
    "store_brands",
    "store_attributes",
    "webhooks",
    "store_users",
)
PRICE_TABLES = ("products", "product_variations")
PRICE_FIELDS = ("price", "regular_price", "sale_price")


def _setting(name, default):
    return getattr(settings, name, default)


@dataclass
class Detection:
    rule: str
    subject: str
    level: str
    count: int
    threshold: int
    window_minutes: int
    summary: str
    target_user_id: object = None
    target_email: str | None = None
    details: dict = field(default_factory=dict)

    @property
    def severity(self):
        return _LEVEL_SEVERITY[self.level]


# ---------------------------------------------------------------------------------------------
# Rules: each returns the detections for everything (subject=None) or for one subject.


def rule_failed_logins(now, username=None):
    from axes.models import AccessAttempt

    threshold = _setting("ANOMALY_FAILED_LOGINS", 10)
    window = _setting("ANOMALY_FAILED_LOGINS_WINDOW_MINUTES", 15)
    attempts = AccessAttempt.objects.filter(attempt_time__gte=now - timedelta(minutes=window))
    if username is not None:
        attempts = attempts.filter(username__iexact=username)
    rows = (
        attempts.annotate(account=Lower("username"))
        .values("account")
        .annotate(failures=Sum("failures_since_start"))
        .filter(failures__gte=threshold)
    )
    failures = {row["account"]: row["failures"] for row in rows if row["account"]}
    if not failures:
        return []
    users = get_user_model().objects.filter(email__in=list(failures)).only("id", "email")
    detections = []
    for user in users:
        count = failures[user.email]
        detections.append(
            Detection(
                rule="failed_logins",
                subject=str(user.pk),
                level=LEVEL_HIGH if count >= 3 * threshold else LEVEL_MEDIUM,
                count=count,
                threshold=threshold,
                window_minutes=window,
                summary=f"{count} failed logins for {user.email} in {window} minutes",
                target_user_id=user.pk,
                target_email=user.email,
            )
        )
    return detections


def _user_emails(user_ids):
    return dict(get_user_model().objects.filter(pk__in=list(user_ids)).values_list("pk", "email"))


def rule_credential_reveals(now, user_id=None):
    from audit.models import CredentialAccessLog

    threshold = _setting("ANOMALY_CREDENTIAL_REVEAL_STORES", 3)
    critical = _setting("ANOMALY_CREDENTIAL_REVEAL_CRITICAL_STORES", 5)
    window = _setting("ANOMALY_CREDENTIAL_REVEAL_WINDOW_MINUTES", 10)
    logs = CredentialAccessLog.objects.filter(accessed_at__gte=now - timedelta(minutes=window))
    if user_id is not None:
        logs = logs.filter(user_id=user_id)
    rows = list(logs.values("user_id").annotate(stores=Count("store_id", distinct=True)).filter(stores__gte=threshold))
    emails = _user_emails(row["user_id"] for row in rows)
    return [
        Detection(
            rule="credential_reveals",
            subject=str(row["user_id"]),
            level=LEVEL_CRITICAL if critical and row["stores"] >= critical else LEVEL_HIGH,
            count=row["stores"],
            threshold=threshold,
            window_minutes=window,
            summary=f"{emails.get(row['user_id'])} revealed the credentials of {row['stores']} stores "
            f"in {window} minutes",
            target_user_id=row["user_id"],
            target_email=emails.get(row["user_id"]),
        )
        for row in rows
    ]


_MASS_DELETE_SQL = """
SELECT user_id, sum(n)::int FROM (
    SELECT a.user_id, count(*) AS n FROM audit_logs AS a
    WHERE a.created_at >= %(since)s AND a.user_id IS NOT NULL
      AND (a.action = 'DELETE'
           -- moving to WooCommerce's trash is how people delete products and orders
           OR (a.action = 'UPDATE' AND a.new_data ->> 'status' = 'trash'
               AND a.old_data ->> 'status' IS DISTINCT FROM 'trash'))
      AND a.table_name = ANY(%(tables)s) {user_filter}
      AND NOT EXISTS (
          SELECT 1 FROM audit_logs AS s
          WHERE s.action = 'DELETE' AND s.table_name = 'stores' AND s.created_at >= %(since)s
            AND s.record_id::text = a.old_data ->> 'store_id')
    GROUP BY a.user_id
    UNION ALL
    -- deletes the user asked WooCommerce for: the sync worker performs them under its own name
    SELECT p.requested_by_id, count(*) FROM sync_push_operations AS p
    WHERE p.action = 'delete' AND p.created_at >= %(since)s AND p.requested_by_id IS NOT NULL {push_user_filter}
    GROUP BY p.requested_by_id
) AS deletes
GROUP BY user_id HAVING sum(n) >= %(threshold)s
"""

_MASS_PRICE_SQL = """
SELECT a.user_id, count(*) FROM audit_logs AS a
WHERE a.action = 'UPDATE' AND a.created_at >= %(since)s AND a.user_id IS NOT NULL
  AND a.table_name = ANY(%(tables)s) AND a.changed_fields && %(fields)s::text[] {user_filter}
GROUP BY a.user_id HAVING count(*) >= %(threshold)s
"""


def _mass_rule(rule, sql, settings_prefix, defaults, what, **arrays):
    """A rule counting one user's rows in ``sql``. Its threshold, critical count and window are the
    ``<settings_prefix>_ROWS``, ``_CRITICAL_ROWS`` and ``_WINDOW_MINUTES`` settings (``defaults``
    when unset), read on each run so that a changed setting counts at once; ``arrays`` are the
    query's array parameters."""

    def run(now, user_id=None):
        default_rows, default_critical, default_window = defaults
        threshold = _setting(f"{settings_prefix}_ROWS", default_rows)
        critical = _setting(f"{settings_prefix}_CRITICAL_ROWS", default_critical)
        window = _setting(f"{settings_prefix}_WINDOW_MINUTES", default_window)
        params = {"since": now - timedelta(minutes=window), "threshold": threshold, "user_id": user_id}
        params.update({name: list(values) for name, values in arrays.items()})
        if user_id is None:
            filters = {"user_filter": "", "push_user_filter": ""}
        else:
            filters = {
                "user_filter": "AND a.user_id = %(user_id)s",
                "push_user_filter": "AND p.requested_by_id = %(user_id)s",
            }
        with connection.cursor() as cursor:
            cursor.execute(sql.format(**filters), params)
            rows = cursor.fetchall()
        emails = _user_emails(uid for uid, _ in rows)
        return [
            Detection(
                rule=rule,
                subject=str(uid),
                level=LEVEL_CRITICAL if critical and count >= critical else LEVEL_HIGH,
                count=count,
                threshold=threshold,
                window_minutes=window,
                summary=f"{emails.get(uid)} {what} {count} rows in {window} minutes",
                target_user_id=uid,
                target_email=emails.get(uid),
            )
            for uid, count in rows
        ]

    run.__name__ = f"rule_{rule}"
    return run


rule_mass_deletes = _mass_rule(
    "mass_deletes", _MASS_DELETE_SQL, "ANOMALY_MASS_DELETE", (50, 500, 10), "deleted", tables=MASS_DELETE_TABLES
)
rule_mass_price_changes = _mass_rule(
    "mass_price_changes",
    _MASS_PRICE_SQL,
    "ANOMALY_MASS_PRICE_CHANGE",
    (100, 0, 10),
    "changed the price of",
    tables=PRICE_TABLES,
    fields=PRICE_FIELDS,
)


# The apps above add their own rules in ``AppConfig.ready`` (``register_rule``): webhooks adds
# ``invalid_webhook_signatures``.
RULES = {
    "failed_logins": rule_failed_logins,
    "credential_reveals": rule_credential_reveals,
    "mass_deletes": rule_mass_deletes,
    "mass_price_changes": rule_mass_price_changes,
}


def register_rule(name):
    """Decorator: add ``rule(now, **subject) -> [Detection]`` to the scheduled rules as ``name``."""

    def register(rule):
        RULES[name] = rule
        return rule

    return register


# ---------------------------------------------------------------------------------------------
# Responses


# The in-app alert (agents fill it in) and any other channel, e.g. a chat webhook.
_notifiers = Callbacks()


def register_notifier(func):
    """Add ``func(anomaly_id, detection)`` to the in-app notifications (e.g. a chat webhook)."""
    return _notifiers.register(func)


def unregister_notifier(func):
    _notifiers.unregister(func)


def _admin_recipients():
    configured = _setting("ANOMALY_EMAIL_RECIPIENTS", [])
    if configured:
        return list(configured)
    return list(
        get_user_model()
        .objects.filter(is_staff=True, is_active=True)
        .exclude(email="")
        .order_by("email")
        .values_list("email", flat=True)
    )


def _planned_actions(detection):
    actions = [AnomalyActionType.LOG_CREATED, AnomalyActionType.NOTIFICATION_SENT]
    if _LEVEL_RANK[detection.level] >= _LEVEL_RANK[LEVEL_HIGH]:
        actions.append(AnomalyActionType.EMAIL_SENT)
    if detection.level == LEVEL_CRITICAL and detection.target_user_id is not None:
        actions.append(AnomalyActionType.USER_SUSPENDED)
    return actions


def _do_log(row, detection):
    level = logging.ERROR if detection.level == LEVEL_CRITICAL else logging.WARNING
    logger.log(level, "Anomaly %s (%s): %s", row.anomaly_id, detection.level, detection.summary)


def _do_notify(row, detection):
    for notifier in _notifiers:
        notifier(row.anomaly_id, detection)


def _do_email(row, detection):
    recipients = _admin_recipients()
    if not recipients:
        raise RuntimeError(
            "No recipients: no active app admin has an email address and ANOMALY_EMAIL_RECIPIENTS is empty."
        )
    row.metadata["recipients"] = recipients
    suspended = " The user has been suspended." if detection.level == LEVEL_CRITICAL else ""
    send_mail(
        subject=f"[Storedesk] Security anomaly ({detection.level}): {detection.rule.replace('_', ' ')}",
        message=(
            f"{detection.summary} (threshold {detection.threshold}).{suspended}\n\n"
            f"Anomaly: {row.anomaly_id}\nReview it at {settings.SITE_URL}/audit/anomalies/\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=recipients,
    )


def _do_suspend(row, detection):
    user = get_user_model().objects.get(pk=detection.target_user_id)
    if user.is_superuser:
        raise PermissionError("Superusers are never suspended automatically; review the anomaly by hand.")
    row.metadata["was_active"] = user.is_active
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])


_HANDLERS = {
    AnomalyActionType.LOG_CREATED: _do_log,
    AnomalyActionType.NOTIFICATION_SENT: _do_notify,
    AnomalyActionType.EMAIL_SENT: _do_email,
    AnomalyActionType.USER_SUSPENDED: _do_suspend,
}


def _execute(row_ids, detection):
    for row in AnomalyResponseAction.objects.filter(pk__in=row_ids).order_by("created_at"):
        row.metadata = dict(row.metadata or {})
        try:
            with transaction.atomic():
                _HANDLERS[row.action_type](row, detection)
        except Exception as exc:
            logger.exception("Anomaly response %s for %s failed", row.action_type, row.anomaly_id)
            row.status = AnomalyActionStatus.FAILED
            row.error_message = f"{type(exc).__name__}: {exc}"[:2000]
        else:
            row.status = AnomalyActionStatus.COMPLETED
        row.completed_at = timezone.now()
        row.save(update_fields=["status", "error_message", "completed_at", "metadata"])


def respond(detection, now=None):
    """Record and carry out the responses to ``detection``. Returns the anomaly id, or ``None``
    when this subject was already answered within the window at the same or a higher level."""
    now = now or timezone.now()
    key = f"{detection.rule}:{detection.subject}:"
    with transaction.atomic():
        # Serialise responses to one subject (an event and the schedule may detect it at once).
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [key])
        earlier = AnomalyResponseAction.objects.filter(
            anomaly_id__startswith=key, created_at__gte=now - timedelta(minutes=detection.window_minutes)
        ).values_list("metadata__level", flat=True)
        if any(_LEVEL_RANK.get(level, 0) >= _LEVEL_RANK[detection.level] for level in earlier):
            return None
        anomaly_id = f"{key}{now:%Y%m%dT%H%M%S.%fZ}"
        metadata = {
            "rule": detection.rule,
            "subject": detection.subject,
            "level": detection.level,
            "count": detection.count,
            "threshold": detection.threshold,
            "window_minutes": detection.window_minutes,
            "summary": detection.summary,
            **detection.details,
        }
        rows = AnomalyResponseAction.objects.bulk_create(
            [
                AnomalyResponseAction(
                    anomaly_id=anomaly_id,
                    action_type=action,
                    target_user_id=detection.target_user_id,
                    target_email=detection.target_email,
                    severity=detection.severity,
                    metadata=metadata,
                    status=AnomalyActionStatus.PENDING,
                    created_at=now + timedelta(microseconds=i),
                )
                for i, action in enumerate(_planned_actions(detection))
            ]
        )
        row_ids = [row.pk for row in rows]
        transaction.on_commit(lambda: _execute(row_ids, detection))
    return anomaly_id


def detect(rule_names=None, now=None):
    """Run the rules (all, or ``rule_names``) over their windows and respond. Returns anomaly ids."""
    now = now or timezone.now()
    created = []
    for name, rule in RULES.items():
        if rule_names and name not in rule_names:
            continue
        for detection in rule(now):
            anomaly_id = respond(detection, now=now)
            if anomaly_id:
                created.append(anomaly_id)
    return created


def run_rule(rule, **subject):
    """Run one rule for one subject; never let detection break the caller's own work."""
    try:
        now = timezone.now()
        # A savepoint: a failing rule must not poison the caller's transaction. The rules read
        # the whole audit trail and respond (e.g. suspend a user): the service role's work.
        with as_service(), transaction.atomic():
            return [a for a in (respond(d, now=now) for d in rule(now, **subject)) if a]
    except Exception:
        logger.exception("Anomaly check %s(%s) failed", rule.__name__, subject)
        return []


# ---------------------------------------------------------------------------------------------
# Event entry points


def on_user_login_failed(sender, credentials, request=None, **kwargs):
    """``user_login_failed`` receiver (connected in ``AuditConfig.ready``)."""
    username = credentials.get("username") or credentials.get(get_user_model().USERNAME_FIELD)
    if username:
        run_rule(rule_failed_logins, username=str(username))


def check_credential_reveals(user_id):
    """Call right after writing a ``CredentialAccessLog`` row for ``user_id``."""
    return run_rule(rule_credential_reveals, user_id=user_id)


def check_mass_changes(user_id):
    """Call after a bulk delete or bulk price change made by ``user_id``."""
    return run_rule(rule_mass_deletes, user_id=user_id) + run_rule(rule_mass_price_changes, user_id=user_id)


# ---------------------------------------------------------------------------------------------
# Admin actions


class AnomalyActionError(Exception):
    pass


def anomaly_acknowledge(*, anomaly_id, user):
    """Mark every response row of an anomaly acknowledged by ``user``. Returns the row count."""
    stamp = {"acknowledged_at": timezone.now().isoformat(), "acknowledged_by": user.email}
    count = 0
    with transaction.atomic():
        for row in AnomalyResponseAction.objects.select_for_update().filter(anomaly_id=anomaly_id):
            metadata = dict(row.metadata or {})
            if "acknowledged_at" in metadata:
                continue
            metadata.update(stamp)
            row.metadata = metadata
            row.save(update_fields=["metadata"])
            count += 1
    return count


def anomaly_undo_suspension(*, action_id, user):
    """Reactivate the user an anomaly suspended (an admin's decision). Returns the user."""
    with transaction.atomic():
        row = (
            AnomalyResponseAction.objects.select_for_update()
            .filter(pk=action_id, action_type=AnomalyActionType.USER_SUSPENDED)
            .first()
        )
        if row is None:
            raise AnomalyActionError("No such suspension.")
        metadata = dict(row.metadata or {})
        if row.status != AnomalyActionStatus.COMPLETED:
            raise AnomalyActionError("This suspension did not take place.")
        if metadata.get("undone_at"):
            raise AnomalyActionError("This suspension was already undone.")
        target = get_user_model().objects.select_for_update().get(pk=row.target_user_id)
        if metadata.get("was_active", True) and not target.is_active:
            target.is_active = True
            target.save(update_fields=["is_active"])
        metadata.update({"undone_at": timezone.now().isoformat(), "undone_by": user.email})
        row.metadata = metadata
        row.save(update_fields=["metadata"])
    logger.warning("Suspension %s of %s undone by %s", row.anomaly_id, target.email, user.email)
    return target
