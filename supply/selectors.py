"""Reads for the supply centre's service work: the device history (individkort) and the
technician's list."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from audit.services import patient_access_record
from ordering.models import (
    FaultReportDetail,
    OrderLine,
    OrderStatus,
    OrderType,
    PickupLine,
    ReturnReceiptLine,
    WorkOrderDetail,
)


@dataclass
class HistoryItem:
    at: dt.datetime
    kind: str  # loan | order | work_order | pickup | fault_report | movement | return_receipt
    label: str
    text: str
    order: object = None
    patient: object = None


@dataclass
class DeviceHistory:
    device: object
    loans: list = field(default_factory=list)
    customer_orders: list = field(default_factory=list)
    work_orders: list = field(default_factory=list)
    pickups: list = field(default_factory=list)
    fault_reports: list = field(default_factory=list)
    movements: list = field(default_factory=list)
    items: list[HistoryItem] = field(default_factory=list)


def _aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(0, 0)))


def device_history(device, *, principal=None, view: str = "", movement_limit: int = 200) -> DeviceHistory:
    """The device's whole history: loans, customer orders, work orders, pickups, fault reports
    and stock movements, newest first. Writes one patient-access row per patient shown when
    `principal` and `view` are given."""
    loans = list(device.loans.select_related("patient", "customer").order_by("-started_on", "-pk"))
    lines = list(OrderLine.objects.filter(device=device).select_related("order").order_by("-order__created_at"))
    work = list(WorkOrderDetail.objects.filter(device=device).select_related("order", "technician")
                .order_by("-order__created_at"))
    pickups = list(PickupLine.objects.filter(device=device).select_related("order").order_by("-order__created_at"))
    faults = list(FaultReportDetail.objects.filter(device=device).select_related("order")
                  .order_by("-order__created_at"))
    receipts = list(ReturnReceiptLine.objects.filter(device=device).select_related("receipt"))
    movements = list(device.movements.select_related("location").order_by("-at", "-pk")[:movement_limit])
    h = DeviceHistory(device, loans, [ln.order for ln in lines], [w.order for w in work],
                      [p.order for p in pickups], [f.order for f in faults], movements)
    for loan in loans:
        h.items.append(HistoryItem(_aware(loan.started_on), "loan", "Utlåning",
                                   f"{loan.started_on:%Y-%m-%d} – {loan.ended_on or 'pågår'} ({loan.customer})",
                                   patient=loan.patient))
    for ln in lines:
        h.items.append(HistoryItem(ln.order.created_at, "order", "Kundorder",
                                   f"{ln.order.number} rad {ln.line_no} ({ln.order.get_status_display()})",
                                   order=ln.order))
    for w in work:
        h.items.append(HistoryItem(w.order.created_at, "work_order", "Arbetsorder",
                                   f"{w.order.number} ({w.order.get_status_display()})"
                                   + (f": {w.report}" if w.report else ""), order=w.order))
    for p in pickups:
        h.items.append(HistoryItem(p.order.created_at, "pickup", "Hämtorder",
                                   f"{p.order.number} ({p.order.get_status_display()}), {p.get_reason_display()}",
                                   order=p.order))
    for f in faults:
        h.items.append(HistoryItem(f.order.created_at, "fault_report", "Avvikelse",
                                   f"{f.order.number} ({f.order.get_status_display()})", order=f.order))
    for r in receipts:
        h.items.append(HistoryItem(r.receipt.created_at, "return_receipt", "Återlämningskvitto",
                                   r.receipt.number))
    for m in movements:
        h.items.append(HistoryItem(m.at, "movement", "Lagerrörelse",
                                   f"{m.get_kind_display()} {m.location} {m.quantity:+d} {m.ref}".strip()))
    h.items.sort(key=lambda i: i.at, reverse=True)
    if principal is not None and view:
        for pid in sorted({loan.patient_id for loan in loans}):
            patient_access_record(principal, pid, view)
    return h


def device_orders(device, *, limit: int = 200) -> list[HistoryItem]:
    """Every order that concerns the device (customer-order lines, work orders, pickups, fault
    reports), newest first, in one query (the orders whose id is in a UNION of the four id lists)."""
    from ordering.models import Order

    ids = (OrderLine.objects.filter(device=device).order_by().values("order_id")
           .union(WorkOrderDetail.objects.filter(device=device).order_by().values("order_id"),
                  PickupLine.objects.filter(device=device).order_by().values("order_id"),
                  FaultReportDetail.objects.filter(device=device).order_by().values("order_id")))
    labels = {OrderType.CUSTOMER: ("order", "Kundorder"), OrderType.WORK: ("work_order", "Arbetsorder"),
              OrderType.PICKUP: ("pickup", "Hämtorder"), OrderType.FAULT: ("fault_report", "Avvikelse")}
    orders = Order.objects.filter(pk__in=ids).order_by("-created_at", "-id")[:limit]
    return [HistoryItem(o.created_at, labels[o.order_type][0], labels[o.order_type][1],
                        f"{o.number} ({o.get_status_display()})", order=o) for o in orders]


def open_service_counts() -> dict[str, dict[str, int]]:
    from django.db.models import Count

    from ordering.models import Order

    rows = (Order.objects.filter(order_type__in=(OrderType.WORK, OrderType.PICKUP, OrderType.FAULT))
            .exclude(status__in=(OrderStatus.DRAFT, OrderStatus.COMPLETED, OrderStatus.CANCELLED,
                                 OrderStatus.RECEIVED, OrderStatus.CLOSED))
            .values_list("order_type", "status").annotate(n=Count("pk")))
    result: dict[str, dict[str, int]] = {}
    for order_type, status, n in rows:
        result.setdefault(order_type, {})[status] = n
    return result
