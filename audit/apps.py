from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.contrib.auth.signals import user_login_failed
        from django.db import connections
        from django.db.backends.signals import connection_created

        from audit import actor
        from audit import anomalies
        from audit import presenters
        from audit import selectors
        from stores import hooks

        # Every connection passes the audit actor to the triggers (audit/actor.py).
        connection_created.connect(actor.install, dispatch_uid="audit.actor.install")
        for connection in connections.all(initialized_only=True):
            actor.install(connection)
        # Celery tasks write as their app's system actor (system:sync, system:webhook, ...).
        from celery.signals import task_postrun
        from celery.signals import task_prerun

        task_prerun.connect(actor.on_task_prerun, dispatch_uid="audit.actor.task_prerun", weak=False)
        task_postrun.connect(actor.on_task_postrun, dispatch_uid="audit.actor.task_postrun", weak=False)
        # Repeated failed logins are checked as they happen (and again on schedule).
        user_login_failed.connect(anomalies.on_user_login_failed, dispatch_uid="audit.anomalies.login_failed")
        # The store pages (stores) show what this app keeps: reveals, the store's history.
        hooks.credential_reveal_check.provide(anomalies.check_credential_reveals)
        hooks.credential_access_log.provide(selectors.credential_access_logs_for)
        hooks.history.provide(presenters.history_entries)
