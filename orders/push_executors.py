"""Sending an order's queued status change to WooCommerce: the executor ``sync.push`` runs,
registered in ``OrdersConfig.ready``."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from orders.models import Order
from sync import woo
from sync.models import PushOperation
from sync.push import PushFailed
from sync.push import answer_modified_at
from sync.push import push_done
from sync.woo import WooClient
from sync.writer import apply_payloads


def order_status_push(op: PushOperation, client: WooClient) -> None:
    order = Order.objects.filter(pk=op.object_id, store_id=op.store_id).first()
    woo_id = op.woo_id or (order.woo_id if order else None)
    if woo_id is None:
        raise PushFailed("the order has no WooCommerce id")
    answer = woo.order_update_status(client, order_id=woo_id, status=op.payload["status"])
    remote_modified = answer_modified_at(answer)
    with transaction.atomic():
        push_done(op, remote_modified)
        Order.objects.filter(pk=op.object_id).update(woo_modified_at=remote_modified, synced_at=timezone.now())
        apply_payloads(op.store_id, "order", [answer])
