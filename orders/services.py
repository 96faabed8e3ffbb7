"""Every write of the orders app: a function per verb, acting for ``actor`` (or ``user``).

A service checks the permission through ``stores.access`` (404 outside the actor's scope, 403
without the capability). A status change saves the local rows in one transaction and hands what
WooCommerce must learn to the sync app's push queue (``sync.services.push_enqueue``), which sends
it after commit. Notes and refunds are sent to WooCommerce at once (through the adapter
``sync.woo``) because the person waits for the answer: WooCommerce decides whether a refund is
possible. What WooCommerce answers is stored here (``order_notes``, ``order_refunds``) and the
order is read back and written as a pull would, so its refunded amount, status and the
customer's summary follow. The customers summary is recomputed here too.
"""

import logging
from datetime import UTC
from decimal import ROUND_HALF_UP
from decimal import Decimal
from decimal import InvalidOperation

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from config.celery import task_by_name
from config.exports import queue_export
from config.exports import write_export_file
from config.pagination import total_of
from orders.forms import OrderFilterForm
from orders.models import Order
from orders.models import OrderExport
from orders.models import OrderNote
from orders.models import OrderRefund
from orders.models import OrderStatus
from orders.models import OrderStatusLog
from orders.selectors import EXPORT_HEADER
from orders.selectors import can_see_customer_data
from orders.selectors import order_export_rows_for
from orders.selectors import orders_list_for
from stores.access import CHANGE_ORDER_STATUS
from stores.access import VIEW_ORDERS
from stores.access import access_for
from stores.models import Store
from sync.mappers.common import without_nul
from sync.models import PushAction
from sync.models import PushEntity
from sync.services import push_enqueue
from sync.woo import WooError
from sync.woo import client_for
from sync.woo import order_fetch
from sync.woo import order_note_create
from sync.woo import order_notes_list
from sync.woo import order_refund_create as woo_refund_create
from sync.woo import order_refunds_list
from sync.writer import apply_payloads

# The tasks of this app, queued by name (orders.tasks imports this module, not the reverse).
ACTIVITY_REFRESH_TASK = "orders.tasks.order_activity_refresh_task"
EXPORT_TASK = "orders.tasks.order_export_task"


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


logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
NOTE_MAX_LENGTH = 2000
# An order page asks for its notes and refunds at most this often (seconds); an incremental pull
# reads those of at most this many changed orders.
ACTIVITY_REQUEST_EVERY = 60
ACTIVITY_PULL_LIMIT = 100


def _gmt(value):
    if not value:
        return None
    parsed = parse_datetime(str(value))
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _order_for_change(user, order_id):
    access = access_for(user)
    order = Order.objects.filter(pk=order_id).first()
    if order is None or not access.can(VIEW_ORDERS, order.store_id):
        raise Http404("No such order.")
    access.require(CHANGE_ORDER_STATUS, order.store_id)
    return order


def _client(order):
    return client_for(order.store)


def _woo_message(exc):
    """WooCommerce's own message (store content: shown escaped), never a URL or a key."""
    return getattr(exc, "message", "") or getattr(exc, "code", "") or str(type(exc).__name__)


# --- notes ----------------------------------------------------------------------------------------


def _note_rows(store_id, order_woo_id, notes):
    rows = []
    for note in without_nul(notes):
        if not isinstance(note, dict) or not isinstance(note.get("id"), int):
            continue
        rows.append(
            OrderNote(
                store_id=store_id,
                order_woo_id=order_woo_id,
                woo_id=note["id"],
                note=str(note.get("note") or ""),
                customer_note=bool(note.get("customer_note")),
                author=str(note.get("author") or ""),
                woo_created_at=_gmt(note.get("date_created_gmt")),
            )
        )
    return rows


def _store_notes(store_id, order_woo_id, notes):
    OrderNote.objects.bulk_create(
        _note_rows(store_id, order_woo_id, notes),
        update_conflicts=True,
        unique_fields=["store", "woo_id"],
        update_fields=["note", "customer_note", "author", "woo_created_at"],
    )


def order_note_add(order_id, text, *, to_customer, user):
    """Add a private note, or a note to the customer (WooCommerce e-mails it), to an order."""
    order = _order_for_change(user, order_id)
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Write the note first."))
    if len(text) > NOTE_MAX_LENGTH:
        raise ValidationError(_("A note can have at most %(max)d characters.") % {"max": NOTE_MAX_LENGTH})
    try:
        note = order_note_create(_client(order), order.woo_id, text, to_customer=to_customer)
    except WooError as exc:
        logger.warning("Order %s: WooCommerce refused a note: %s", order.woo_id, exc)
        raise ValidationError(
            _("WooCommerce did not add the note: %(reason)s") % {"reason": _woo_message(exc)}
        ) from exc
    _store_notes(order.store_id, order.woo_id, [note])
    return OrderNote.objects.get(store_id=order.store_id, woo_id=note["id"])


# --- refunds --------------------------------------------------------------------------------------


def _refund_rows(store_id, order_woo_id, refunds, refunded_by=""):
    rows = []
    for refund in without_nul(refunds):
        if not isinstance(refund, dict) or not isinstance(refund.get("id"), int):
            continue
        try:
            amount = abs(Decimal(str(refund.get("amount") or "0")))
        except InvalidOperation:
            continue
        rows.append(
            OrderRefund(
                store_id=store_id,
                order_woo_id=order_woo_id,
                woo_id=refund["id"],
                amount=amount,
                reason=str(refund.get("reason") or ""),
                line_items=refund.get("line_items") if isinstance(refund.get("line_items"), list) else [],
                refunded_payment=bool(refund.get("refunded_payment")),
                refunded_by=refunded_by,
                woo_created_at=_gmt(refund.get("date_created_gmt")),
            )
        )
    return rows


def _store_refunds(store_id, order_woo_id, refunds, refunded_by=""):
    OrderRefund.objects.bulk_create(
        _refund_rows(store_id, order_woo_id, refunds, refunded_by),
        update_conflicts=True,
        unique_fields=["store", "woo_id"],
        # ``refunded_by`` is ours: a refresh from WooCommerce keeps who asked for it here.
        update_fields=["amount", "reason", "line_items", "refunded_payment", "woo_created_at"],
    )


def refundable_lines(order, refunds):
    """``{item id: (line item, quantity left, gross unit price)}`` of the order's line items."""
    refunded_qty = {}
    for refund in refunds:
        for line in refund.line_items or []:
            if not isinstance(line, dict):
                continue
            source = next(
                (m.get("value") for m in line.get("meta_data") or [] if m.get("key") == "_refunded_item_id"), None
            )
            if source is not None and str(source).isdigit():
                refunded_qty[int(source)] = refunded_qty.get(int(source), 0) + abs(int(line.get("quantity") or 0))
    lines = {}
    for item in order.line_items if isinstance(order.line_items, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("id"), int):
            continue
        quantity = int(item.get("quantity") or 0)
        try:
            gross = Decimal(str(item.get("total") or 0)) + Decimal(str(item.get("total_tax") or 0))
        except InvalidOperation:
            continue
        unit = (gross / quantity).quantize(CENT, ROUND_HALF_UP) if quantity else Decimal(0)
        lines[item["id"]] = (item, max(quantity - refunded_qty.get(item["id"], 0), 0), unit)
    return lines


def _line_payload(item, quantity):
    """One refund line: net and tax per rate, in proportion to the quantity refunded."""
    ordered = int(item.get("quantity") or 0) or 1
    share = Decimal(quantity) / Decimal(ordered)
    net = (Decimal(str(item.get("total") or 0)) * share).quantize(CENT, ROUND_HALF_UP)
    taxes = [
        {"id": tax["id"], "refund_total": str((Decimal(str(tax.get("total") or 0)) * share).quantize(CENT))}
        for tax in item.get("taxes") or []
        if isinstance(tax, dict) and "id" in tax
    ]
    amount = net + sum((Decimal(t["refund_total"]) for t in taxes), Decimal(0))
    return {"id": item["id"], "quantity": quantity, "refund_total": str(net), "refund_tax": taxes}, amount


def order_refund_plan(order_id, *, user, quantities=None, amount=None):
    """What a refund would send: ``(order, line items, amount)``, validated against what is left
    to refund (by line: the quantities not refunded yet). Sends nothing; the confirmation step
    states this amount."""
    order = _order_for_change(user, order_id)
    refunds = list(OrderRefund.objects.filter(store_id=order.store_id, order_woo_id=order.woo_id))
    left = order.total - max(order.refunded_total, sum((r.amount for r in refunds), Decimal(0)))
    refundable = refundable_lines(order, refunds)
    lines, lines_amount = [], Decimal(0)
    for item_id, quantity in (quantities or {}).items():
        if not quantity:
            continue
        if item_id not in refundable:
            raise ValidationError(_("That line is not part of this order."))
        item, quantity_left, _unit = refundable[item_id]
        if quantity < 0 or quantity > quantity_left:
            raise ValidationError(
                _("“%(name)s”: at most %(left)d can be refunded.")
                % {"name": item.get("name", ""), "left": quantity_left}
            )
        payload, line_amount = _line_payload(item, quantity)
        lines.append(payload)
        lines_amount += line_amount
    if amount is None:
        amount = lines_amount
    amount = Decimal(amount).quantize(CENT, ROUND_HALF_UP)
    if amount <= 0:
        raise ValidationError(_("Choose the lines to refund or enter an amount greater than zero."))
    if amount > left:
        raise ValidationError(
            _("%(amount)s is more than what is left to refund on this order (%(left)s).")
            % {"amount": amount, "left": left}
        )
    return order, lines, amount


def order_refund_create(order_id, *, user, quantities=None, amount=None, reason="", api_refund=False, restock=True):
    """Refund an order in WooCommerce: by line items (``{item id: quantity}``) or by ``amount``.

    Refused with a clear message when it exceeds what is left to refund. Returns the stored
    ``OrderRefund``.
    """
    order, lines, amount = order_refund_plan(order_id, user=user, quantities=quantities, amount=amount)
    try:
        answer = woo_refund_create(
            _client(order),
            order.woo_id,
            amount=str(amount),
            reason=(reason or "").strip()[:500],
            line_items=lines,
            api_refund=api_refund,
            restock=restock,
        )
    except WooError as exc:
        logger.warning("Order %s: WooCommerce refused a refund of %s: %s", order.woo_id, amount, exc)
        raise ValidationError(
            _("WooCommerce did not refund the order: %(reason)s") % {"reason": _woo_message(exc)}
        ) from exc
    _store_refunds(order.store_id, order.woo_id, [answer], refunded_by=user.email)
    order_refresh(order.store_id, order.woo_id)
    return OrderRefund.objects.get(store_id=order.store_id, woo_id=answer["id"])


# --- reading an order's activity back --------------------------------------------------------------


def order_activity_refresh(store_id, order_woo_id, client=None):
    """Read an order's notes and refunds from WooCommerce and store them (refunds deleted there
    are deleted here). Returns False when WooCommerce could not be reached."""
    try:
        client = client or client_for(Store.objects.get(pk=store_id))
        notes = order_notes_list(client, order_woo_id)
        refunds = order_refunds_list(client, order_woo_id)
    except WooError as exc:
        logger.info("Order %s: could not read its notes and refunds: %s", order_woo_id, exc)
        return False
    with transaction.atomic():
        _store_notes(store_id, order_woo_id, notes)
        _store_refunds(store_id, order_woo_id, refunds)
        OrderRefund.objects.filter(store_id=store_id, order_woo_id=order_woo_id).exclude(
            woo_id__in=[r["id"] for r in refunds if isinstance(r, dict)]
        ).delete()
        Order.objects.filter(store_id=store_id, woo_id=order_woo_id).update(activity_synced_at=timezone.now())
    return True


def order_activity_refresh_request(store_id, order_woo_id):
    """Queue a background read of an order's notes and refunds (the order page asks when they
    are stale), at most once a minute per order and process. True when one was queued."""
    if not cache.add(f"orders:activity:{store_id}:{order_woo_id}", True, timeout=ACTIVITY_REQUEST_EVERY):
        return False
    order_activity_refresh_queue(store_id, [order_woo_id])
    return True


def order_activity_after_pull(sender=None, *, store_id, woo_ids, **kwargs):
    """An incremental pull wrote orders whose modified date changed (newest first): read the
    notes and refunds of the newest ``ACTIVITY_PULL_LIMIT`` of them in the background; the
    others are read when their page is opened. Full pulls do not call this (two requests per
    order would double a first pull of a large shop)."""
    if woo_ids:
        order_activity_refresh_queue(store_id, list(woo_ids)[:ACTIVITY_PULL_LIMIT])


def order_activity_after_delivery(sender=None, *, store_id, woo_ids, **kwargs):
    """``webhooks.signals.orders_delivered`` receiver: an order delivery is how WooCommerce
    announces a refund, so the notes and refunds of these orders are read again."""
    order_activity_refresh_queue(store_id, woo_ids)


def order_status_changes_record(sender=None, *, store_id, changes, changed_by, **kwargs):
    """``webhooks.signals.order_statuses_changed`` receiver: one ``order_status_logs`` row per
    ``(woo_id, old_status, new_status)`` WooCommerce announced."""
    OrderStatusLog.objects.bulk_create(
        OrderStatusLog(store_id=store_id, order_woo_id=woo_id, old_status=old, new_status=new, changed_by=changed_by)
        for woo_id, old, new in changes
    )


def order_activity_refresh_queue(store_id, order_woo_ids):
    """After the current transaction, queue a refresh of these orders' notes and refunds (an
    order webhook fires for a refund or a note's status change). Best effort: a broker that is
    down is logged, and the next delivery or the order page's next action catches up."""

    def send():
        for woo_id in sorted(set(order_woo_ids)):
            try:
                task_by_name(ACTIVITY_REFRESH_TASK).delay(str(store_id), woo_id)
            except Exception:
                logger.warning("Could not queue the notes refresh of order %s", woo_id, exc_info=True)
                return

    transaction.on_commit(send)


def order_refresh(store_id, order_woo_id, client=None):
    """Read an order, its notes and its refunds from WooCommerce and write them as a pull would
    (the order's refunded amount and status, the customer's summary). Returns False when
    WooCommerce could not be reached; the next pull or webhook catches up."""
    try:
        client = client or client_for(Store.objects.get(pk=store_id))
        payload = order_fetch(client, order_woo_id)
    except WooError as exc:
        logger.info("Order %s: could not read it back from WooCommerce: %s", order_woo_id, exc)
        return False
    apply_payloads(store_id, "order", [payload])
    return order_activity_refresh(store_id, order_woo_id, client)


# --- large exports --------------------------------------------------------------------------------


def order_export_start(user, store_id, query):
    """Queue a background CSV export of the order list filtered by ``query`` (its query string)."""
    access_for(user).require(VIEW_ORDERS, store_id)
    return queue_export(OrderExport, EXPORT_TASK, user=user, store_id=store_id, query=query)


def order_export_write(export_id):
    """Write the export's CSV (masked for its requester as the list is), counting progress."""

    def build(export):
        access = access_for(export.requested_by)
        customers = can_see_customer_data(access, export.store_id)
        filters = OrderFilterForm(QueryDict(export.query), can_search_customers=customers).to_filters()
        total, _exact = total_of(orders_list_for(access, export.store_id, filters))
        return total, EXPORT_HEADER, order_export_rows_for(access, export.store_id, filters)

    return write_export_file(OrderExport, export_id, build)
