"""Every write of the orders app: a function per verb, keyword-only, acting for ``actor``.

A service checks the permission through ``stores.access`` (404 outside the actor's scope, 403
without the capability), saves the local rows in one transaction and hands what WooCommerce
must learn to the sync app's push queue (``sync.services.push_enqueue``), which sends it after
commit. Nothing here talks to WooCommerce.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404

from orders.models import Order, OrderStatus, OrderStatusLog
from stores.access import CHANGE_ORDER_STATUS, VIEW_ORDERS, access_for
from sync.models import PushAction, PushEntity
from sync.services import push_enqueue


def order_change_status(*, actor, order_id, new_status) -> OrderStatusLog | None:
    """Change an order's status here and in WooCommerce (managers and owners); writes an
    ``order_status_logs`` row (old, new, the actor's email) and queues the push, replacing a
    status change not sent yet. None when nothing changes."""
    new_status = (new_status or "").strip()
    if new_status not in OrderStatus.values or new_status == OrderStatus.TRASH:
        raise ValidationError(f"{new_status!r} is not an order status that can be set.")
    access = access_for(actor)
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(pk=order_id).first()
        if order is None or not access.can(VIEW_ORDERS, order.store_id):
            raise Http404("No such order.")
        access.require(CHANGE_ORDER_STATUS, order.store_id)
        old_status = order.status
        if old_status == new_status:
            return None
        order.status = new_status
        order.save(update_fields=["status", "updated_at"])
        log = OrderStatusLog.objects.create(
            store_id=order.store_id,
            order_woo_id=order.woo_id,
            old_status=old_status,
            new_status=new_status,
            changed_by=actor.email,
        )
        push_enqueue(
            store_id=order.store_id,
            entity_type=PushEntity.ORDER,
            action=PushAction.UPDATE,
            actor=actor,
            object_id=order.pk,
            woo_id=order.woo_id,
            fields=["status"],
            payload={"status": new_status, "old_status": old_status},
            supersede_open=True,
        )
    return log
