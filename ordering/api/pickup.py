"""Customer-side API for pickup orders and return receipts. POSTs honour `Idempotency-Key`,
other customers' orders answer 404, errors are problem documents."""

import datetime as dt

from ninja import Field, Query, Router, Schema

from access.decorators import api_perm
from access.roles import Perm
from core.idempotency import idempotent

from ..flows import pickup as pickups
from ..models import OrderType
from .core import (
    PDF_RESPONSE,
    UNIT_ID_DESCRIPTION,
    ListQuery,
    OrdererIn,
    ServiceOrderOut,
    SummaryOut,
    api_url,
    load_service_out,
    pdf_response,
    service_list,
)
from .enums import PickupReasonValue

router = Router(tags=["service orders"])


# --------------------------------------------------------------------------- pickups


class PickupLineIn(Schema):
    device_serial: str = Field(..., max_length=60)
    reason: PickupReasonValue = Field(..., description="not_needed | deceased | replaced | wrong_size")


class PickupIn(OrdererIn):
    patient_id: int
    lines: list[PickupLineIn] = Field(..., max_length=pickups.MAX_DEVICES)
    requested_date: dt.date | None = None
    note: str = Field("", max_length=2000)
    unit_id: int | None = Field(None, description=UNIT_ID_DESCRIPTION)
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
            orderer_hsa_id=payload.orderer_hsa_id, orderer_username=payload.orderer_username,
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
def pickupservice_list(request, q: Query[ListQuery]):
    return service_list(request, OrderType.PICKUP, q)


class ReturnReceiptIn(Schema):
    patient_id: int
    device_serials: list[str] = Field(..., max_length=50)


class ReturnReceiptOut(Schema):
    id: int
    number: str
    patient_id: int
    returned_on: dt.date
    device_serials: list[str]
    pdf_url: str = Field(..., description="GET it with the same credentials: /api/v1/return-receipts/{id}/pdf")


@router.post("/return-receipts", response={201: ReturnReceiptOut, 200: ReturnReceiptOut},
             summary="Return receipt: devices handed back at the patient (loans end, devices in transit)",
             operation_id="return_receipt_create")
@api_perm(Perm.ORDER_CREATE)
def return_receipt_create(request, payload: ReturnReceiptIn):
    principal = request.auth

    def work():
        r = pickups.return_receipt_create(principal, payload.patient_id, payload.device_serials)
        return 201, {"id": r.pk, "number": r.number, "patient_id": r.patient_id, "returned_on": r.returned_on,
                     "device_serials": [ln.device.serial for ln in r.lines.select_related("device")],
                     "pdf_url": api_url("return_receipt_pdf", r.pk)}

    return idempotent(request, work)


@router.get("/return-receipts/{receipt_id}/pdf", summary="The return receipt as PDF (other customers: 404)",
            operation_id="return_receipt_pdf", url_name="return_receipt_pdf", openapi_extra=PDF_RESPONSE)
@api_perm(Perm.ORDER_VIEW)
def return_receipt_pdf(request, receipt_id: int):
    from audit.services import patient_access_record

    from ..documents import render_return_receipt

    receipt = pickups.return_receipt_for(request.auth, receipt_id)
    patient_access_record(request.auth, receipt.patient_id, "api_return_receipt_pdf")
    return pdf_response(render_return_receipt(receipt, request.auth), f"aterlamningskvitto-{receipt.number}.pdf")


