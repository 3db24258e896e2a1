"""Supply-side API for pickup orders: plan, picked up, receive, cancel."""

import datetime as dt

from ninja import Query, Router, Schema

from access.decorators import api_perm
from access.roles import Perm
from ordering.api.core import ListQuery, ServiceOrderOut, SummaryOut
from ordering.flows import pickup as pickups
from ordering.models import OrderType

from .core import RequiredReasonIn, _list, _run

router = Router(tags=["supply service"])


class PlanIn(Schema):
    planned_date: dt.date


class PickedUpIn(Schema):
    picked_up_on: dt.date | None = None


@router.get("/supply/pickup-orders", response=list[SummaryOut], summary="Pickup orders to handle",
            operation_id="supply_pickup_list")
@api_perm(Perm.ORDER_HANDLE)
def pickup_list(request, q: Query[ListQuery]):
    return _list(request, OrderType.PICKUP, q)


@router.post("/supply/pickup-orders/{order_id}/plan", response=ServiceOrderOut, operation_id="pickup_plan",
             summary="Plan the pickup date")
@api_perm(Perm.ORDER_HANDLE)
def pickup_plan(request, order_id: int, payload: PlanIn):
    return _run(request, order_id, OrderType.PICKUP, lambda: pickups.pickup_plan(
        request.auth, order_id, planned_date=payload.planned_date))


@router.post("/supply/pickup-orders/{order_id}/picked-up", response=ServiceOrderOut,
             operation_id="pickup_picked_up", summary="Devices collected: loans end (rent-end rule), in transit")
@api_perm(Perm.ORDER_HANDLE)
def pickup_picked_up(request, order_id: int, payload: PickedUpIn = None):
    return _run(request, order_id, OrderType.PICKUP, lambda: pickups.pickup_picked_up(
        request.auth, order_id, picked_up_on=payload.picked_up_on if payload else None))


@router.post("/supply/pickup-orders/{order_id}/receive", response=ServiceOrderOut, operation_id="pickup_receive",
             summary="Received at the supply centre: devices to refurbishment")
@api_perm(Perm.ORDER_HANDLE)
def pickup_receive(request, order_id: int):
    return _run(request, order_id, OrderType.PICKUP, lambda: pickups.pickup_receive(request.auth, order_id))


@router.post("/supply/pickup-orders/{order_id}/cancel", response=ServiceOrderOut, operation_id="pickup_cancel",
             summary="Cancel with reason (a new pickup order must be placed)")
@api_perm(Perm.ORDER_HANDLE)
def pickup_cancel(request, order_id: int, payload: RequiredReasonIn):
    return _run(request, order_id, OrderType.PICKUP, lambda: pickups.pickup_cancel(
        request.auth, order_id, reason=payload.reason))
