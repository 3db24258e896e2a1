"""What the order API's modules share: the event schema, and the schemas and helpers of the
service-order kinds (work orders, pickups, fault reports)."""
import datetime as dt

from ninja import Field, Schema

from .. import kind_selectors
from ..models import Order, OrderType
from .enums import (
    EventTypeValue,
    OrderStatusValue,
    OrderTypeValue,
    PriorityValue,
    ServiceKindValue,
    StatusFilter,
    StatusOrEmpty,
)


class EventOut(Schema):
    at: dt.datetime
    event_type: EventTypeValue
    actor: str
    from_status: StatusOrEmpty
    to_status: StatusOrEmpty
    reason: str
    data: dict


def event_out(e) -> dict:
    """One order event for `EventOut` (customer and service orders alike)."""
    return {"at": e.at, "event_type": e.event_type, "actor": e.actor_label, "from_status": e.from_status,
            "to_status": e.to_status, "reason": e.reason, "data": e.data}


PDF_RESPONSE = {"responses": {200: {"description": "PDF", "content": {
    "application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}}


def pdf_response(content: bytes, filename: str):
    from django.http import HttpResponse

    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def api_url(name: str, *args) -> str:
    from django.urls import reverse

    return reverse(f"api:{name}", args=args)


# --------------------------------------------------------------------------- schemas


UNIT_ID_DESCRIPTION = ("Ordering unit; must belong to the caller. A system client must name it unless its "
                       "organisation has exactly one active unit")


class OrdererIn(Schema):
    """Who orders, for system clients (a logged-in user is the orderer themselves)."""

    orderer_hsa_id: str = Field("", max_length=44, description="The orderer's personal HSA-id (system clients "
                                "name the orderer: a user with a role at the unit)")
    orderer_username: str = Field("", max_length=150, description="The orderer's user name (instead of "
                                  "orderer_hsa_id)")


class ServiceOrderOut(Schema):
    id: int
    number: str
    order_type: OrderTypeValue
    kind: ServiceKindValue
    status: OrderStatusValue
    customer_id: int
    unit_id: int | None
    patient_id: int | None
    priority: PriorityValue
    requested_date: dt.date | None
    planned_date: dt.date | None
    note: str
    closed_reason: str
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    details: dict
    events: list[EventOut] = []


def service_details(order: Order, principal=None) -> dict:
    """Kind-specific details. A fault report's `answer` goes to the customer only when the
    reporter asked for a reply (`reply_to_reporter`); the supply centre always sees it."""
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
        "answer": d.answer if (d.reply_to_reporter or (principal is not None and principal.is_supply)) else "",
        "label_url": api_url("fault_report_label", order.pk),
    }


def service_order_out(order: Order, principal=None) -> dict:
    return {
        "id": order.pk, "number": order.number, "order_type": order.order_type, "kind": order.kind,
        "status": order.status, "customer_id": order.customer_id, "unit_id": order.unit_id,
        "patient_id": order.patient_id, "priority": order.priority, "requested_date": order.requested_date,
        "planned_date": order.planned_date, "note": order.note, "closed_reason": order.closed_reason,
        "created_at": order.created_at, "submitted_at": order.submitted_at, "details": service_details(order, principal),
        "events": [event_out(e) for e in order.events.all()],
    }


def load_service_out(principal, order_id: int, order_type: str) -> dict:
    return service_order_out(kind_selectors.service_order_get(principal, order_id, order_type,
                                                                 view=f"api_{order_type}_order"), principal)


class ListQuery(Schema):
    status: StatusFilter = ""
    number: str = Field("", max_length=16)
    patient_id: int | None = None
    planned_from: dt.date | None = None
    planned_to: dt.date | None = None
    limit: int = Field(50, ge=1, le=200)


class SummaryOut(Schema):
    id: int
    number: str
    kind: ServiceKindValue
    status: OrderStatusValue
    patient_id: int | None
    created_at: dt.datetime
    planned_date: dt.date | None


def service_list(request, order_type: str, q: ListQuery):
    flt = kind_selectors.ServiceFilter(status=q.status, number=q.number, patient_id=q.patient_id,
                                          planned_from=q.planned_from, planned_to=q.planned_to)
    return kind_selectors.service_order_search(request.auth, order_type, flt, limit=q.limit)
