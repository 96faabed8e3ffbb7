"""What the orders app hands to the apps it builds on at start-up (``OrdersConfig.ready``): the
store overview (stores), its push executor (sync), the audit trail's words and masks (audit),
and its listeners to the sync's and the webhooks' signals."""

from audit import presenters
from audit import selectors as audit_selectors
from orders import customers
from orders import overview
from orders import services
from orders.forms import STATUS_LABELS
from orders.masking import PII_FIELDS
from orders.masking import mask_value
from orders.push_executors import order_status_push
from stores import hooks
from sync import signals as sync_signals
from sync.models import PushAction
from sync.models import PushEntity
from sync.push import register_executor
from webhooks import signals as webhooks_signals


def register():
    # The store overview and the home page (stores) show what this app and its neighbours know.
    hooks.store_overview.provide(overview.store_overview_for)
    hooks.store_counts.provide(overview.store_counts_for)
    hooks.stores_health.provide(overview.stores_health_for)

    # The push queue (sync) sends an order's status change with this app's executor.
    register_executor(PushEntity.ORDER, PushAction.UPDATE, order_status_push)

    # The audit trail words an order's status, and masks its customer data for viewers.
    presenters.register_table("orders", status_labels=STATUS_LABELS)
    audit_selectors.register_customer_data("orders", fields=PII_FIELDS, mask=mask_value)

    # Orders an incremental pull found changed, or a webhook delivered: their notes and refunds
    # are read too; status changes WooCommerce announced are logged; the customers of orders the
    # sync wrote are recomputed.
    sync_signals.orders_modified.connect(services.order_activity_after_pull, dispatch_uid="orders.activity_after_pull")
    sync_signals.order_customers_changed.connect(
        customers.customers_after_orders_written, dispatch_uid="orders.customers_after_orders_written"
    )
    webhooks_signals.orders_delivered.connect(
        services.order_activity_after_delivery, dispatch_uid="orders.activity_after_delivery"
    )
    webhooks_signals.order_statuses_changed.connect(
        services.order_status_changes_record, dispatch_uid="orders.status_changes_record"
    )
