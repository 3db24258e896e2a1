"""Pickup orders (HO) and return receipts (DESIGN.md §4), customer side and supply side.

A pickup order lists devices on the patient, each with a reason, and a desired date; it is born
`submitted`. The supply centre plans it (pickup date), records it picked up (the loans end by the
rent-end rule and the devices are in transit), receives it at the supply centre (each device to
refurbishment), or cancels it with a reason (a new pickup order is needed).

Loan/rent end rule (setting `LYFTA_PICKUP_RENT_END_WEEKDAYS`, default 3): the loan ends
N Swedish weekdays after the day the pickup order was submitted — or on the pickup day if the
devices were collected earlier than that. It never ends before the loan started. The loans are
ended when the pickup is recorded (the devices leave the patient view then), dated by this rule.

A return receipt (återlämningskvitto) is made by the prescriber at the patient: the loans of the
devices handed back end that day and the devices are in transit to the supply centre."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from access.roles import Perm
from audit.services import audit_record
from core.calendar import add_weekdays
from core.errors import Conflict, NotFound
from core.message_text import Text
from core.numbering import next_number
from core.transactions import entry_point

from ..models import Order, OrderStatus, OrderType, PickupLine, PickupReason, Priority, ReturnReceipt, ReturnReceiptLine
from ..transitions import apply_transition, check_move
from . import core as c

S = OrderStatus
MAX_DEVICES = 50


def rent_end_weekdays() -> int:
    return int(getattr(settings, "LYFTA_PICKUP_RENT_END_WEEKDAYS", 3))


def rent_end_date(*, submitted_on: dt.date, picked_up_on: dt.date, started_on: dt.date) -> dt.date:
    """The day the loan and rent end for a device collected by a pickup order (see module doc)."""
    by_rule = add_weekdays(submitted_on, rent_end_weekdays())
    return max(min(by_rule, picked_up_on), started_on)


@dataclass
class PickupLineInput:
    device_serial: str
    reason: str


@dataclass
class PickupInput:
    patient_id: int
    lines: list[PickupLineInput] = field(default_factory=list)
    requested_date: object = None
    note: str = ""
    unit_id: int | None = None
    contact_name: str = ""
    contact_phone: str = ""
    orderer_hsa_id: str = ""
    orderer_username: str = ""


def _open_loans_by_serial(patient) -> dict[str, object]:
    """The patient's open loans by serial, row-locked for the rest of the transaction, so two
    concurrent pickups/receipts for one device are serialised (the second sees the first)."""
    from stock.services import loans_lock_open

    return {loan.device.serial: loan for loan in loans_lock_open(patient)}


@entry_point
def pickup_create(principal, data: PickupInput) -> Order:
    c.require_orderer(principal)
    if not data.patient_id:
        c.fail("patient_id", gettext("Välj en patient."))
    patient = c.patient_for_order(principal, data.patient_id)
    if not data.lines:
        c.fail("lines", gettext("Välj minst ett hjälpmedel att hämta."))
    if len(data.lines) > MAX_DEVICES:
        c.fail("lines", gettext("Högst %(max_devices)s hjälpmedel per hämtorder.") % {"max_devices": MAX_DEVICES})
    requested = c.clean_date(data.requested_date, "requested_date", past_ok=False)
    loans = _open_loans_by_serial(patient)
    chosen = []
    seen = set()
    for i, ln in enumerate(data.lines):
        serial = (ln.device_serial or "").strip()
        loan = loans.get(serial)
        if loan is None:
            c.fail(f"lines.{i}.device_serial", gettext("Individ %(serial)s är inte registrerad på patienten.") % {"serial": serial or '–'})
        if serial in seen:
            c.fail(f"lines.{i}.device_serial", gettext("Individ %(serial)s finns två gånger.") % {"serial": serial})
        seen.add(serial)
        reason = c.clean_choice(ln.reason, PickupReason, f"lines.{i}.reason", gettext("Ange orsak för varje hjälpmedel."))
        chosen.append((loan, reason))
    busy = set(PickupLine.objects.filter(device__in=[lo.device for lo, _ in chosen],
                                         order__status__in=c.OPEN_PICKUP)
               .values_list("device__serial", flat=True))
    if busy:
        raise Conflict(gettext("Det finns redan en öppen hämtorder för %(serials)s.") % {"serials": ', '.join(sorted(busy))}, code="pickup_exists")
    from . import work

    work.refuse_if_work_in_progress(
        [o for o in Order.objects.filter(order_type=OrderType.WORK, status=S.IN_PROGRESS,
                                         work_detail__device__in=[lo.device for lo, _ in chosen])
         .select_related("work_detail__device")], gettext("en hämtorder"))
    order = c.order_header(principal, OrderType.PICKUP, kind="pickup", status=S.SUBMITTED, patient=patient,
                           unit_id=data.unit_id, priority=Priority.NORMAL, requested_date=requested, note=data.note,
                           contact_name=data.contact_name, contact_phone=data.contact_phone,
                           orderer_hsa_id=data.orderer_hsa_id, orderer_username=data.orderer_username)
    c.order_create(order, principal)
    PickupLine.objects.bulk_create([PickupLine(order=order, device=loan.device, loan=loan, reason=reason)
                                    for loan, reason in chosen])
    audit_record(principal, "order.pickup.submitted", order, {"devices": sorted(seen)})
    return order


# --------------------------------------------------------------------------- return receipt


@entry_point
def return_receipt_create(principal, patient_id, serials: list[str], *, returned_on=None) -> ReturnReceipt:
    """Devices handed back at the patient: their loans end (`returned_on`, default today) and the
    devices are in transit to the supply centre. Returns the receipt (PDF: `return_receipt_pdf`)."""
    from stock import returns

    c.require_orderer(principal)
    patient = c.patient_for_order(principal, patient_id)
    serials = [s.strip() for s in (serials or []) if s and s.strip()]
    if not serials:
        c.fail("device_serials", gettext("Välj minst ett hjälpmedel som lämnas tillbaka."))
    if len(set(serials)) != len(serials):
        c.fail("device_serials", gettext("Samma individ är vald två gånger."))
    returned_on = c.clean_date(returned_on, "returned_on", future_ok=False) or timezone.localdate()
    if returned_on < timezone.localdate() - dt.timedelta(days=7):
        c.fail("returned_on", gettext("Återlämningsdatum får vara högst 7 dagar bakåt."))
    from stock.models import Device

    from . import work

    devices = list(Device.objects.filter(serial__in=serials, holder_patient=patient))
    work_orders = work.open_work_orders_locked(devices)  # order rows before stock rows
    loans = _open_loans_by_serial(patient)
    missing = [s for s in serials if s not in loans]
    if missing:
        c.fail("device_serials", gettext("Individ %(missing)s är inte registrerad på patienten.") % {"missing": ', '.join(missing)})
    on_pickup = work.open_pickups_for([loans[s].device for s in serials])
    if on_pickup:
        serial, number = sorted(on_pickup.items())[0]
        raise Conflict(gettext("Individ %(serial)s finns redan på hämtorder %(number)s och hämtas av Hjälpmedelscentralen; ett återlämningskvitto kan inte göras för den.") % {"serial": serial, "number": number}, code="pickup_exists")
    work.refuse_if_work_in_progress(work_orders, gettext("ett återlämningskvitto"))
    unit = c.resolve_unit(principal, required=False)
    receipt = ReturnReceipt.objects.create(
        number=next_number("RK"), patient=patient,
        customer_id=unit.organisation_id if unit else principal.primary_customer_id,
        prescriber=principal.user, created_by_label=principal.label[:200], returned_on=returned_on)
    for serial in serials:
        loan = loans[serial]
        if returned_on < loan.started_on:
            c.fail("returned_on", gettext("Individ %(serial)s lånades ut först %(started_on)s.") % {"serial": serial, "started_on": format(loan.started_on, '%Y-%m-%d')})
        returns.loan_end_in_transit(loan=loan, on=returned_on, reason=f"Återlämnad ({receipt.number})",
                                    actor=principal)
        ReturnReceiptLine.objects.create(receipt=receipt, device=loan.device, loan=loan)
    audit_record(principal, "return_receipt.created", receipt, {"patient_id": patient.pk, "devices": serials})
    work.work_orders_cancel_for_returned(work_orders, principal, ref=receipt.number)
    return receipt


def return_receipt_for(principal, receipt_id) -> ReturnReceipt:
    receipt = (ReturnReceipt.objects.select_related("patient", "customer", "prescriber")
               .prefetch_related("lines__device__article").filter(pk=receipt_id).first())
    if receipt is None:
        raise NotFound(gettext("Kvittot finns inte."))
    principal.require_customer(receipt.customer_id)
    return receipt


# --------------------------------------------------------------------------- supply side

def _lock(order_id) -> Order:
    return c.order_lock_for_supply(order_id, OrderType.PICKUP)


@entry_point
def pickup_plan(principal, order_id, *, planned_date) -> Order:
    c.require_supply(principal, Perm.ORDER_HANDLE)
    planned = c.clean_date(planned_date, "planned_date", past_ok=False, required=True)
    order = _lock(order_id)
    order.planned_date = planned
    apply_transition(order, S.PLANNED, principal, data={"planned_date": str(planned)},
                     update_fields=["planned_date"])
    return order


@entry_point
def pickup_picked_up(principal, order_id, *, picked_up_on=None) -> Order:
    """The driver collected the devices: each loan ends (rent-end rule, see the module doc),
    the devices leave the patient view and are in transit."""
    c.require_supply(principal, Perm.ORDER_HANDLE)
    picked = c.clean_date(picked_up_on, "picked_up_on", future_ok=False) or timezone.localdate()
    return pickup_mark_picked_up(_lock(order_id), principal, picked_up_on=picked)


def pickup_mark_picked_up(order: Order, principal, *, picked_up_on: dt.date) -> Order:
    """Record a (locked) pickup order collected on `picked_up_on`: the loans end by the rent-end
    rule and the devices are in transit. Called by `pickup_picked_up` and by supply's runs (the
    driver at the door), each after its own permission check."""
    from stock import returns

    from . import exchange, work

    picked = picked_up_on
    check_move(order, S.PICKED_UP)
    work_orders = work.open_work_orders_locked([ln.device for ln in order.pickup_lines.select_related("device")])
    work.refuse_if_work_in_progress(work_orders, gettext("hämtningen"))
    submitted_on = timezone.localdate(order.submitted_at) if order.submitted_at else picked
    ends = {}
    for line in order.pickup_lines.select_related("loan", "device"):
        loan = line.loan
        if loan is None or loan.ended_on is not None:
            loan = returns.open_loan(line.device)
        if loan is None:  # handed back already (return receipt): nothing to end
            continue
        end = rent_end_date(submitted_on=submitted_on, picked_up_on=picked, started_on=loan.started_on)
        end = exchange.old_loan_end(order, end, picked_up_on=picked, started_on=loan.started_on)
        returns.loan_end_in_transit(loan=loan, on=end, reason=f"Hämtad ({order.number}: {line.get_reason_display()})",
                                    actor=principal)
        line.loan, line.loan_ended_on = loan, end
        line.save(update_fields=["loan", "loan_ended_on"])
        ends[line.device.serial] = str(end)
    # The pickup date customers search by ("hämtdatum") is the day it was actually collected.
    planned = order.planned_date
    order.planned_date = picked
    order.extra = {**(order.extra or {}), "picked_up_on": str(picked)}
    apply_transition(order, S.PICKED_UP, principal, update_fields=["planned_date", "extra"],
                     data={"picked_up_on": str(picked), "planned_date": str(planned), "loan_ended_on": ends})
    work.work_orders_cancel_for_returned(work_orders, principal, ref=order.number)
    return order


@entry_point
def pickup_receive(principal, order_id) -> Order:
    """The devices arrived at the supply centre: each awaits refurbishment there."""
    from stock import returns

    c.require_supply(principal, Perm.ORDER_HANDLE)
    order = _lock(order_id)
    check_move(order, S.RECEIVED)
    now = timezone.now()
    for line in order.pickup_lines.select_related("device"):
        returns.receive_for_refurbishment(device=line.device, ref=order.number, actor=principal)
        line.received_at = now
        line.save(update_fields=["received_at"])
    apply_transition(order, S.RECEIVED, principal)
    return order


@entry_point
def pickup_cancel(principal, order_id, *, reason: str) -> Order:
    c.require_supply(principal, Perm.ORDER_HANDLE)
    reason = c.clean_reason(reason)
    order = _lock(order_id)
    return c.order_cancel_with_notice(
        order, principal, reason=reason,
        subject=Text(gettext_noop("Hämtorder %(number)s är makulerad"), number=order.number),
        text=Text(gettext_noop("Hämtorder %(number)s kan inte genomföras och har makulerats. Orsak: %(reason)s. En ny "
                               "hämtorder måste läggas."), number=order.number, reason=reason))
