"""Customer-side API for service orders: work orders (with attachments), pickup orders, return
receipts and fault reports. Same style as customer orders: POSTs honour `Idempotency-Key`,
other customers' orders answer 404, errors are problem documents."""

import datetime as dt

from ninja import Field, File, Query, Router, Schema
from ninja.files import UploadedFile

from access.decorators import api_perm
from access.roles import Perm

from . import fault_reports, pickups, service_common, service_selectors, work_orders
from .api import EventOut, event_out, idempotent
from .models import Order, OrderType

router = Router(tags=["service orders"])


# --------------------------------------------------------------------------- schemas


class ServiceOrderOut(Schema):
    id: int
    number: str
    order_type: str
    kind: str
    status: str
    customer_id: int
    unit_id: int | None
    patient_id: int | None
    priority: str
    requested_date: dt.date | None
    planned_date: dt.date | None
    note: str
    closed_reason: str
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    details: dict
    events: list[EventOut] = []


def _details(order: Order) -> dict:
    if order.order_type == OrderType.WORK:
        d = getattr(order, "work_detail", None)
        return {} if d is None else {
            "device_serial": d.device.serial if d.device_id else None, "order_line_id": d.order_line_id,
            "technician": (d.technician.get_full_name() or d.technician.username) if d.technician_id else None,
            "report": d.report, "hours": str(d.hours) if d.hours is not None else None,
            "completed_at": d.completed_at.isoformat() if d.completed_at else None,
            "parts": [{"article_number": p.article.article_number, "quantity": p.quantity}
                      for p in order.work_parts.all()],
            "attachments": [{"id": a.pk, "name": a.name, "size": a.size} for a in order.attachments.all()],
        }
    if order.order_type == OrderType.PICKUP:
        return {"lines": [{"device_serial": ln.device.serial, "reason": ln.reason,
                           "loan_ended_on": ln.loan_ended_on.isoformat() if ln.loan_ended_on else None,
                           "received": ln.received_at is not None} for ln in order.pickup_lines.all()]}
    d = getattr(order, "fault_detail", None)
    if d is None:
        return {}
    return {
        "concerns": d.concerns, "article_number": d.article.article_number if d.article_id else None,
        "device_serial": d.device.serial if d.device_id else None,
        "related_order": d.related_order.number if d.related_order_id else None, "description": d.description,
        "occurred_on": d.occurred_on.isoformat(), "injury": d.injury, "remedy": d.remedy,
        "return_method": d.return_method, "reply_to_reporter": d.reply_to_reporter,
        "reported_to_manufacturer_on": str(d.reported_to_manufacturer_on or "") or None,
        "reported_to_authority_on": str(d.reported_to_authority_on or "") or None,
        "answer": d.answer if (d.reply_to_reporter or order.status in ("answered", "closed")) else "",
    }


def service_order_out(order: Order) -> dict:
    return {
        "id": order.pk, "number": order.number, "order_type": order.order_type, "kind": order.kind,
        "status": order.status, "customer_id": order.customer_id, "unit_id": order.unit_id,
        "patient_id": order.patient_id, "priority": order.priority, "requested_date": order.requested_date,
        "planned_date": order.planned_date, "note": order.note, "closed_reason": order.closed_reason,
        "created_at": order.created_at, "submitted_at": order.submitted_at, "details": _details(order),
        "events": [event_out(e) for e in order.events.all()],
    }


def load_service_out(principal, order_id: int, order_type: str) -> dict:
    return service_order_out(service_selectors.service_order_get(principal, order_id, order_type,
                                                                 view=f"api_{order_type}_order"))


class ListQuery(Schema):
    status: str = Field("", max_length=20)
    number: str = Field("", max_length=16)
    patient_id: int | None = None
    planned_from: dt.date | None = None
    planned_to: dt.date | None = None
    limit: int = Field(50, ge=1, le=200)


class SummaryOut(Schema):
    id: int
    number: str
    kind: str
    status: str
    patient_id: int | None
    created_at: dt.datetime
    planned_date: dt.date | None


def _list(request, order_type: str, q: ListQuery):
    flt = service_selectors.ServiceFilter(status=q.status, number=q.number, patient_id=q.patient_id,
                                          planned_from=q.planned_from, planned_to=q.planned_to)
    return service_selectors.service_order_search(request.auth, order_type, flt, limit=q.limit)


# --------------------------------------------------------------------------- work orders


class WorkOrderIn(Schema):
    patient_id: int
    kind: str = Field(..., description="repair_patient | repair_centre | adaptation | special_adaptation | "
                                       "mounting | installation | consultation")
    description: str = Field(..., max_length=2000)
    device_serial: str = Field("", max_length=60, description="A device on the patient (optional)")
    order_line_id: int | None = Field(None, description="A customer-order line of the patient (optional)")
    unit_id: int | None = None
    priority: str = "normal"
    requested_date: dt.date | None = None
    contact_name: str = Field("", max_length=120)
    contact_phone: str = Field("", max_length=30)
    submit: bool = Field(True, description="Submit at once (otherwise a draft)")


@router.post("/work-orders", response={201: ServiceOrderOut, 200: ServiceOrderOut},
             summary="Create a work order or consultation", operation_id="work_order_create")
@api_perm(Perm.ORDER_CREATE)
def work_order_create(request, payload: WorkOrderIn):
    principal = request.auth

    def work():
        data = work_orders.WorkOrderInput(
            patient_id=payload.patient_id, kind=payload.kind, description=payload.description,
            device_serial=payload.device_serial, order_line_id=payload.order_line_id, unit_id=payload.unit_id,
            priority=payload.priority, requested_date=payload.requested_date, contact_name=payload.contact_name,
            contact_phone=payload.contact_phone)
        order = work_orders.work_order_create(principal, data, submit=payload.submit)
        return 201, load_service_out(principal, order.pk, OrderType.WORK)

    return idempotent(request, work)


@router.post("/work-orders/{order_id}/submit", response=ServiceOrderOut, summary="Submit a work-order draft "
             "(idempotent)", operation_id="work_order_submit")
@api_perm(Perm.ORDER_CREATE)
def work_order_submit(request, order_id: int):
    def work():
        work_orders.work_order_submit(request.auth, order_id)
        return 200, load_service_out(request.auth, order_id, OrderType.WORK)

    return idempotent(request, work)


@router.post("/work-orders/{order_id}/attachments", response={201: dict}, summary="Attach a document (PDF, PNG, "
             "JPEG; size limit)", operation_id="work_order_attach")
@api_perm(Perm.ORDER_CREATE)
def work_order_attach(request, order_id: int, file: File[UploadedFile]):
    att = service_common.attachment_add(request.auth, order_id, file)
    return 201, {"id": att.pk, "name": att.name, "size": att.size, "content_type": att.content_type}


@router.get("/work-orders/{order_id}", response=ServiceOrderOut, summary="One work order",
            operation_id="work_order_get")
@api_perm(Perm.ORDER_VIEW)
def work_order_get(request, order_id: int):
    return load_service_out(request.auth, order_id, OrderType.WORK)


@router.get("/work-orders", response=list[SummaryOut], summary="Search work orders", operation_id="work_order_list")
@api_perm(Perm.ORDER_VIEW)
def work_order_list(request, q: Query[ListQuery]):
    return _list(request, OrderType.WORK, q)


# --------------------------------------------------------------------------- pickups


class PickupLineIn(Schema):
    device_serial: str = Field(..., max_length=60)
    reason: str = Field(..., description="not_needed | deceased | replaced | wrong_size")


class PickupIn(Schema):
    patient_id: int
    lines: list[PickupLineIn] = Field(..., max_length=pickups.MAX_DEVICES)
    requested_date: dt.date | None = None
    note: str = Field("", max_length=2000)
    unit_id: int | None = None
    contact_name: str = Field("", max_length=120)
    contact_phone: str = Field("", max_length=30)


@router.post("/pickup-orders", response={201: ServiceOrderOut, 200: ServiceOrderOut},
             summary="Create a pickup order (born submitted)", operation_id="pickup_create")
@api_perm(Perm.ORDER_CREATE)
def pickup_create(request, payload: PickupIn):
    principal = request.auth

    def work():
        order = pickups.pickup_create(principal, pickups.PickupInput(
            patient_id=payload.patient_id, requested_date=payload.requested_date, note=payload.note,
            unit_id=payload.unit_id, contact_name=payload.contact_name, contact_phone=payload.contact_phone,
            lines=[pickups.PickupLineInput(ln.device_serial, ln.reason) for ln in payload.lines]))
        return 201, load_service_out(principal, order.pk, OrderType.PICKUP)

    return idempotent(request, work)


@router.get("/pickup-orders/{order_id}", response=ServiceOrderOut, summary="One pickup order",
            operation_id="pickup_get")
@api_perm(Perm.ORDER_VIEW)
def pickup_get(request, order_id: int):
    return load_service_out(request.auth, order_id, OrderType.PICKUP)


@router.get("/pickup-orders", response=list[SummaryOut], summary="Search pickup orders (planned_from/_to: the "
            "planned pickup date)", operation_id="pickup_list")
@api_perm(Perm.ORDER_VIEW)
def pickup_list(request, q: Query[ListQuery]):
    return _list(request, OrderType.PICKUP, q)


class ReturnReceiptIn(Schema):
    patient_id: int
    device_serials: list[str] = Field(..., max_length=50)


class ReturnReceiptOut(Schema):
    id: int
    number: str
    patient_id: int
    returned_on: dt.date
    device_serials: list[str]
    pdf_url: str


@router.post("/return-receipts", response={201: ReturnReceiptOut, 200: ReturnReceiptOut},
             summary="Return receipt: devices handed back at the patient (loans end, devices in transit)",
             operation_id="return_receipt_create")
@api_perm(Perm.ORDER_CREATE)
def return_receipt_create(request, payload: ReturnReceiptIn):
    from django.urls import reverse

    principal = request.auth

    def work():
        r = pickups.return_receipt_create(principal, payload.patient_id, payload.device_serials)
        return 201, {"id": r.pk, "number": r.number, "patient_id": r.patient_id, "returned_on": r.returned_on,
                     "device_serials": [ln.device.serial for ln in r.lines.select_related("device")],
                     "pdf_url": reverse("ordering:receipt_pdf", args=[r.pk])}

    return idempotent(request, work)


# --------------------------------------------------------------------------- fault reports


class FaultReportIn(Schema):
    kind: str = Field(..., description="negative_event | near_miss | complaint")
    concerns: str = Field(..., description="article | device | service")
    description: str = Field(..., max_length=4000)
    occurred_on: dt.date
    patient_id: int | None = None
    article_number: str = Field("", max_length=35)
    device_serial: str = Field("", max_length=60)
    related_order_id: int | None = Field(None, description="Work order or customer order (delivery) concerned")
    injury: bool = False
    remedy: str = Field("none", description="replacement | same_back | none")
    return_method: str = Field("none", description="shipping | technician | none")
    reply_to_reporter: bool = False
    unit_id: int | None = None
    contact_name: str = Field("", max_length=120)
    contact_phone: str = Field("", max_length=30)


@router.post("/fault-reports", response={201: ServiceOrderOut, 200: ServiceOrderOut},
             summary="Report a negative event, near-miss or complaint (born registered)",
             operation_id="fault_report_create")
@api_perm(Perm.ORDER_CREATE)
def fault_report_create(request, payload: FaultReportIn):
    principal = request.auth

    def work():
        order = fault_reports.fault_report_create(principal, fault_reports.FaultReportInput(**payload.dict()))
        return 201, load_service_out(principal, order.pk, OrderType.FAULT)

    return idempotent(request, work)


@router.get("/fault-reports/{order_id}", response=ServiceOrderOut, summary="One fault report",
            operation_id="fault_report_get")
@api_perm(Perm.ORDER_VIEW)
def fault_report_get(request, order_id: int):
    return load_service_out(request.auth, order_id, OrderType.FAULT)


@router.get("/fault-reports", response=list[SummaryOut], summary="Search fault reports",
            operation_id="fault_report_list")
@api_perm(Perm.ORDER_VIEW)
def fault_report_list(request, q: Query[ListQuery]):
    return _list(request, OrderType.FAULT, q)


__all__ = ["router"]
