"""Sending an order's queued status change to WooCommerce: the executor ``sync.push`` runs,
registered in ``OrdersConfig.ready``."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from orders.models import Order
from orders.models import OrderStatusLog
from sync import woo
from sync.models import PushOperation
from sync.models import PushStatus
from sync.push import PushFailed
from sync.push import answer_modified_at
from sync.push import push_done
from sync.push import push_fail
from sync.woo import WooClient
from sync.writer import PULL_CHANGED_BY
from sync.writer import apply_payloads


def order_status_push(op: PushOperation, client: WooClient) -> None:
    order = Order.objects.filter(pk=op.object_id, store_id=op.store_id).first()
    woo_id = op.woo_id or (order.woo_id if order else None)
    if woo_id is None:
        raise PushFailed("the order has no WooCommerce id")
    wanted = op.payload["status"]
    shop_status = op.payload.get("shop_status", op.payload.get("old_status"))
    remote = woo.order_fetch(client, woo_id)
    if order is not None and isinstance(remote, dict) and remote.get("status") not in (shop_status, wanted):
        _keep_shop_status(op, order, remote, shop_status)
        return
    answer = woo.order_update_status(client, order_id=woo_id, status=wanted)
    remote_modified = answer_modified_at(answer)
    with transaction.atomic():
        push_done(op, remote_modified)
        Order.objects.filter(pk=op.object_id).update(woo_modified_at=remote_modified, synced_at=timezone.now())
        apply_payloads(op.store_id, "order", [answer])


def _keep_shop_status(op: PushOperation, order: Order, remote: dict, shop_status: str | None) -> None:
    """The shop changed the order's status since it was changed here (e.g. cancelled it): a
    conflict, never overwritten. The push fails with the reason (a ``sync_errors`` row) and the
    shop's order is written here, its status change logged as WooCommerce's."""
    theirs = str(remote.get("status"))
    with transaction.atomic():
        # Closed first, so the writer no longer guards the order; failed last, so writing the
        # order does not resolve the sync_errors row that reports the conflict.
        op.status = PushStatus.FAILED
        op.save(update_fields=["status"])
        local = Order.objects.filter(pk=order.pk).values_list("status", flat=True).first()
        apply_payloads(op.store_id, "order", [remote])
        if local is not None and local != theirs:
            OrderStatusLog.objects.create(
                store_id=op.store_id,
                order_woo_id=order.woo_id,
                old_status=local,
                new_status=theirs,
                changed_by=PULL_CHANGED_BY,
            )
        push_fail(
            op,
            PushFailed(
                f"not sent: the status changed in WooCommerce from {shop_status} to {theirs} "
                f"since it was set to {op.payload['status']} here"
            ),
        )
