"""The supply centre's handling of customer orders: confirm (allocating stock), delay, cancel
(releasing it), dispatch and deliver per line (the loan starts). Each service locks the order,
checks the move and composes ordering's writes (`ordering.flows.customer`) with stock's services
(through `stockport`) in ONE transaction; supply writes no order or stock row itself.

Lock order: the order row first, then every stock row the order's articles need, all at once in
a fixed order (`stockport.lock_articles`: article, then location, by primary key), before the
first allocation — so two confirms over the same articles in opposite line order cannot
deadlock."""
from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from access.roles import Perm
from core.calendar import add_weekdays, next_weekday
from core.errors import Conflict, IllegalTransition, field_error
from core.transactions import entry_point
from ordering import pricing
from ordering.flows import buffer
from ordering.flows import core as order_core
from ordering.flows import customer as ordering
from ordering.models import Delivery, Order, OrderStatus, OrderType
from ordering.transitions import check_move

from . import stockport

S = OrderStatus


_fail = field_error


def _require_handler(principal) -> None:
    order_core.require_supply(principal, Perm.ORDER_HANDLE)


def _lock(order_id: int) -> Order:
    return order_core.order_lock_for_supply(order_id, OrderType.CUSTOMER)


def _clean_date(value, field_name: str) -> dt.date | None:
    return order_core.clean_future_date(value, field_name, max_days=2 * 365)


def _line_ref(order: Order, line) -> str:
    return f"{order.number}:{line.line_no}"


@entry_point
def order_confirm(principal, order_id: int, *, planned_date=None) -> Order:
    """Confirm a submitted order with a planned delivery date, allocating stock per line:
    tracked articles get a device (refurbished first, then new), otherwise back-ordered."""
    _require_handler(principal)
    planned = _clean_date(planned_date, "planned_date")
    order = _lock(order_id)
    if order.status == S.CONFIRMED or (order.confirmed_at and order.status in (S.DISPATCHED, S.DELIVERED)):
        raise IllegalTransition(_("Ordern har redan bekräftats av %(value)s.") % {"value": order.confirmed_by_label or _("någon annan")},
                                code="already_confirmed")
    check_move(order, S.CONFIRMED, principal)
    backordered = False
    lead_days = 0
    lines = list(order.lines.select_related("article").order_by("line_no"))
    stockport.lock_articles([ln.article_id for ln in lines if ln.quantity > ln.allocated_quantity])
    for line in lines:
        need = line.quantity - line.allocated_quantity
        if need <= 0:
            continue
        res = stockport.allocate(article=line.article, quantity=need, ref=_line_ref(order, line), actor=principal)
        ordering.order_line_allocated(line, devices=res.devices, quantity=res.quantity, backordered=res.backordered)
        if res.backordered:
            backordered = True
            lead_days = max(lead_days, pricing.ON_DEMAND_WEEKDAYS, line.article.lead_time_days or 0)
    today = timezone.localdate()
    if planned is None:
        candidates = [order.promised_date or add_weekdays(today, 1), add_weekdays(today, 1)]
        if order.requested_date:
            candidates.append(order.requested_date)
        if backordered:
            candidates.append(add_weekdays(today, lead_days))
        planned = next_weekday(max(candidates))
    ordering.order_mark_confirmed(order, principal, planned_date=planned, backordered=backordered)
    return order


@entry_point
def order_delay(principal, order_id: int, *, new_date, reason: str) -> Order:
    _require_handler(principal)
    new = _clean_date(new_date, "new_date")
    if new is None:
        _fail("new_date", _("Ange ett nytt planerat datum."))
    reason = order_core.clean_reason(reason)
    order = _lock(order_id)
    return ordering.order_mark_delayed(order, principal, new_date=new, reason=reason)


@entry_point
def order_cancel(principal, order_id: int, *, reason: str) -> Order:
    _require_handler(principal)
    reason = order_core.clean_reason(reason)
    order = _lock(order_id)
    check_move(order, S.CANCELLED, principal)
    lines = [ln for ln in order.lines.select_related("article", "device") if ln.allocated_quantity > ln.delivered_quantity]
    stockport.lock_articles([ln.article_id for ln in lines])
    for line in lines:
        stockport.release(line=line, ref=_line_ref(order, line), actor=principal)
        ordering.order_line_released(line)
    return ordering.order_mark_cancelled(order, principal, reason=reason)


@entry_point
def order_dispatch(principal, order_id: int) -> Order:
    """Send the order out. Back-ordered lines are allocated again first; if stock is still
    missing the dispatch is refused."""
    _require_handler(principal)
    return dispatch_locked(principal, _lock(order_id))


def dispatch_locked(principal, order: Order) -> Order:
    """Dispatch a locked order (`order_dispatch`, and a run's delivery of a confirmed order)."""
    check_move(order, S.DISPATCHED, principal)
    lines = list(order.lines.select_related("article").filter(backordered_quantity__gt=0).order_by("line_no"))
    stockport.lock_articles([ln.article_id for ln in lines])
    for line in lines:
        res = stockport.allocate(article=line.article, quantity=line.backordered_quantity,
                                 ref=_line_ref(order, line), actor=principal)
        ordering.order_line_allocated(line, devices=res.devices, quantity=res.quantity, backordered=res.backordered)
        if res.backordered:
            raise Conflict(_("Rad %(line_no)s (%(name)s) är restnoterad och kan inte skickas ännu.") % {"line_no": line.line_no, "name": line.article.name},
                           code="backordered")
    return ordering.order_mark_dispatched(order, principal)


@entry_point
def order_deliver(principal, order_id: int, *, receiver_name: str, place: str,
                  quantities: dict[int, int] | None = None, delivered_on: dt.date | None = None) -> Delivery:
    """Deliver lines (all remaining, or `quantities` {line_id: qty}) acknowledged by the receiver.
    `place`: patient's stay address or a hospital/unit. Tracked articles start the loan."""
    _require_handler(principal)
    return deliver_locked(principal, None, order_id=order_id, receiver_name=receiver_name, place=place,
                          quantities=quantities, delivered_on=delivered_on)


def deliver_locked(principal, order: Order | None, *, order_id: int | None = None, receiver_name: str, place: str,
                   quantities: dict[int, int] | None = None, delivered_on: dt.date | None = None) -> Delivery:
    """The delivery itself (`order_deliver`, and a run's stop at the door): the order is locked
    here (or already, by the caller) after the input is checked."""
    receiver_name = (receiver_name or "").strip()
    if not receiver_name:
        _fail("receiver_name", _("Ange mottagarens namn (kvittens)."))
    if len(receiver_name) > 120:
        _fail("receiver_name", _("Mottagarens namn får vara högst 120 tecken."))
    if place not in Delivery.Place.values:
        _fail("place", _("Ange var leveransen skedde."))
    today = timezone.localdate()
    delivered_on = delivered_on or today
    if delivered_on > today:
        _fail("delivered_on", _("Leveransdatum kan inte ligga i framtiden."))
    if order is None:
        order = _lock(order_id)
    if order.status == S.DELIVERED:
        raise IllegalTransition(_("Ordern är redan levererad."))
    check_move(order, S.DELIVERED, principal)
    buffer.check_buffer_delivery(order)
    lines = {ln.pk: ln for ln in order.lines.select_related("article", "device")}
    if quantities is None:
        wanted = {pk: ln.remaining_quantity for pk, ln in lines.items() if ln.remaining_quantity > 0}
    else:
        wanted = {}
        for i, (pk, qty) in enumerate(quantities.items()):
            if int(pk) not in lines:
                _fail(f"lines.{i}.line_id", _("Raden %(line_id)s hör inte till ordern.") % {"line_id": pk})
            line = lines[int(pk)]
            qty = ordering.clean_quantity(qty, f"lines.{i}.quantity")
            if qty > line.remaining_quantity:
                _fail(f"lines.{i}.quantity", _("Rad %(line_no)s: högst %(remaining_quantity)s kvar att leverera.") % {"line_no": line.line_no, "remaining_quantity": line.remaining_quantity})
            wanted[int(pk)] = qty
    if not wanted:
        _fail("lines", _("Ange antal att leverera på minst en rad (antal 0 levererar inget)."))
    delivery = ordering.delivery_create(order, principal, delivered_on=delivered_on, receiver_name=receiver_name,
                                        place=place)
    done = []
    store = order.buffer_store if order.kind in buffer.BUFFER_KINDS else None
    for pk, qty in sorted(wanted.items(), key=lambda kv: lines[kv[0]].line_no):
        line = lines[pk]
        stockport.deliver(line=line, quantity=qty, patient=order.patient, customer=order.customer,
                          cost_centre=order.cost_centre, ref=_line_ref(order, line), actor=principal, on=delivered_on,
                          store=store)
        ordering.delivery_line_add(delivery, line, qty)
        done.append((line, qty))
    ordering.order_mark_line_delivered(order, principal, delivery=delivery, deliveries=done,
                                       at_stay_address=place == Delivery.Place.STAY_ADDRESS)
    if store is not None:  # goods booked into a buffer store: the replenishment check runs
        buffer.store_stock_changed(store=store, article_ids=[lines[pk].article_id for pk in wanted], actor=principal)
    return delivery
