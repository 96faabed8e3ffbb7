"""What the webhooks app hands to the apps it builds on at start-up (``WebhooksConfig.ready``):
the secret rotation (stores), the release of deliveries held for a push (sync), the Supabase
import's repointing (accounts), the stores' health counts (sync), the audit trail's names, the
invalid-signature anomaly rule and the cleanup of its inbox (audit)."""

from accounts import hooks as account_hooks
from audit.cleanup import CleanupJob
from audit.cleanup import register_cleanup
from audit.presenters import register_table
from stores import hooks
from sync import signals as sync_signals
from sync.dashboard_selectors import register_health_count
from webhooks import anomalies  # noqa: F401  (registers the invalid-signature rule with audit)
from webhooks.inbox import release_held
from webhooks.models import Webhook
from webhooks.models import WebhookStatus
from webhooks.presenters import topic_label
from webhooks.remote import imported_webhooks_repoint
from webhooks.remote import store_webhook_secret_rotate


def register():
    # The stores' health (sync) counts their webhooks that deliver and those that do not.
    register_health_count("webhooks_active", Webhook, status=WebhookStatus.ACTIVE)
    register_health_count("webhooks_inactive", Webhook, status__in=(WebhookStatus.PAUSED, WebhookStatus.DISABLED))

    # Deliveries held back while a local change waited to be pushed are applied once it closes.
    sync_signals.push_closed.connect(release_held, dispatch_uid="webhooks.release_held")

    # The audit trail names a webhook by its topic.
    register_table("webhooks", object_name=lambda data: str(topic_label(data.get("topic"))))

    # The credentials form (stores) starts the rotation this app owns.
    hooks.webhook_secret_rotation.provide(store_webhook_secret_rotate)
    # import_supabase (accounts) repoints the imported webhooks at this installation.
    account_hooks.imported_webhooks_repoint.provide(imported_webhooks_repoint)

    # Applied and skipped inbox rows expire; failed ones stay until retried or resolved.
    register_cleanup(
        CleanupJob(
            "webhook_deliveries",
            table="webhook_deliveries",
            time_column="received_at",
            retention_key="webhook_deliveries",
            default_days=14,
            where="status IN ('applied', 'skipped')",
            description="applied webhook deliveries (the inbox)",
        )
    )
