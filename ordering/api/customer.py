"""Customer-side order API: create (draft, optionally submitted at once), submit, withdraw,
get and list customer orders. Every POST honours `Idempotency-Key`."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from access.decorators import api_perm
from access.roles import Perm
from core.errors import NotFound, ValidationFailed
from core.idempotency import idempotent

from .. import pricing, selectors
from ..flows import core as order_core
from ..flows import customer as services
from ..models import Order
from .core import PDF_RESPONSE, UNIT_ID_DESCRIPTION, EventOut, OrdererIn, event_out, pdf_response
from .enums import (
    AnyKindValue,
    CustomerKindIn,
    CustomerKindValue,
    CustomerStatusFilter,
    DeliveryToValue,
    LoanTypeIn,
    LoanTypeValue,
    OrderStatusValue,
    OrderTypeValue,
    PriorityValue,
)

router = Router()


# --------------------------------------------------------------------------- schemas


class LineIn(Schema):
    article_number: str = Field(..., min_length=1, max_length=35, description="Artikelnummer")
    quantity: int = Field(1, description=f"1–{services.MAX_QUANTITY}")
    main_line_no: int | None = Field(None, description="Index (1-based) of the main-device line this accessory fits")
    loan_type: LoanTypeIn = Field("", description="Tracked articles to a patient: permanent | time_limited | "
                                                  "short_term | trial (\"\" = the article's default)")
    loan_until: dt.date | None = Field(None, description="Return date (time_limited, short_term) or end of the "
                                                         "trial; required for time_limited and trial")


class OrderCreateIn(OrdererIn):
    patient_id: int | None = None
    patient_identity_number: str | None = Field(None, max_length=13,
                                                description="Personnummer/samordningsnummer instead of patient_id")
    unit_id: int | None = Field(None, description=UNIT_ID_DESCRIPTION)
    kind: CustomerKindIn = Field("to_patient", description="to_patient | to_unit | buffer_manual")
    delivery_to: DeliveryToValue = Field("", description="stay_address | registered_address | delivery_point (default: stay "
                                             "address if any, else registered)")
    delivery_point_id: int | None = None
    contact_name: str = Field("", max_length=120)
    contact_phone: str = Field("", max_length=30)
    priority: PriorityValue = Field("normal", description="normal | urgent (urgent fee applies)")
    requested_date: dt.date | None = None
    note: str = Field("", max_length=services.NOTE_MAX)
    lines: list[LineIn] = Field(default_factory=list, max_length=services.MAX_LINES)
    template_id: int | None = None
    submit: bool = Field(False, description="Submit at once (otherwise a draft is created)")


class ReasonIn(Schema):
    reason: str = Field("", max_length=services.REASON_MAX)


class LineOut(Schema):
    id: int
    line_no: int
    article_number: str
    article_name: str
    quantity: int
    delivered_quantity: int
    allocated_quantity: int
    backordered_quantity: int
    device_serial: str | None = None
    monthly_rent: Decimal | None = None
    unit_price: Decimal | None = None
    loan_type: LoanTypeIn = Field("", description="The loan the device gets (\"\": not lent)")
    loan_until: dt.date | None = None


class OrderOut(Schema):
    id: int
    number: str
    order_type: OrderTypeValue
    kind: AnyKindValue  # the order page serves every kind by id (a work order too)
    status: OrderStatusValue
    customer_id: int
    unit_id: int | None
    cost_centre_id: int | None
    patient_id: int | None
    priority: PriorityValue
    urgent_fee: Decimal | None
    requested_date: dt.date | None
    promised_date: dt.date | None
    planned_date: dt.date | None
    delivery_to: DeliveryToValue
    delivery_point_id: int | None
    contact_name: str
    contact_phone: str
    note: str
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    confirmed_at: dt.datetime | None
    delivered_at: dt.datetime | None
    closed_reason: str
    is_fallback: bool = Field(description="Entered afterwards from a paper order of the fallback routine "
                                                 "(reservrutin); its created_at and submitted_at are the paper's time")
    estimated_monthly_cost: Decimal
    purchases_total: Decimal
    lines: list[LineOut]
    events: list[EventOut] = []


class OrderSummaryOut(Schema):
    id: int
    number: str
    status: OrderStatusValue
    kind: CustomerKindValue
    patient_id: int | None
    unit_id: int | None
    priority: PriorityValue
    created_at: dt.datetime
    promised_date: dt.date | None
    planned_date: dt.date | None
    is_fallback: bool = Field(description="Entered afterwards from a paper order of the fallback routine "
                                                 "(reservrutin); its created_at and submitted_at are the paper's time")


def order_out(order: Order, *, events: bool = True) -> dict:
    lines = getattr(order, "_created_lines", None) or list(order.lines.all())
    totals = pricing.cost_estimate(lines, urgent=order.priority == "urgent")
    return {
        "id": order.pk, "number": order.number, "order_type": order.order_type, "kind": order.kind,
        "status": order.status, "customer_id": order.customer_id, "unit_id": order.unit_id,
        "cost_centre_id": order.cost_centre_id, "patient_id": order.patient_id, "priority": order.priority,
        "urgent_fee": order.urgent_fee, "requested_date": order.requested_date,
        "promised_date": order.promised_date, "planned_date": order.planned_date, "delivery_to": order.delivery_to,
        "delivery_point_id": order.delivery_point_id, "contact_name": order.contact_name,
        "contact_phone": order.contact_phone, "note": order.note, "created_at": order.created_at,
        "submitted_at": order.submitted_at, "confirmed_at": order.confirmed_at, "delivered_at": order.delivered_at,
        "closed_reason": order.closed_reason, "is_fallback": order.is_fallback,
        "estimated_monthly_cost": totals.monthly_rent, "purchases_total": totals.purchases,
        "lines": [{
            "id": ln.pk, "line_no": ln.line_no, "article_number": ln.article.article_number,
            "article_name": ln.article.name, "quantity": ln.quantity, "delivered_quantity": ln.delivered_quantity,
            "allocated_quantity": ln.allocated_quantity, "backordered_quantity": ln.backordered_quantity,
            "device_serial": ln.device.serial if ln.device_id else None, "monthly_rent": ln.monthly_rent,
            "unit_price": ln.unit_price, "loan_type": ln.loan_type, "loan_until": ln.loan_until,
        } for ln in lines],
        "events": [event_out(e) for e in order.events.all()] if events else [],
    }


def created_order_out(order: Order) -> dict:
    """The response for an order just created in this request, from the objects in memory
    (no patient data in it, so no patient-access row; GET /orders/{id} writes one)."""
    out = order_out(order, events=False)
    out["events"] = [{"at": order.updated_at, "event_type": "transition", "actor": "", "from_status": "",
                      "to_status": "draft", "reason": "", "data": {}}]
    if order.status != "draft":
        out["events"].append({"at": order.updated_at, "event_type": "transition", "actor": "",
                              "from_status": "draft", "to_status": order.status, "reason": "", "data": {}})
    return out


def load_order_out(principal, order_id: int) -> dict:
    return order_out(selectors.order_get(principal, order_id, with_patient_access="api_order"))


def _patient_id_from(principal, payload: OrderCreateIn) -> int | None:
    if payload.patient_id:
        return payload.patient_id
    if not payload.patient_identity_number:
        return None
    from patients.identity import known_identity_number
    from patients.models import Patient

    try:
        number = known_identity_number(payload.patient_identity_number)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, errors={"patient_identity_number": [exc.message]}) from None
    patient = Patient.objects.filter(identity_number=number).first()
    if patient is None or not order_core.patient_visible(principal, patient):
        raise NotFound(_("Patienten finns inte."))
    return patient.pk


# --------------------------------------------------------------------------- endpoints


@router.post("/orders", response={201: OrderOut, 200: OrderOut}, summary="Create a customer order (draft, or "
             "submitted with submit=true)", operation_id="order_create")
@api_perm(Perm.ORDER_CREATE)
def create_order(request, payload: OrderCreateIn):
    principal = request.auth

    def work():
        data = services.DraftInput(
            patient_id=_patient_id_from(principal, payload), unit_id=payload.unit_id, kind=payload.kind,
            delivery_to=payload.delivery_to, delivery_point_id=payload.delivery_point_id,
            contact_name=payload.contact_name, contact_phone=payload.contact_phone, priority=payload.priority,
            requested_date=payload.requested_date, note=payload.note, template_id=payload.template_id,
            orderer_hsa_id=payload.orderer_hsa_id, orderer_username=payload.orderer_username,
            lines=[services.LineInput(ln.article_number, ln.quantity, ln.main_line_no, ln.loan_type, ln.loan_until)
                   for ln in payload.lines],
        )
        order = services.order_draft_create(principal, data, submit=payload.submit)
        return 201, created_order_out(order)

    return idempotent(request, work)


@router.post("/orders/{order_id}/submit", response=OrderOut, summary="Submit a draft (idempotent)",
             operation_id="order_submit")
@api_perm(Perm.ORDER_CREATE)
def submit_order(request, order_id: int):
    principal = request.auth

    def work():
        services.order_submit(principal, order_id)
        return 200, load_order_out(principal, order_id)

    return idempotent(request, work)


@router.post("/orders/{order_id}/withdraw", response=OrderOut, summary="Withdraw an order before confirmation",
             operation_id="order_withdraw")
@api_perm(Perm.ORDER_CREATE)
def withdraw_order(request, order_id: int, payload: ReasonIn):
    principal = request.auth

    def work():
        services.order_withdraw(principal, order_id, payload.reason)
        return 200, load_order_out(principal, order_id)

    return idempotent(request, work)


@router.get("/orders/{order_id}", response=OrderOut, summary="One order with lines and history",
            operation_id="order_get")
@api_perm(Perm.ORDER_VIEW)
def get_order(request, order_id: int):
    principal = request.auth
    return load_order_out(principal, order_id)


class OrderListQuery(Schema):
    number: str = Field("", max_length=16)
    patient_id: int | None = None
    status: CustomerStatusFilter = ""
    unit_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    limit: int = Field(50, ge=1, le=200)


@router.get("/orders", response=list[OrderSummaryOut], summary="Search customer orders",
            operation_id="order_list")
@api_perm(Perm.ORDER_VIEW)
def list_orders(request, q: Query[OrderListQuery]):
    principal = request.auth
    flt = selectors.OrderFilter(number=q.number, patient_id=q.patient_id, status=q.status, unit_id=q.unit_id,
                                date_from=q.date_from, date_to=q.date_to)
    return selectors.order_search(principal, flt, limit=q.limit)


# --------------------------------------------------------------------------- devices on loan


class PatientDeviceOut(Schema):
    serial: str
    article_number: str
    article_name: str
    since: dt.date = Field(..., description="The loan's start date")
    cost_centre_id: int | None
    cost_centre_code: str | None
    customer_id: int
    loan_id: int
    loan_type: LoanTypeValue
    loan_until: dt.date | None = Field(None, description="Return date, or the end of a trial")


@router.get("/patients/{patient_id}/devices", response=list[PatientDeviceOut],
            summary="The patient's devices on loan (for the customer that owns each loan)",
            operation_id="patient_devices")
@api_perm(Perm.PATIENT_VIEW)
def patient_devices(request, patient_id: int):
    return [{"serial": loan.device.serial, "article_number": loan.device.article.article_number,
             "article_name": loan.device.article.name, "since": loan.started_on,
             "cost_centre_id": loan.cost_centre_id,
             "cost_centre_code": loan.cost_centre.code if loan.cost_centre_id else None,
             "customer_id": loan.customer_id, "loan_id": loan.pk, "loan_type": loan.loan_type,
             "loan_until": loan.loan_until}
            for loan in selectors.patient_devices(request.auth, patient_id)]


@router.get("/deliveries/{delivery_id}/delivery-note", summary="A delivery's delivery note as PDF (other "
            "customers: 404)", operation_id="delivery_note", url_name="delivery_note", openapi_extra=PDF_RESPONSE)
@api_perm(Perm.ORDER_VIEW)
def delivery_note(request, delivery_id: int):
    from ..delivery_note import render_delivery_note

    delivery = selectors.delivery_for_note(request.auth, delivery_id)
    return pdf_response(render_delivery_note(delivery, request.auth),
                        f"foljesedel-{delivery.order.number}-{delivery.pk}.pdf")
