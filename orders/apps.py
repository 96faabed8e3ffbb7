from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from audit import presenters
        from audit import selectors as audit_selectors
        from orders import overview
        from orders.forms import STATUS_LABELS
        from orders.masking import PII_FIELDS, mask_value
        from stores import hooks

        # The store overview and the home page (stores) show what this app and its neighbours know.
        hooks.store_overview.provide(overview.store_overview_for)
        hooks.store_counts.provide(overview.store_counts_for)
        hooks.stores_health.provide(overview.stores_health_for)

        # The audit trail words an order's status, and masks its customer data for viewers.
        presenters.register_table("orders", status_labels=STATUS_LABELS)
        audit_selectors.register_customer_data("orders", fields=PII_FIELDS, mask=mask_value)

        # Orders an incremental pull found changed: their notes and refunds are read too.
        from orders.services import order_activity_after_pull
        from sync.signals import orders_modified

        orders_modified.connect(order_activity_after_pull, dispatch_uid="orders.activity_after_pull")
