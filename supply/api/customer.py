"""Supply-side API for customer orders: the inbox, confirm, delay, cancel, dispatch, deliver.
Every POST honours `Idempotency-Key`."""

import datetime as dt

from django.urls import reverse
from ninja import Field, Query, Router, Schema

from access.decorators import api_perm
from access.roles import Perm
from core.idempotency import idempotent
from ordering import selectors
from ordering.api.customer import OrderOut, OrderSummaryOut, load_order_out
from ordering.api.enums import CustomerStatusFilter, DeliveryPlace, PriorityFilter

from .. import services

router = Router()


class ConfirmIn(Schema):
    planned_date: dt.date | None = Field(None, description="Planned delivery date; computed when omitted")


class DelayIn(Schema):
    new_date: dt.date
    reason: str = Field(..., min_length=1, max_length=1000)


class CancelIn(Schema):
    reason: str = Field(..., min_length=1, max_length=1000)


class DeliverLineIn(Schema):
    line_id: int
    quantity: int


class DeliverIn(Schema):
    receiver_name: str = Field(..., min_length=1, max_length=120, description="Who acknowledged the delivery")
    place: DeliveryPlace = Field(..., description="stay_address | hospital_or_unit")
    delivered_on: dt.date | None = None
    lines: list[DeliverLineIn] | None = Field(None, description="Omit to deliver every remaining line")


class DeliveryOut(Schema):
    delivery_id: int
    delivery_note_url: str = Field("", description="The delivery note PDF on the API: /api/v1/deliveries/{id}/"
                                                   "delivery-note")
    order: OrderOut


class InboxQuery(Schema):
    status: CustomerStatusFilter = "submitted"
    priority: PriorityFilter = ""
    customer_id: int | None = None
    number: str = Field("", max_length=16)
    limit: int = Field(100, ge=1, le=500)


def _handler(request):
    request.auth.require(Perm.ORDER_HANDLE)
    return request.auth


@router.get("/supply/orders", response=list[OrderSummaryOut], summary="Order inbox (urgent first)",
            operation_id="supply_order_inbox")
@api_perm(Perm.ORDER_HANDLE)
def supply_inbox(request, q: Query[InboxQuery]):
    _handler(request)
    return selectors.supply_inbox(status=q.status, priority=q.priority, customer_id=q.customer_id, number=q.number,
                                  limit=q.limit)


@router.post("/supply/orders/{order_id}/confirm", response=OrderOut, summary="Confirm with a planned date "
             "(allocates stock)", operation_id="supply_order_confirm")
@api_perm(Perm.ORDER_HANDLE)
def confirm(request, order_id: int, payload: ConfirmIn):
    principal = _handler(request)

    def work():
        services.order_confirm(principal, order_id, planned_date=payload.planned_date)
        return 200, load_order_out(principal, order_id)

    return idempotent(request, work)


@router.post("/supply/orders/{order_id}/delay", response=OrderOut, summary="Delay a confirmed order",
             operation_id="supply_order_delay")
@api_perm(Perm.ORDER_HANDLE)
def delay(request, order_id: int, payload: DelayIn):
    principal = _handler(request)

    def work():
        services.order_delay(principal, order_id, new_date=payload.new_date, reason=payload.reason)
        return 200, load_order_out(principal, order_id)

    return idempotent(request, work)


@router.post("/supply/orders/{order_id}/cancel", response=OrderOut, summary="Cancel (makulera); releases stock",
             operation_id="supply_order_cancel")
@api_perm(Perm.ORDER_HANDLE)
def cancel(request, order_id: int, payload: CancelIn):
    principal = _handler(request)

    def work():
        services.order_cancel(principal, order_id, reason=payload.reason)
        return 200, load_order_out(principal, order_id)

    return idempotent(request, work)


@router.post("/supply/orders/{order_id}/dispatch", response=OrderOut, summary="Mark as dispatched",
             operation_id="supply_order_dispatch")
@api_perm(Perm.ORDER_HANDLE)
def dispatch(request, order_id: int):
    principal = _handler(request)

    def work():
        services.order_dispatch(principal, order_id)
        return 200, load_order_out(principal, order_id)

    return idempotent(request, work)


@router.post("/supply/orders/{order_id}/deliver", response=DeliveryOut, summary="Deliver (all or some lines) with "
             "the receiver's acknowledgment", operation_id="supply_order_deliver")
@api_perm(Perm.ORDER_HANDLE)
def deliver(request, order_id: int, payload: DeliverIn):
    principal = _handler(request)

    def work():
        quantities = None
        if payload.lines is not None:
            quantities = {}
            for ln in payload.lines:
                quantities[ln.line_id] = quantities.get(ln.line_id, 0) + ln.quantity
        delivery = services.order_deliver(principal, order_id, receiver_name=payload.receiver_name,
                                          place=payload.place, delivered_on=payload.delivered_on,
                                          quantities=quantities)
        return 200, {"delivery_id": delivery.pk, "order": load_order_out(principal, order_id),
                     "delivery_note_url": reverse("api:delivery_note", args=[delivery.pk])}

    return idempotent(request, work)
