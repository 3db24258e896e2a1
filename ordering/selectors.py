"""Reads for orders, the patient view (hjälpmedelsbilden) and the inbox. Customer-side
principals see only their own customers' orders; other customers' orders answer 404."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import models
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import patient_access_record
from core.errors import NotFound

from . import pricing
from .models import (
    OPEN_CUSTOMER_STATUSES,
    Message,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    OrderTemplate,
    OrderType,
    Priority,
)

SEARCH_LIMIT = 50


def visible_orders(principal) -> QuerySet[Order]:
    qs = Order.objects.all()
    if principal.is_supply:
        return qs.exclude(status=OrderStatus.DRAFT)
    return qs.filter(customer_id__in=principal.customer_ids)


@dataclass
class OrderFilter:
    number: str = ""
    patient_id: int | None = None
    status: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    unit_id: int | None = None
    order_type: str = OrderType.CUSTOMER


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def order_search(principal, flt: OrderFilter, *, limit: int = SEARCH_LIMIT) -> list[Order]:
    qs = visible_orders(principal).filter(order_type=flt.order_type)
    number = flt.number.strip().upper()
    ordering = ("-created_at", "-id")
    if len(number) >= 9:
        qs = qs.filter(number=number)
    elif len(number) > 2:
        # Prefix: a range on the unique index as well, newest number first (fast at millions of rows).
        upper = number[:-1] + chr(ord(number[-1]) + 1)
        qs = qs.filter(number__gte=number, number__lt=upper, number__startswith=number)
        ordering = ("-number",)
    if flt.patient_id:
        qs = qs.filter(patient_id=flt.patient_id)
    if flt.status:
        qs = qs.filter(status=flt.status)
    # Local-day bounds as timestamps, so the (customer, status, created_at) index serves the range.
    if flt.date_from:
        qs = qs.filter(created_at__gte=_day_start(flt.date_from))
    if flt.date_to:
        qs = qs.filter(created_at__lt=_day_start(flt.date_to + dt.timedelta(days=1)))
    if flt.unit_id:
        qs = qs.filter(unit_id=flt.unit_id)
    rows = list(qs.select_related("patient", "unit").order_by(*ordering)[:limit])
    _with_urls(rows)
    return rows


def _with_urls(orders: list[Order]) -> None:
    """Display fields for list pages, computed once per list in Python (one reverse(), one
    translation per status) instead of per-row template filters: `url`, `created_str`,
    `planned_str`, `status_label`, `urgent_label`, `unit_name`, `patient_initials`."""
    from django.urls import reverse

    pattern = reverse("ordering:order_detail", args=[0])
    labels = {value: str(label) for value, label in OrderStatus.choices}
    urgent = str(Priority.URGENT.label)
    promised = str(_("(utlovat)"))
    tz = timezone.get_current_timezone()
    for o in orders:
        o.url = pattern.replace("/0/", f"/{o.pk}/")
        o.created_str = o.created_at.astimezone(tz).date().isoformat()
        # The supply centre's planned date once confirmed; before that the date Lyfta promised.
        o.planned_str = (o.planned_date.isoformat() if o.planned_date else
                         f"{o.promised_date.isoformat()} {promised}" if o.promised_date else "–")
        o.status_label = labels.get(o.status, o.status)
        o.urgent_label = urgent if o.priority == Priority.URGENT else ""
        unit = o._state.fields_cache.get("unit")
        o.unit_name = unit.name if unit is not None else "–"
        patient = o._state.fields_cache.get("patient")
        o.patient_initials = (f"{patient.first_name[:1]}.{patient.last_name[:1]}." if patient is not None
                              else "–")


def order_get(principal, order_id: int, *, with_patient_access: str = "") -> Order:
    """One order with its lines, events and deliveries. Writes one patient-access row when the
    order is for a patient and `with_patient_access` names the view."""
    qs = visible_orders(principal).select_related(
        "patient", "unit", "customer", "cost_centre", "orderer", "prescriber", "delivery_point",
    ).prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.select_related("article", "device").order_by("line_no")),
        Prefetch("events", queryset=OrderEvent.objects.order_by("at", "id")),
        "deliveries__lines__order_line__article", "deliveries__lines__device",
    )
    return one_visible_order(principal, qs, order_id, with_patient_access)


def one_visible_order(principal, qs, order_id: int, view: str = "") -> Order:
    """The order `order_id` from `qs` (already limited to what the principal may see), else
    `NotFound`; one patient-access row for `view` when the order is for a patient."""
    order = qs.filter(pk=order_id).first()
    if order is None:
        raise NotFound(_("Ordern finns inte."))
    principal.require_customer(order.customer_id)
    if order.patient_id and view:
        patient_access_record(principal, order.patient_id, view)
    return order


def order_totals(order: Order) -> pricing.CostEstimate:
    lines = list(order.lines.select_related("article"))
    urgent = order.priority == Priority.URGENT
    totals = pricing.cost_estimate(lines, urgent=urgent)
    if urgent and order.status == OrderStatus.DRAFT:
        totals.promise_note = pricing.promise_note([ln.article for ln in lines], urgent=True)
    return totals


def delivery_address_for(order: Order, principal) -> list[str]:
    """Address lines to show; a protected patient address is hidden from customer-side readers."""
    if order.delivery_protected and not principal.is_supply:
        return [_("Skyddad adress")]
    lines = []
    if order.delivery_point_id:
        lines.append(order.delivery_point.name)
    lines += [order.delivery_street, f"{order.delivery_postal_code} {order.delivery_city}".strip()]
    return [ln for ln in lines if ln]


def orders_for_patient(principal, patient_id: int) -> tuple[list[Order], list[Order]]:
    """(open, past) customer orders for a patient, as the principal may see them."""
    rows = list(visible_orders(principal).filter(patient_id=patient_id, order_type=OrderType.CUSTOMER)
                .select_related("unit").order_by("-created_at", "-id")[:200])
    _with_urls(rows)
    open_ = [o for o in rows if o.status in OPEN_CUSTOMER_STATUSES]
    past = [o for o in rows if o.status not in OPEN_CUSTOMER_STATUSES]
    return open_, past


def patient_for_view(principal, patient_id: int, view: str):
    """The patient (404 if not visible) and exactly one patient-access row."""
    from patients.selectors import patient_get_for_view

    return patient_get_for_view(principal, patient_id, view)


def loans_for_patient(patient) -> list:
    """Devices on loan now (open loans), from stock."""
    from stock.selectors import open_loans_for_patient

    return list(open_loans_for_patient(patient))


def templates_for(principal) -> list[OrderTemplate]:
    user_id = principal.user.pk if principal.user is not None else None
    return list(OrderTemplate.objects.filter(customer_id__in=principal.customer_ids)
                .filter(Q(shared=True) | Q(owner_id=user_id)).order_by("name")[:100])


def accessories_for(lines: list[OrderLine]) -> dict[int, list]:
    """Accessories (catalogue ArticleFit) offered per main-device line."""
    from catalogue.models import ArticleFit

    mains = {ln.article_id for ln in lines if ln.article.kind == "H"}
    if not mains:
        return {}
    fits = ArticleFit.objects.filter(main_id__in=mains, part__is_orderable=True).select_related("part")
    by_main: dict[int, list] = {}
    for fit in fits:
        by_main.setdefault(fit.main_id, []).append(fit.part)
    return {ln.pk: by_main.get(ln.article_id, []) for ln in lines if ln.article_id in by_main}


def article_choices(q: str, limit: int = 20) -> list:
    """Orderable articles matching the query (catalogue search: article number, words, typos)."""
    q = (q or "").strip()[:100]
    if not q:
        return []
    from catalogue.selectors import article_search

    return list(article_search(q, page_size=limit, orderable=True).articles)


# --------------------------------------------------------------------------- inbox


def inbox(user, *, limit: int = 100, principal=None) -> list[Message]:
    """A user's messages, newest first. With `principal` (the inbox page) each message names its
    patient (`m.patient_name`), for patients the principal may see, with one access row per
    patient named (view `inbox`); the e-mail notices never carry patient data."""
    rows = list(Message.objects.filter(recipient=user).select_related("order", "order__patient")
                .order_by("-created_at", "-id")[:limit])
    if principal is not None:
        from audit.services import patient_access_record_many

        shown = set()
        for m in rows:
            patient = m.order.patient if m.order_id and m.order.patient_id else None
            m.patient_name = ""
            if patient is not None and principal.can_see_customer(patient.customer_id):
                m.patient_name = f"{patient.first_name} {patient.last_name}, {patient.identity_display}"
                shown.add(patient.pk)
        if shown:
            patient_access_record_many(principal, sorted(shown), "inbox")
        from .flows.loans import open_reminders_for

        reminders = open_reminders_for([m.pk for m in rows if m.kind == Message.Kind.REMINDER])
        for m in rows:
            m.open_reminders = reminders.get(m.pk, [])
    return rows


def messages_for(principal, *, unread_only: bool = False, limit: int = 100) -> list[Message]:
    """The principal's inbox: a user's own messages; a customer's system client, the messages
    about its organisation's orders (to whichever orderer/prescriber they went). Supply-side
    clients have no inbox."""
    qs = messages_visible(principal)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return list(qs.select_related("order", "recipient").order_by("-created_at", "-id")[:limit])


def messages_visible(principal) -> QuerySet[Message]:
    if principal.user is not None:
        return Message.objects.filter(recipient=principal.user)
    if principal.client is not None and not principal.is_supply and principal.customer_ids:
        return Message.objects.filter(order__customer_id__in=principal.customer_ids)
    return Message.objects.none()


def patient_devices(principal, patient_id: int) -> list:
    """Devices on loan now to a patient, for the customer that owns each loan (the supply
    centre sees every loan): 404 if the patient is not visible; one patient-access row."""
    patient = patient_for_view(principal, patient_id, "api_patient_devices")
    return [loan for loan in loans_for_patient(patient)
            if principal.is_supply or loan.customer_id in principal.customer_ids]


def unread_count(user) -> int:
    return Message.objects.filter(recipient=user, read_at__isnull=True).count()


# --------------------------------------------------------------------------- supply side


def _supply_flag(qs, flag: str):
    """`overdue`: confirmed or dispatched, planned before today. `backordered`: confirmed with a
    line still waiting for stock."""
    if flag == "overdue":
        return qs.filter(status__in=(OrderStatus.CONFIRMED, OrderStatus.DISPATCHED),
                         planned_date__lt=timezone.localdate())
    if flag == "backordered":
        return qs.filter(status=OrderStatus.CONFIRMED, lines__backordered_quantity__gt=0).distinct()
    return qs


def supply_inbox_counts() -> dict[str, int]:
    """The handler's start page: submitted, urgent (submitted), overdue and back-ordered orders."""
    base = Order.objects.filter(order_type=OrderType.CUSTOMER)
    submitted = base.filter(status=OrderStatus.SUBMITTED)
    return {"submitted": submitted.count(), "urgent": submitted.filter(priority=Priority.URGENT).count(),
            "overdue": _supply_flag(base, "overdue").count(),
            "backordered": _supply_flag(base, "backordered").count()}


def supply_inbox(*, status: str = OrderStatus.SUBMITTED, priority: str = "", customer_id: int | None = None,
                 number: str = "", limit: int = 100, flag: str = "") -> list[Order]:
    qs = _supply_flag(Order.objects.filter(order_type=OrderType.CUSTOMER).exclude(status=OrderStatus.DRAFT), flag)
    if status:
        qs = qs.filter(status=status)
    if priority:
        qs = qs.filter(priority=priority)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if number:
        qs = qs.filter(number__startswith=number.strip().upper())
    # Urgent first ('urgent' > 'normal' alphabetically), then oldest submitted first.
    return list(qs.select_related("customer", "unit").order_by("-priority", "submitted_at", "id")[:limit])


def orders_for_device(device, principal) -> dict:
    """Device card section (stock.card): the customer orders that allocated/delivered this device.
    Shows order numbers and statuses only (no patient data)."""
    lines = (OrderLine.objects.filter(device=device).select_related("order", "article")
             .order_by("-order__created_at")[:50])
    rows = [ln for ln in lines if principal is None or principal.can_see_customer(ln.order.customer_id)]
    return {"device_order_lines": rows}


def part_orders_for_device(device, principal) -> dict:
    """Device card section: the spare-part orders made for this device (customers see their own)."""
    from .flows.spare_parts import part_orders_for_device as _orders

    orders = [o for o in _orders(device) if principal is None or principal.can_see_customer(o.customer_id)]
    return {"part_orders": orders, "can_open": principal is not None and principal.has_perm("ordering.view")}


def delivery_for_note(principal, delivery_id):
    """A delivery of an order the principal's customer owns (supply: any), for its delivery note;
    404 otherwise; one patient-access row when the order has a patient."""
    from .models import Delivery

    try:
        delivery = (Delivery.objects.select_related("order__customer", "order__unit", "order__cost_centre",
                                                    "order__patient", "order__delivery_point")
                    .filter(pk=int(delivery_id)).first())
    except (TypeError, ValueError):
        delivery = None
    if delivery is None or not principal.can_see_customer(delivery.order.customer_id):
        raise NotFound(_("Leveransen finns inte."))
    if delivery.order.patient_id:
        patient_access_record(principal, delivery.order.patient_id, "api_delivery_note")
    return delivery


def prescriber_start(principal, *, recent: int = 5) -> dict:
    """The prescriber's start page: my open customer orders by status, unread messages per
    patient, and the patients I opened most recently. Patients named here are shown, so one
    access row each is written (view `start_page`)."""
    from audit.models import PatientAccess
    from audit.services import patient_access_record_many
    from patients.models import Patient

    user = principal.user
    mine = visible_orders(principal).filter(order_type=OrderType.CUSTOMER, status__in=OPEN_CUSTOMER_STATUSES) \
        .filter(Q(orderer=user) | Q(prescriber=user))
    by_status = dict(mine.values_list("status").annotate(n=models.Count("id")).values_list("status", "n"))
    unread = list(Message.objects.filter(recipient=user, read_at__isnull=True)
                  .values("order__patient_id").annotate(n=models.Count("id")).order_by("-n")[:10])
    seen = list(PatientAccess.objects.filter(actor_user=user).exclude(view="start_page")
                .values("patient_id").annotate(last=models.Max("at")).order_by("-last")[:recent])
    ids = {r["order__patient_id"] for r in unread if r["order__patient_id"]} | {r["patient_id"] for r in seen}
    patients = {p.pk: p for p in Patient.objects.filter(pk__in=ids)}
    patients = {pk: p for pk, p in patients.items() if principal.can_see_customer(p.customer_id)}
    if patients:
        patient_access_record_many(principal, sorted(patients), "start_page")
    return {"by_status": [(s, by_status[s]) for s in OPEN_CUSTOMER_STATUSES if by_status.get(s)],
            "unread": [(patients.get(r["order__patient_id"]), r["n"]) for r in unread
                       if r["order__patient_id"] is None or r["order__patient_id"] in patients],
            "recent": [patients[r["patient_id"]] for r in seen if r["patient_id"] in patients]}


# --------------------------------------------------------------------------- loans (docs/prescribing.md)


def loan_for_view(principal, loan_id: int, view: str = "loan"):
    """A loan of a patient the principal may see, with its source order and open reminders; one
    patient-access row. Other customers' loans: 404."""
    from audit.services import patient_access_record

    from .flows.loans import loan_for_customer, orders_for_loans
    from .models import LoanReminder

    loan = loan_for_customer(principal, loan_id)
    patient_access_record(principal, loan.patient_id, view)
    loan.source_order = orders_for_loans([loan]).get(loan.pk)
    loan.open_reminders = list(LoanReminder.objects.filter(loan=loan, status=LoanReminder.Status.SENT))
    return loan


def overdue_returns(today=None) -> list[dict]:
    """The supply centre's list of loans past their return date, per customer and unit."""
    from .flows.loans import overdue_returns as _overdue

    return _overdue(today)


def buffer_store_orders(store, *, limit: int = 50) -> list[Order]:
    """Open buffer orders to a store (manual and replenishment) — what the store has on order."""
    from .flows.buffer import BUFFER_KINDS, ON_ORDER_STATUSES

    return list(Order.objects.filter(buffer_store=store, kind__in=BUFFER_KINDS, status__in=ON_ORDER_STATUSES)
                .prefetch_related("lines__article").order_by("-created_at", "-id")[:limit])


def buffer_store_withdrawals(store, *, limit: int = 20) -> list[Order]:
    return list(Order.objects.filter(buffer_store=store, kind="withdrawal").prefetch_related("lines__article")
                .order_by("-created_at", "-id")[:limit])


def overdue_returns_for(principal, view: str, today=None) -> list[dict]:
    """`overdue_returns` for a supply-side reader, with one patient-access row per patient listed."""
    from access.roles import Perm
    from audit.services import patient_access_record_many

    from .flows.core import require_supply

    require_supply(principal, Perm.ORDER_HANDLE)
    groups = overdue_returns(today)
    patients = sorted({lo.patient_id for g in groups for lo in g["loans"]})
    if patients:
        patient_access_record_many(principal, patients, view)
    return groups
