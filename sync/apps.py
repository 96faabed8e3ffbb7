from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "sync"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Each store's incremental pull is due work of the one scheduler (audit/jobs.py).
        from audit.jobs import register_due_work
        from stores import hooks
        from sync.connection import store_connection_check
        from sync.tasks import queue_due_syncs

        register_due_work(queue_due_syncs)
        # "Test connection" on the store's credentials page (stores) is a call to WooCommerce.
        hooks.connection_check.provide(store_connection_check)
