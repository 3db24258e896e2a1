"""Work orders (AO) and consultations (DESIGN.md §4). Customer side: create for a patient
(optionally naming a device on the patient or a customer-order line), attach documents
(`core.attachment_add`), submit, discard a draft. Supply side: accept with a planned date and a
technician, start, complete with report, hours and parts (parts leave stock through the
ledger), cancel with a reason; and the scheduled preventive-maintenance (inspection) orders.
`draft → submitted → accepted → in_progress → completed`, cancel from submitted or accepted.

Each service locks the order, checks the move and writes the event, audit row and messages in
ONE transaction."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from access.roles import Perm, Role
from audit.services import audit_record
from core.errors import Conflict, NotFound
from core.message_text import Text
from core.transactions import entry_point

from ..models import (
    CUSTOMER_WORK_KINDS,
    Message,
    Order,
    OrderLine,
    OrderStatus,
    OrderType,
    Priority,
    WorkKind,
    WorkOrderDetail,
    WorkOrderPart,
)
from ..transitions import apply_transition, check_move
from . import core as c

S = OrderStatus


@dataclass
class WorkOrderInput:
    patient_id: int
    kind: str
    description: str = ""
    device_serial: str = ""
    order_line_id: int | None = None
    unit_id: int | None = None
    priority: str = Priority.NORMAL
    requested_date: object = None
    contact_name: str = ""
    contact_phone: str = ""
    orderer_hsa_id: str = ""
    orderer_username: str = ""


def _device_on_patient(serial: str, patient):
    from stock.models import Device

    device = Device.objects.select_related("article").filter(serial=(serial or "").strip()).first()
    if device is None or device.holder_patient_id != patient.pk:
        c.fail("device_serial", gettext("Individ %(serial)s är inte registrerad på patienten.") % {"serial": serial})
    return device


def _order_line_for(principal, line_id, patient) -> OrderLine:
    try:
        line = OrderLine.objects.select_related("order", "device").filter(pk=int(line_id)).first()
    except (TypeError, ValueError):
        line = None
    if (line is None or line.order.order_type != OrderType.CUSTOMER
            or not principal.can_see_customer(line.order.customer_id) or line.order.patient_id != patient.pk):
        c.fail("order_line_id", gettext("Orderraden finns inte för den här patienten."))
    return line


@entry_point
def work_order_create(principal, data: WorkOrderInput, *, submit: bool = False) -> Order:
    """A work-order draft (or submitted at once with `submit`). Nothing is written on bad input."""
    c.require_orderer(principal)
    kind = c.clean_choice(data.kind, WorkKind, "kind", gettext("Välj typ av arbetsorder."))
    if kind not in CUSTOMER_WORK_KINDS:
        c.fail("kind", gettext("Besiktning läggs av Hjälpmedelscentralen."))
    if not data.patient_id:
        c.fail("patient_id", gettext("Välj en patient."))
    patient = c.patient_for_order(principal, data.patient_id)
    description = c.clean_text(data.description, "description", 2000, gettext("Beskrivningen"), required=True)
    requested = c.clean_date(data.requested_date, "requested_date", past_ok=False)
    device = _device_on_patient(data.device_serial, patient) if (data.device_serial or "").strip() else None
    line = _order_line_for(principal, data.order_line_id, patient) if data.order_line_id else None
    if device is None and line is not None and line.device_id:
        device = line.device
    _refuse_if_on_pickup(device)
    order = c.order_header(principal, OrderType.WORK, kind=kind, status=S.DRAFT, patient=patient,
                           unit_id=data.unit_id, priority=data.priority, requested_date=requested, note=description,
                           contact_name=data.contact_name, contact_phone=data.contact_phone,
                           orderer_hsa_id=data.orderer_hsa_id, orderer_username=data.orderer_username)
    c.order_create(order, principal, moves=[(S.SUBMITTED, None)] if submit else ())
    WorkOrderDetail.objects.create(order=order, device=device, order_line=line)
    return order


def _refuse_if_on_pickup(device) -> None:
    """A device on an open pickup order is being collected: no new work on it (the pickup would
    cancel it again). Checked when the work order is created and when it is submitted."""
    if device is None:
        return
    on_pickup = open_pickups_for([device])
    if on_pickup:
        number = on_pickup[device.serial]
        raise Conflict(gettext("Individ %(serial)s finns på hämtorder %(number)s och hämtas av Hjälpmedelscentralen; en arbetsorder kan inte läggas. Makulera hämtordern först om hjälpmedlet ska stanna.") % {"serial": device.serial, "number": number},
                       code="device_on_pickup")


def _submit(principal, order: Order) -> Order:
    _refuse_if_on_pickup(getattr(getattr(order, "work_detail", None), "device", None))
    order.submitted_at = timezone.now()
    apply_transition(order, S.SUBMITTED, principal, update_fields=["submitted_at"])
    return order


@entry_point
def work_order_submit(principal, order_id) -> Order:
    """Idempotent: an order already submitted is returned unchanged (double click, retry)."""
    c.require_orderer(principal)
    order = c.order_for_customer(principal, order_id, OrderType.WORK, lock=True)
    if order.status == S.SUBMITTED:
        return order
    return _submit(principal, order)


@entry_point
def work_order_discard(principal, order_id) -> None:
    """Delete a draft that was never sent."""
    c.require_orderer(principal)
    order = c.order_for_customer(principal, order_id, OrderType.WORK, lock=True)
    if order.status != S.DRAFT:
        c.fail("status", gettext("Endast utkast kan tas bort."))
    audit_record(principal, "order.work.discarded", order)
    order.delete()


# --------------------------------------------------------------------------- supply side

MAX_HOURS = Decimal("500")
MAX_PARTS = 30


def _lock(order_id) -> tuple[Order, WorkOrderDetail]:
    order = c.order_lock_for_supply(order_id, OrderType.WORK)
    detail, _ = WorkOrderDetail.objects.get_or_create(order=order)
    return order, detail


def _require_worker(principal, detail: WorkOrderDetail | None = None) -> None:
    """Handlers may do everything; a technician only on the work orders assigned to them."""
    if principal.has_perm(Perm.WORK_ORDER_HANDLE) and principal.is_supply:
        return
    if principal.has_perm(Perm.TECHNICIAN_WORK) and principal.is_supply and detail is not None \
            and principal.user is not None and detail.technician_id == principal.user.pk:
        return
    if not principal.is_supply:
        raise NotFound(gettext("Ordern finns inte."))
    principal.require(Perm.WORK_ORDER_HANDLE)


def technician_choices():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(role_assignments__role=Role.TECHNICIAN, is_active=True).distinct() \
        .order_by("first_name", "last_name", "username")


def _technician(technician_id):
    try:
        tech = technician_choices().filter(pk=int(technician_id)).first()
    except (TypeError, ValueError):
        tech = None
    if tech is None:
        c.fail("technician_id", gettext("Välj en tekniker."))
    return tech


@entry_point
def work_order_accept(principal, order_id, *, planned_date, technician_id) -> Order:
    c.require_supply(principal, Perm.WORK_ORDER_HANDLE)
    planned = c.clean_date(planned_date, "planned_date", past_ok=False, required=True)
    tech = _technician(technician_id)
    order, detail = _lock(order_id)
    order.planned_date = planned
    apply_transition(order, S.ACCEPTED, principal, data={"planned_date": str(planned), "technician": tech.pk},
                     update_fields=["planned_date"])
    detail.technician = tech
    detail.save(update_fields=["technician"])
    return order


@entry_point
def work_order_start(principal, order_id) -> Order:
    if not principal.is_supply:
        raise NotFound(gettext("Ordern finns inte."))
    order, detail = _lock(order_id)
    _require_worker(principal, detail)
    apply_transition(order, S.IN_PROGRESS, principal)
    detail.started_at = timezone.now()
    detail.save(update_fields=["started_at"])
    return order


def _clean_hours(value) -> Decimal:
    try:
        hours = Decimal(str(value).replace(",", ".")).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        c.fail("hours", gettext("Ange antal timmar som ett tal."))
    if hours < 0 or hours > MAX_HOURS:
        c.fail("hours", gettext("Antal timmar måste vara mellan 0 och %(max_hours)s.") % {"max_hours": MAX_HOURS})
    return hours


def _clean_parts(parts) -> list[tuple[object, int]]:
    from catalogue.models import Article

    parts = list(parts or [])
    if len(parts) > MAX_PARTS:
        c.fail("parts", gettext("Högst %(max_parts)s reservdelsrader.") % {"max_parts": MAX_PARTS})
    cleaned: dict[int, list] = {}
    for i, (number, qty) in enumerate(parts):
        article = Article.objects.filter(article_number=(number or "").strip()).first()
        if article is None:
            c.fail(f"parts.{i}.article_number", gettext("Artikeln %(number)s finns inte.") % {"number": number})
        if article.is_tracked:
            c.fail(f"parts.{i}.article_number", gettext("%(name)s är individmärkt och kan inte tas som reservdel.") % {"name": article.name})
        try:
            qty = int(qty)
        except (TypeError, ValueError):
            qty = 0
        if qty < 1 or qty > 999:
            c.fail(f"parts.{i}.quantity", gettext("Antal måste vara mellan 1 och 999."))
        cleaned.setdefault(article.pk, [article, 0])[1] += qty
    return [(a, q) for a, q in cleaned.values()]


@entry_point
def work_order_complete(principal, order_id, *, report: str, hours, parts=None) -> Order:
    """Complete with report and hours; parts [(article_number, quantity)] leave central stock
    through the ledger (refused as a whole if stock is short). Message: completed."""
    from stock import returns

    if not principal.is_supply:
        raise NotFound(gettext("Ordern finns inte."))
    report = c.clean_text(report, "report", 4000, gettext("Rapporten"), required=True)
    hours = _clean_hours(hours)
    cleaned = _clean_parts(parts)
    order, detail = _lock(order_id)
    _require_worker(principal, detail)
    from_status = order.status
    check_move(order, S.COMPLETED)  # refuse a wrong state before any stock moves
    if cleaned:
        returns.parts_issue(parts=cleaned, ref=order.number, actor=principal)
        WorkOrderPart.objects.bulk_create([WorkOrderPart(order=order, article=a, quantity=q) for a, q in cleaned])
    detail.report, detail.hours, detail.completed_at = report, hours, timezone.now()
    detail.save(update_fields=["report", "hours", "completed_at"])
    apply_transition(order, S.COMPLETED, principal, data={
        "hours": str(hours), "from": from_status, "parts": {a.article_number: q for a, q in cleaned}})
    if order.kind == WorkKind.INSPECTION and detail.device_id:
        returns.inspection_done(device=detail.device, on=timezone.localdate(), actor=principal)
    c.notify(order, Message.Kind.COMPLETED, Text(gettext_noop("Arbetsorder %(number)s är utförd"), number=order.number),
             Text(gettext_noop("Arbetsorder %(number)s (%(kind)s) är utförd. Rapport: %(report)s"), number=order.number,
                  kind=c.kind_text(order), report=report))
    return order


@entry_point
def work_order_cancel(principal, order_id, *, reason: str) -> Order:
    c.require_supply(principal, Perm.WORK_ORDER_HANDLE)
    reason = c.clean_reason(reason)
    order, _ = _lock(order_id)
    return c.order_cancel_with_notice(
        order, principal, reason=reason,
        subject=Text(gettext_noop("Arbetsorder %(number)s kan inte utföras"), number=order.number),
        text=Text(gettext_noop("Arbetsorder %(number)s kan inte utföras och har makulerats. Orsak: %(reason)s. En ny "
                               "arbetsorder måste läggas."), number=order.number, reason=reason))


# --------------------------------------------------------------------------- scheduled inspections


def _due(device, today: dt.date) -> bool:
    if device.next_inspection_date is not None:
        return device.next_inspection_date <= today
    months = device.article.inspection_interval_months
    if not months:
        return False
    start = device.purchase_date
    return start is not None and start + relativedelta(months=months) <= today


def inspection_orders_create(*, today: dt.date | None = None, limit: int = 5000) -> list[Order]:
    """Preventive maintenance: one inspection work order (submitted) per device on loan whose
    inspection is due (its `next_inspection_date`, else purchase date + the article's interval).
    Idempotent: a device with an open inspection order gets no second one; the device row is
    locked while deciding, so concurrent runs cannot both create one."""
    from stock.models import Device, Loan
    from stock.services import device_lock

    today = today or timezone.localdate()
    candidates = list(
        Device.objects.filter(status=Device.Status.ON_LOAN, article__inspection_interval_months__isnull=False)
        .exclude(next_inspection_date__gt=today)
        .exclude(work_orders__order__kind=WorkKind.INSPECTION, work_orders__order__status__in=c.OPEN_WORK)
        .select_related("article").order_by("next_inspection_date", "pk")[:limit])
    created = []
    for device in candidates:
        if not _due(device, today):
            continue
        with transaction.atomic():
            locked = device_lock(device.pk)
            if WorkOrderDetail.objects.filter(device=locked, order__kind=WorkKind.INSPECTION,
                                              order__status__in=c.OPEN_WORK).exists():
                continue
            loan = Loan.objects.filter(device=locked, ended_on__isnull=True).select_related("patient").first()
            if loan is None:
                continue
            order = Order(order_type=OrderType.WORK, kind=WorkKind.INSPECTION, status=S.SUBMITTED,
                          customer_id=loan.customer_id, cost_centre_id=loan.cost_centre_id, patient=loan.patient,
                          requested_date=max(device.next_inspection_date or today, today),
                          note=f"Förebyggande underhåll/besiktning av {locked.serial} ({locked.article.name}).")
            c.order_create(order, None, event_data={"scheduled": True, "device": locked.serial},
                           audit_action="order.work.inspection_created", audit_data={"device": locked.serial})
            WorkOrderDetail.objects.create(order=order, device=locked)
            created.append(order)
    return created


# --------------------------------------------------------------------------- the device leaves the patient

DEVICE_RETURNED_REASON = gettext_noop("Hjälpmedlet har lämnats tillbaka")
CANCELLABLE_ON_RETURN = (S.SUBMITTED, S.ACCEPTED)


def open_work_orders_locked(devices) -> list[Order]:
    """Submitted, accepted and in-progress work orders on `devices`, row-locked (order rows are
    taken before stock rows: callers lock these first)."""
    ids = [d.pk for d in devices]
    if not ids:
        return []
    return list(Order.objects.select_for_update(of=("self",))
                .filter(order_type=OrderType.WORK, work_detail__device_id__in=ids,
                        status__in=(*CANCELLABLE_ON_RETURN, S.IN_PROGRESS))
                .select_related("work_detail__device").order_by("pk"))


def refuse_if_work_in_progress(orders: list[Order], what: str) -> None:
    """A technician is working on the device: it cannot leave the patient now (Conflict)."""
    busy = [o for o in orders if o.status == S.IN_PROGRESS]
    if busy:
        o = busy[0]
        raise Conflict(gettext("Individ %(serial)s har en pågående arbetsorder (%(number)s); %(what)s kan inte göras förrän Hjälpmedelscentralen har avslutat arbetet.") % {"serial": o.work_detail.device.serial, "number": o.number, "what": what},
                       code="work_order_in_progress")


def work_orders_cancel_for_returned(orders: list[Order], principal, *, ref: str) -> list[Order]:
    """The device left the patient (return receipt or pickup): its submitted/accepted work orders
    are cancelled (the system's move, caused by `principal`, audited) and the orderer is told."""
    done = []
    for order in orders:
        if order.status not in CANCELLABLE_ON_RETURN:
            continue
        order.closed_reason = DEVICE_RETURNED_REASON
        apply_transition(order, S.CANCELLED, None, reason=DEVICE_RETURNED_REASON,
                         data={"ref": ref, "by": principal.label}, update_fields=["closed_reason"])
        audit_record(principal, "order.work.cancelled_device_returned", order, {"ref": ref})
        c.notify(order, Message.Kind.CANCELLED,
                 Text(gettext_noop("Arbetsorder %(number)s har makulerats"), number=order.number),
                 Text(gettext_noop("Arbetsorder %(number)s (%(kind)s) har makulerats. Orsak: %(reason)s (%(ref)s). "
                                   "Behövs arbetet ändå måste en ny arbetsorder läggas."), number=order.number,
                      kind=c.kind_text(order), reason=Text(DEVICE_RETURNED_REASON), ref=ref))
        done.append(order)
    return done


def open_pickups_for(devices) -> dict[str, str]:
    """{serial: pickup number} of devices on an open (submitted or planned) pickup order."""
    from ..models import PickupLine

    ids = [d.pk for d in devices]
    if not ids:
        return {}
    return dict(PickupLine.objects.filter(device_id__in=ids, order__status__in=(S.SUBMITTED, S.PLANNED))
                .values_list("device__serial", "order__number"))
