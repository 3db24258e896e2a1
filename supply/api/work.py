"""Supply-side API for work orders: accept, start, complete, cancel."""

import datetime as dt

from ninja import Field, Query, Router, Schema

from access.decorators import api_perm
from access.roles import Perm
from ordering.api.core import ListQuery, ServiceOrderOut, SummaryOut
from ordering.flows import work as work_orders
from ordering.models import OrderType

from .core import RequiredReasonIn, _list, _run

router = Router(tags=["supply service"])


class AcceptIn(Schema):
    planned_date: dt.date
    technician_id: int


class PartIn(Schema):
    article_number: str = Field(..., max_length=35)
    quantity: int = Field(1, ge=1, le=999)


class CompleteIn(Schema):
    report: str = Field(..., max_length=4000)
    hours: float = Field(..., ge=0, le=500)
    parts: list[PartIn] = Field(default_factory=list, max_length=30)


@router.get("/supply/work-orders", response=list[SummaryOut], summary="Work orders to handle",
            operation_id="supply_work_order_list")
@api_perm(Perm.WORK_ORDER_HANDLE)
def wo_list(request, q: Query[ListQuery]):
    return _list(request, OrderType.WORK, q)


@router.post("/supply/work-orders/{order_id}/accept", response=ServiceOrderOut, operation_id="work_order_accept",
             summary="Accept with planned date and technician")
@api_perm(Perm.WORK_ORDER_HANDLE)
def wo_accept(request, order_id: int, payload: AcceptIn):
    return _run(request, order_id, OrderType.WORK, lambda: work_orders.work_order_accept(
        request.auth, order_id, planned_date=payload.planned_date, technician_id=payload.technician_id))


@router.post("/supply/work-orders/{order_id}/start", response=ServiceOrderOut, operation_id="work_order_start",
             summary="Start the work")
@api_perm(Perm.WORK_ORDER_HANDLE)
def wo_start(request, order_id: int):
    return _run(request, order_id, OrderType.WORK, lambda: work_orders.work_order_start(request.auth, order_id))


@router.post("/supply/work-orders/{order_id}/complete", response=ServiceOrderOut,
             operation_id="work_order_complete", summary="Complete with report, hours and parts (parts leave stock)")
@api_perm(Perm.WORK_ORDER_HANDLE)
def wo_complete(request, order_id: int, payload: CompleteIn):
    return _run(request, order_id, OrderType.WORK, lambda: work_orders.work_order_complete(
        request.auth, order_id, report=payload.report, hours=payload.hours,
        parts=[(p.article_number, p.quantity) for p in payload.parts]))


@router.post("/supply/work-orders/{order_id}/cancel", response=ServiceOrderOut, operation_id="work_order_cancel",
             summary="Cannot be carried out: cancel with reason (a new work order must be placed)")
@api_perm(Perm.WORK_ORDER_HANDLE)
def wo_cancel(request, order_id: int, payload: RequiredReasonIn):
    return _run(request, order_id, OrderType.WORK, lambda: work_orders.work_order_cancel(
        request.auth, order_id, reason=payload.reason))
