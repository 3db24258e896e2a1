"""Supply-side API for service orders (the HMC back office or an external business system):
work orders (accept, start, complete, cancel), pickups (plan, picked up, receive, cancel),
refurbishment (receive, refurbished, scrap), fault reports (investigate, reports, answer,
close) and the reuse rate. Every POST honours `Idempotency-Key`."""

import datetime as dt

from ninja import Field, Query, Router, Schema

from access.decorators import api_perm
from access.roles import Perm
from ordering.api import idempotent
from ordering.api_service import ListQuery, ServiceOrderOut, SummaryOut, load_service_out
from ordering.models import OrderType
from ordering.service_selectors import ServiceFilter, service_order_search

from . import dashboard, fault_reports, pickups, refurbishment, work_orders

router = Router(tags=["supply service"])


def _run(request, order_id: int, order_type: str, fn):
    def work():
        fn()
        return 200, load_service_out(request.auth, order_id, order_type)

    return idempotent(request, work)


def _list(request, order_type: str, q: ListQuery):
    flt = ServiceFilter(status=q.status, number=q.number, patient_id=q.patient_id, planned_from=q.planned_from,
                        planned_to=q.planned_to)
    return service_order_search(request.auth, order_type, flt, limit=q.limit)


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


class RequiredReasonIn(Schema):
    reason: str = Field(..., min_length=1, max_length=1000)


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


class RefurbishmentDeviceOut(Schema):
    serial: str
    status: str
    condition: str
    location: str | None


def _device_out(d) -> dict:
    return {"serial": d.serial, "status": d.status, "condition": d.condition,
            "location": d.location.code if d.location_id else None}


def _device_run(request, fn):
    def work():
        return 200, _device_out(fn())

    return idempotent(request, work)


class ScrapIn(Schema):
    reason: str = Field(..., min_length=1, max_length=300)


@router.post("/supply/refurbishment/{serial}/receive", response=RefurbishmentDeviceOut, operation_id="refurbishment_receive",
             summary="A returned device arrived: awaiting refurbishment")
@api_perm(Perm.STOCK_MANAGE)
def refurb_receive(request, serial: str):
    return _device_run(request, lambda: refurbishment.device_receive(request.auth, serial))


@router.post("/supply/refurbishment/{serial}/refurbished", response=RefurbishmentDeviceOut,
             operation_id="refurbishment_done", summary="Inspected: back in central stock as refurbished")
@api_perm(Perm.STOCK_MANAGE)
def refurb_done(request, serial: str):
    return _device_run(request, lambda: refurbishment.device_refurbished(request.auth, serial))


@router.post("/supply/refurbishment/{serial}/scrap", response=RefurbishmentDeviceOut, operation_id="refurbishment_scrap",
             summary="Inspected: scrapped with a reason")
@api_perm(Perm.STOCK_MANAGE)
def refurb_scrap(request, serial: str, payload: ScrapIn):
    return _device_run(request, lambda: refurbishment.device_scrapped(request.auth, serial, reason=payload.reason))


class ReportsIn(Schema):
    manufacturer_on: dt.date | None = None
    authority_on: dt.date | None = None


class AnswerIn(Schema):
    answer: str = Field(..., min_length=1, max_length=4000)


@router.get("/supply/fault-reports", response=list[SummaryOut], summary="Fault reports to handle",
            operation_id="supply_fault_report_list")
@api_perm(Perm.WORK_ORDER_HANDLE)
def fault_list(request, q: Query[ListQuery]):
    return _list(request, OrderType.FAULT, q)


@router.post("/supply/fault-reports/{order_id}/investigate", response=ServiceOrderOut,
             operation_id="fault_report_investigate", summary="Start the investigation")
@api_perm(Perm.WORK_ORDER_HANDLE)
def fault_investigate(request, order_id: int):
    return _run(request, order_id, OrderType.FAULT, lambda: fault_reports.fault_investigate(request.auth, order_id))


@router.post("/supply/fault-reports/{order_id}/reports", response=ServiceOrderOut,
             operation_id="fault_report_reports", summary="Record reports to the manufacturer / Läkemedelsverket")
@api_perm(Perm.WORK_ORDER_HANDLE)
def fault_reports_api(request, order_id: int, payload: ReportsIn):
    return _run(request, order_id, OrderType.FAULT, lambda: fault_reports.fault_record_reports(
        request.auth, order_id, manufacturer_on=payload.manufacturer_on, authority_on=payload.authority_on))


@router.post("/supply/fault-reports/{order_id}/answer", response=ServiceOrderOut,
             operation_id="fault_report_answer", summary="Answer (reaches the reporter only if a reply was asked for)")
@api_perm(Perm.WORK_ORDER_HANDLE)
def fault_answer(request, order_id: int, payload: AnswerIn):
    return _run(request, order_id, OrderType.FAULT, lambda: fault_reports.fault_answer(
        request.auth, order_id, answer=payload.answer))


@router.post("/supply/fault-reports/{order_id}/close", response=ServiceOrderOut, operation_id="fault_report_close",
             summary="Close the report")
@api_perm(Perm.WORK_ORDER_HANDLE)
def fault_close(request, order_id: int):
    return _run(request, order_id, OrderType.FAULT, lambda: fault_reports.fault_close(request.auth, order_id))


class ReuseOut(Schema):
    refurbished: int
    new: int
    percent: float | None


@router.get("/supply/reuse-rate", response=ReuseOut, operation_id="reuse_rate",
            summary="Share of tracked deliveries served from refurbished stock")
@api_perm(Perm.ORDER_HANDLE)
def reuse_rate(request, since: dt.date | None = None):
    r = dashboard.reuse_rate(since=since)
    return {"refurbished": r.refurbished, "new": r.new, "percent": r.percent}
