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
from sync.push import TRANSIENT_ERRORS
from sync.push import PushFailed
from sync.push import answer_modified_at
from sync.push import push_done
from sync.push import push_fail
from sync.woo import WooClient
from sync.woo import WooError
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
    theirs = remote.get("status") if isinstance(remote, dict) else None
    if order is not None and theirs not in (None, shop_status, wanted):
        refusal = PushFailed(
            f"not sent: the status changed in WooCommerce from {shop_status} to {theirs} "
            f"since it was set to {wanted} here"
        )
        _keep_shop_status(op, order, remote, refusal)
        return
    try:
        answer = woo.order_update_status(client, order_id=woo_id, status=wanted)
    except TRANSIENT_ERRORS:
        raise
    except WooError as exc:
        if order is None or theirs is None:
            raise
        _keep_shop_status(op, order, remote, exc)  # refused (a read-only key, an invalid status)
        return
    remote_modified = answer_modified_at(answer)
    with transaction.atomic():
        push_done(op, remote_modified)
        Order.objects.filter(pk=op.object_id).update(woo_modified_at=remote_modified, synced_at=timezone.now())
        apply_payloads(op.store_id, "order", [answer])


def _keep_shop_status(op: PushOperation, order: Order, remote: dict, reason: Exception) -> None:
    """The status change is not made in WooCommerce (the shop changed the status meanwhile, or
    refused ours): the push fails with ``reason`` (a ``sync_errors`` row), the shop's order is
    written here and its status, back from ours, logged as WooCommerce's. Never overwritten, and
    no page shows a status the shop does not have."""
    theirs = str(remote.get("status"))
    with transaction.atomic():
        # Closed first, so the writer no longer guards the order; failed last, so writing the
        # order does not resolve the sync_errors row that reports why.
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
        push_fail(op, reason)
