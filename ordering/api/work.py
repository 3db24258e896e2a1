"""Customer-side API for work orders and consultations (with attachments). POSTs honour `Idempotency-Key`,
other customers' orders answer 404, errors are problem documents."""

import datetime as dt

from ninja import Field, File, Query, Router
from ninja.files import UploadedFile

from access.decorators import api_perm
from access.roles import Perm
from core.idempotency import idempotent

from ..flows import core as order_core
from ..flows import work as work_orders
from ..models import OrderType
from .core import UNIT_ID_DESCRIPTION, ListQuery, OrdererIn, ServiceOrderOut, SummaryOut, load_service_out, service_list
from .enums import PriorityValue, WorkKindIn

router = Router(tags=["service orders"])


# --------------------------------------------------------------------------- work orders


class WorkOrderIn(OrdererIn):
    patient_id: int
    kind: WorkKindIn = Field(..., description="repair_patient | repair_centre | adaptation | special_adaptation | "
                                       "mounting | installation | consultation")
    description: str = Field(..., max_length=2000)
    device_serial: str = Field("", max_length=60, description="A device on the patient (optional)")
    order_line_id: int | None = Field(None, description="A customer-order line of the patient (optional)")
    unit_id: int | None = Field(None, description=UNIT_ID_DESCRIPTION)
    priority: PriorityValue = "normal"
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
            contact_phone=payload.contact_phone, orderer_hsa_id=payload.orderer_hsa_id,
            orderer_username=payload.orderer_username)
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
    def work():
        att = order_core.attachment_add(request.auth, order_id, file)
        return 201, {"id": att.pk, "name": att.name, "size": att.size, "content_type": att.content_type}

    return idempotent(request, work, files=[file])


@router.get("/work-orders/{order_id}", response=ServiceOrderOut, summary="One work order",
            operation_id="work_order_get")
@api_perm(Perm.ORDER_VIEW)
def work_order_get(request, order_id: int):
    return load_service_out(request.auth, order_id, OrderType.WORK)


@router.get("/work-orders", response=list[SummaryOut], summary="Search work orders", operation_id="work_order_list")
@api_perm(Perm.ORDER_VIEW)
def work_orderservice_list(request, q: Query[ListQuery]):
    return service_list(request, OrderType.WORK, q)


