"""Customer-side API for fault reports (negative events, near-misses, complaints). POSTs honour `Idempotency-Key`,
other customers' orders answer 404, errors are problem documents."""

import datetime as dt

from ninja import Field, Query, Router

from access.decorators import api_perm
from access.roles import Perm
from core.idempotency import idempotent

from ..flows import fault as fault_reports
from ..models import OrderType
from .core import (
    PDF_RESPONSE,
    UNIT_ID_DESCRIPTION,
    ListQuery,
    OrdererIn,
    ServiceOrderOut,
    SummaryOut,
    load_service_out,
    pdf_response,
    service_list,
)
from .enums import FaultConcernsValue, FaultKindValue, FaultRemedyValue, FaultReturnMethodValue

router = Router(tags=["service orders"])


# --------------------------------------------------------------------------- fault reports


class FaultReportIn(OrdererIn):
    kind: FaultKindValue = Field(..., description="negative_event | near_miss | complaint")
    concerns: FaultConcernsValue = Field(..., description="article | device | service")
    description: str = Field(..., max_length=4000)
    occurred_on: dt.date
    patient_id: int | None = None
    article_number: str = Field("", max_length=35)
    device_serial: str = Field("", max_length=60)
    related_order_id: int | None = Field(None, description="Work order or customer order (delivery) concerned")
    injury: bool = False
    remedy: FaultRemedyValue = Field("none", description="replacement | same_back | none")
    return_method: FaultReturnMethodValue = Field("none", description="shipping | technician | none")
    reply_to_reporter: bool = False
    unit_id: int | None = Field(None, description=UNIT_ID_DESCRIPTION)
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
def fault_reportservice_list(request, q: Query[ListQuery]):
    return service_list(request, OrderType.FAULT, q)


@router.get("/fault-reports/{order_id}/label", summary="The fault report's return label as PDF (other customers: "
            "404)", operation_id="fault_report_label", url_name="fault_report_label", openapi_extra=PDF_RESPONSE)
@api_perm(Perm.ORDER_VIEW)
def fault_report_label(request, order_id: int):
    from .. import kind_selectors
    from ..documents import render_fault_label

    order = kind_selectors.service_order_get(request.auth, order_id, OrderType.FAULT, view="api_fault_label")
    return pdf_response(render_fault_label(order), f"etikett-{order.number}.pdf")
