"""Each anomaly rule triggers, writes its response rows, and suspensions can be undone."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import authenticate
from django.core import mail
from django.test import RequestFactory
from django.utils import timezone

from agents.models import AgentAlert
from audit import anomalies
from audit.actor import audit_actor
from audit.models import AnomalyResponseAction
from audit.models import CredentialAccessLog
from catalog.models import Product
from config.testing import make
from stores.models import Store
from webhooks.anomalies import INVALID_SIGNATURE_MESSAGE
from webhooks.anomalies import record_invalid_webhook_signature
from webhooks.models import WebhookLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def thresholds(settings):
    settings.AXES_FAILURE_LIMIT = 100  # let the attempts through; the anomaly rule is under test
    settings.ANOMALY_FAILED_LOGINS = 3
    settings.ANOMALY_CREDENTIAL_REVEAL_STORES = 3
    settings.ANOMALY_CREDENTIAL_REVEAL_CRITICAL_STORES = 5
    settings.ANOMALY_MASS_DELETE_ROWS = 3
    settings.ANOMALY_MASS_DELETE_CRITICAL_ROWS = 0
    settings.ANOMALY_MASS_PRICE_CHANGE_ROWS = 3
    settings.ANOMALY_MASS_PRICE_CHANGE_CRITICAL_ROWS = 0
    settings.ANOMALY_INVALID_SIGNATURES = 3
    settings.ANOMALY_EMAIL_RECIPIENTS = []
    return settings


@pytest.fixture
def run_responses(django_capture_on_commit_callbacks):
    """Responses run after the detection commits; execute them inside the test's transaction."""

    def run(func, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return func(*args, **kwargs)

    return run


def _actions(anomaly_id):
    rows = AnomalyResponseAction.objects.filter(anomaly_id=anomaly_id).order_by("created_at")
    return {row.action_type: row for row in rows}


def test_repeated_failed_logins_are_detected_on_the_event(thresholds, user, app_admin, run_responses):
    factory = RequestFactory()
    for ip in ("192.0.2.1", "192.0.2.2", "192.0.2.3"):
        request = factory.post("/accounts/login/", REMOTE_ADDR=ip, HTTP_USER_AGENT="bot")
        assert run_responses(authenticate, request, username=user.email, password="wrong") is None

    (row,) = AnomalyResponseAction.objects.filter(action_type="log_created")
    assert row.anomaly_id.startswith(f"failed_logins:{user.pk}:")
    assert (row.target_user_id, row.target_email, row.severity, row.status) == (
        user.pk,
        user.email,
        "medium",
        "completed",
    )
    assert set(_actions(row.anomaly_id)) == {"log_created", "notification_sent"}  # never a suspension
    assert row.metadata["count"] == 3
    # The schedule sees the same anomaly and does not answer it twice.
    assert run_responses(anomalies.detect, ["failed_logins"]) == []
    user.refresh_from_db()
    assert user.is_active


def test_failed_logins_for_unknown_accounts_are_not_anomalies(thresholds, run_responses):
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="192.0.2.9")
    for _ in range(4):
        run_responses(authenticate, request, username="nobody@example.com", password="wrong")
    assert not AnomalyResponseAction.objects.exists()


def test_credential_reveals_across_stores_escalate_to_suspension_and_can_be_undone(
    thresholds, user, app_admin, run_responses
):
    stores = [make(Store, user=user) for _ in range(5)]
    for store in stores[:3]:
        make(CredentialAccessLog, store=store, user=user)
    (first,) = run_responses(anomalies.check_credential_reveals, user.pk)
    assert set(_actions(first)) == {"log_created", "notification_sent", "email_sent"}
    assert mail.outbox[-1].to == [app_admin.email]
    assert AgentAlert.objects.filter(agent_type="security", metadata__anomaly_id=first).exists()
    assert run_responses(anomalies.check_credential_reveals, user.pk) == []  # answered already

    for store in stores[3:]:
        make(CredentialAccessLog, store=store, user=user)
    (critical,) = run_responses(anomalies.detect, ["credential_reveals"])
    actions = _actions(critical)
    assert set(actions) == {"log_created", "notification_sent", "email_sent", "user_suspended"}
    suspension = actions["user_suspended"]
    assert (suspension.status, suspension.severity, suspension.metadata["level"]) == ("completed", "high", "critical")
    assert all(row.status == "completed" and row.completed_at for row in actions.values())
    user.refresh_from_db()
    assert not user.is_active

    anomalies.anomaly_undo_suspension(action_id=suspension.pk, user=app_admin)
    user.refresh_from_db()
    assert user.is_active
    suspension.refresh_from_db()
    assert suspension.metadata["undone_by"] == app_admin.email
    with pytest.raises(anomalies.AnomalyActionError, match="already undone"):
        anomalies.anomaly_undo_suspension(action_id=suspension.pk, user=app_admin)


def test_superusers_are_not_suspended_automatically(thresholds, app_admin, run_responses):
    app_admin.is_superuser = True
    app_admin.save(update_fields=["is_superuser"])
    for _ in range(5):
        make(CredentialAccessLog, store=make(Store, user=app_admin), user=app_admin)
    (anomaly_id,) = run_responses(anomalies.check_credential_reveals, app_admin.pk)
    suspension = _actions(anomaly_id)["user_suspended"]
    assert suspension.status == "failed" and "Superusers" in suspension.error_message
    app_admin.refresh_from_db()
    assert app_admin.is_active


def test_mass_deletes_by_a_user_but_not_a_deleted_stores_products(thresholds, user, store, app_admin, run_responses):
    products = [make(Product, store=store) for _ in range(3)]
    with audit_actor(user):
        Product.objects.filter(pk__in=[p.pk for p in products]).delete()
    other = make(type(user), email="leaver@example.com")
    doomed = make(Store, user=other)
    for _ in range(4):
        make(Product, store=doomed)
    with audit_actor(other):
        doomed.delete()  # its products go with it: not a mass delete

    (anomaly_id,) = run_responses(anomalies.detect, ["mass_deletes"])
    actions = _actions(anomaly_id)
    assert set(actions) == {"log_created", "notification_sent", "email_sent"}
    assert actions["log_created"].target_user_id == user.pk and actions["log_created"].metadata["count"] == 3


def test_mass_price_changes_by_a_user_but_not_by_the_sync(thresholds, user, store, app_admin, run_responses):
    products = [make(Product, store=store, price=Decimal("1.00")) for _ in range(3)]
    with audit_actor.system("sync"):
        Product.objects.filter(pk__in=[p.pk for p in products]).update(price=Decimal("2.00"))
    assert run_responses(anomalies.detect, ["mass_price_changes"]) == []
    with audit_actor(user):
        Product.objects.filter(pk__in=[p.pk for p in products]).update(price=Decimal("3.00"))
    assert run_responses(anomalies.check_mass_changes, user.pk)
    (row,) = AnomalyResponseAction.objects.filter(action_type="log_created")
    assert row.metadata["rule"] == "mass_price_changes" and row.target_user_id == user.pk


def test_a_burst_of_invalid_webhook_signatures(thresholds, store, run_responses):
    for _ in range(2):
        make(WebhookLog, store=store, status="failed", error_message=INVALID_SIGNATURE_MESSAGE)
    make(WebhookLog, store=store, status="failed", error_message="payload too large")
    assert run_responses(record_invalid_webhook_signature, store.pk) == []
    make(WebhookLog, store=store, status="failed", error_message="Invalid signature (X-WC-Webhook-Signature)")
    (anomaly_id,) = run_responses(record_invalid_webhook_signature, store.pk)
    actions = _actions(anomaly_id)
    assert set(actions) == {"log_created", "notification_sent"}
    assert actions["log_created"].metadata["store_id"] == str(store.pk)
    assert actions["log_created"].target_user_id is None


def test_old_events_outside_the_window_do_not_count(thresholds, user, run_responses):
    for _ in range(5):
        log = make(CredentialAccessLog, store=make(Store, user=user), user=user)
        CredentialAccessLog.objects.filter(pk=log.pk).update(accessed_at=timezone.now() - timedelta(hours=1))
    assert run_responses(anomalies.detect, ["credential_reveals"]) == []


def test_a_failed_response_records_its_error_and_the_others_still_run(thresholds, user, run_responses):
    # No app admin with an e-mail: the e-mail response fails, the log and notification do not.
    for _ in range(3):
        make(CredentialAccessLog, store=make(Store, user=user), user=user)
    (anomaly_id,) = run_responses(anomalies.detect, ["credential_reveals"])
    actions = _actions(anomaly_id)
    assert actions["email_sent"].status == "failed" and "No recipients" in actions["email_sent"].error_message
    assert actions["log_created"].status == actions["notification_sent"].status == "completed"


def test_acknowledge_marks_every_row_of_the_anomaly(thresholds, user, app_admin, run_responses):
    for _ in range(3):
        make(CredentialAccessLog, store=make(Store, user=user), user=user)
    (anomaly_id,) = run_responses(anomalies.detect)
    assert anomalies.anomaly_acknowledge(anomaly_id=anomaly_id, user=app_admin) == 3
    assert anomalies.anomaly_acknowledge(anomaly_id=anomaly_id, user=app_admin) == 0
    assert set(
        AnomalyResponseAction.objects.filter(anomaly_id=anomaly_id).values_list("metadata__acknowledged_by", flat=True)
    ) == {app_admin.email}


def test_detect_anomalies_task_is_tracked(thresholds, user, app_admin, run_responses):
    from audit.models import ScheduledJob
    from audit.tasks import detect_anomalies

    for _ in range(3):
        make(CredentialAccessLog, store=make(Store, user=user), user=user)
    message = run_responses(detect_anomalies)
    assert message.startswith("1 new anomalies: credential_reveals:")
    assert ScheduledJob.objects.get(name="detect_anomalies").last_status == "success"
