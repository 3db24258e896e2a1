"""Supply-side API for fault reports: investigate, reports, answer, close."""

import datetime as dt

from ninja import Field, Query, Router, Schema

from access.decorators import api_perm
from access.roles import Perm
from ordering.api.core import ListQuery, ServiceOrderOut, SummaryOut
from ordering.flows import fault as fault_reports
from ordering.models import OrderType

from .core import _list, _run

router = Router(tags=["supply service"])


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
