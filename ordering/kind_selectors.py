"""Reads for work orders, pickup orders, fault reports and return receipts. Customer-side
principals see only their own customers' orders (others answer 404); every read that shows
patient data writes one patient-access row (through `selectors.patient_for_view` or
`patient_access_record` here)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from core.errors import NotFound

from .flows.core import OPEN_FAULT, OPEN_PICKUP, OPEN_WORK
from .models import Order, OrderEvent, OrderStatus, OrderType, PickupLine, ReturnReceipt, WorkOrderPart
from .selectors import one_visible_order

S = OrderStatus
SEARCH_LIMIT = 50


def visible(principal, order_type: str) -> QuerySet[Order]:
    qs = Order.objects.filter(order_type=order_type)
    if principal.is_supply:
        return qs.exclude(status=S.DRAFT)
    return qs.filter(customer_id__in=principal.customer_ids)


def _with_details(qs, order_type: str):
    if order_type == OrderType.WORK:
        return qs.select_related("patient", "unit", "work_detail", "work_detail__device",
                                 "work_detail__device__article", "work_detail__technician")
    if order_type == OrderType.FAULT:
        return qs.select_related("patient", "unit", "fault_detail", "fault_detail__device",
                                 "fault_detail__article", "fault_detail__related_order")
    return qs.select_related("patient", "unit").prefetch_related(
        Prefetch("pickup_lines", queryset=PickupLine.objects.select_related("device", "device__article")))


@dataclass
class ServiceFilter:
    status: str = ""
    number: str = ""
    patient_id: int | None = None
    kind: str = ""
    planned_from: dt.date | None = None
    planned_to: dt.date | None = None
    customer_id: int | None = None


def service_order_search(principal, order_type: str, flt: ServiceFilter, *, limit: int = SEARCH_LIMIT
                         ) -> list[Order]:
    qs = visible(principal, order_type)
    if flt.status:
        qs = qs.filter(status=flt.status)
    if flt.number:
        qs = qs.filter(number__istartswith=flt.number.strip())
    if flt.patient_id:
        qs = qs.filter(patient_id=flt.patient_id)
    if flt.kind:
        qs = qs.filter(kind=flt.kind)
    if flt.planned_from:
        qs = qs.filter(planned_date__gte=flt.planned_from)
    if flt.planned_to:
        qs = qs.filter(planned_date__lte=flt.planned_to)
    if flt.customer_id:
        qs = qs.filter(customer_id=flt.customer_id)
    order_by = ("planned_date", "id") if (flt.planned_from or flt.planned_to) else ("-created_at", "-id")
    return list(_with_details(qs, order_type).order_by(*order_by)[:limit])


def service_order_get(principal, order_id, order_type: str, *, view: str = "") -> Order:
    """One service order with its details and history; one patient-access row when it is for a
    patient and `view` names the page."""
    try:
        order_id = int(order_id)
    except (TypeError, ValueError):
        raise NotFound(_("Ordern finns inte.")) from None
    qs = _with_details(visible(principal, order_type), order_type).select_related(
        "customer", "orderer", "prescriber").prefetch_related(
        Prefetch("events", queryset=OrderEvent.objects.order_by("at", "id")), "attachments")
    if order_type == OrderType.WORK:
        qs = qs.prefetch_related(Prefetch("work_parts", queryset=WorkOrderPart.objects.select_related("article")))
    return one_visible_order(principal, qs, order_id, view)


@dataclass
class PatientServiceOrders:
    work_orders: list[Order]
    pickups: list[Order]
    fault_reports: list[Order]
    receipts: list[ReturnReceipt]


def patient_service_orders(principal, patient_id: int, *, limit: int = 50) -> PatientServiceOrders:
    """Open and recent service orders of a patient (for the patient view). The page that calls
    this has already written the patient-access row."""
    base = Order.objects.filter(patient_id=patient_id, order_type__in=(OrderType.WORK, OrderType.PICKUP,
                                                                       OrderType.FAULT))
    if principal.is_supply:
        base = base.exclude(status=S.DRAFT)
    else:
        base = base.filter(customer_id__in=principal.customer_ids)
    rows = list(base.select_related("work_detail__device", "fault_detail__device")
                .order_by("-created_at", "-id")[: limit * 3])
    pickups = [o for o in rows if o.order_type == OrderType.PICKUP]
    if pickups:
        lines: dict[int, list] = {}
        for pl in PickupLine.objects.filter(order__in=pickups).select_related("device"):
            lines.setdefault(pl.order_id, []).append(pl)
        for o in pickups:
            o.service_lines = lines.get(o.pk, [])
    receipts = ReturnReceipt.objects.filter(patient_id=patient_id)
    if not principal.is_supply:
        receipts = receipts.filter(customer_id__in=principal.customer_ids)
    return PatientServiceOrders(
        work_orders=[o for o in rows if o.order_type == OrderType.WORK][:limit],
        pickups=pickups[:limit],
        fault_reports=[o for o in rows if o.order_type == OrderType.FAULT][:limit],
        receipts=list(receipts.order_by("-created_at")[:20]),
    )


def devices_on_patient(patient) -> list:
    from stock.models import Loan

    return [loan.device for loan in Loan.objects.filter(patient=patient, ended_on__isnull=True)
            .select_related("device", "device__article").order_by("device__serial")]


def order_lines_for_patient(principal, patient, *, limit: int = 50) -> list:
    """The patient's customer-order lines (newest first) that a work order may name."""
    from .models import OrderLine

    qs = OrderLine.objects.filter(order__patient=patient, order__order_type=OrderType.CUSTOMER).exclude(
        order__status__in=(S.DRAFT, S.WITHDRAWN, S.CANCELLED))
    if not principal.is_supply:
        qs = qs.filter(order__customer_id__in=principal.customer_ids)
    return list(qs.select_related("order", "article").order_by("-order__created_at", "line_no")[:limit])


def open_statuses(order_type: str) -> tuple:
    return {OrderType.WORK: OPEN_WORK, OrderType.PICKUP: OPEN_PICKUP, OrderType.FAULT: OPEN_FAULT}[order_type]


def technician_work(user, *, limit: int = 100) -> list[Order]:
    """A technician's planned and ongoing work orders, earliest planned first."""
    return list(Order.objects.filter(order_type=OrderType.WORK, work_detail__technician=user,
                                     status__in=(S.ACCEPTED, S.IN_PROGRESS))
                .select_related("patient", "work_detail__device__article")
                .order_by("planned_date", "id")[:limit])


def order_type_of(order_id) -> str | None:
    """The order's type (None when there is no such order or the id is not a number)."""
    try:
        return Order.objects.filter(pk=int(order_id)).values_list("order_type", flat=True).first()
    except (TypeError, ValueError):
        return None


def work_order_technician_id(order_id: int) -> int | None:
    from .models import WorkOrderDetail

    return WorkOrderDetail.objects.filter(order_id=order_id).values_list("technician_id", flat=True).first()
