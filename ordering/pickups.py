"""Pickup orders (HO) and return receipts, customer side (DESIGN.md §4).

A pickup order lists devices on the patient, each with a reason, and a desired date; it is born
`submitted`. The supply centre plans, picks up and receives it (`supply.pickups`).

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
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from core.calendar import add_weekdays
from core.errors import Conflict
from core.numbering import next_number

from . import service_common as c
from .models import Order, OrderStatus, OrderType, Priority
from .service_models import PickupLine, PickupReason, ReturnReceipt, ReturnReceiptLine

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


def _open_loans_by_serial(patient) -> dict[str, object]:
    """The patient's open loans by serial, row-locked for the rest of the transaction, so two
    concurrent pickups/receipts for one device are serialised (the second sees the first)."""
    from stock.models import Loan

    return {loan.device.serial: loan for loan in Loan.objects.select_for_update(of=("self",))
            .filter(patient=patient, ended_on__isnull=True).select_related("device", "device__article")}


@transaction.atomic
def pickup_create(principal, data: PickupInput) -> Order:
    c.require_orderer(principal)
    if not data.patient_id:
        c.fail("patient_id", "Välj en patient.")
    patient = c.patient_for_order(principal, data.patient_id)
    if not data.lines:
        c.fail("lines", "Välj minst ett hjälpmedel att hämta.")
    if len(data.lines) > MAX_DEVICES:
        c.fail("lines", f"Högst {MAX_DEVICES} hjälpmedel per hämtorder.")
    requested = c.clean_date(data.requested_date, "requested_date", past_ok=False)
    loans = _open_loans_by_serial(patient)
    chosen = []
    seen = set()
    for i, ln in enumerate(data.lines):
        serial = (ln.device_serial or "").strip()
        loan = loans.get(serial)
        if loan is None:
            c.fail(f"lines.{i}.device_serial", f"Individ {serial or '–'} är inte registrerad på patienten.")
        if serial in seen:
            c.fail(f"lines.{i}.device_serial", f"Individ {serial} finns två gånger.")
        seen.add(serial)
        reason = c.clean_choice(ln.reason, PickupReason, f"lines.{i}.reason", "Ange orsak för varje hjälpmedel.")
        chosen.append((loan, reason))
    busy = set(PickupLine.objects.filter(device__in=[lo.device for lo, _ in chosen],
                                         order__status__in=c.OPEN_PICKUP)
               .values_list("device__serial", flat=True))
    if busy:
        raise Conflict(f"Det finns redan en öppen hämtorder för {', '.join(sorted(busy))}.", code="pickup_exists")
    order = c.new_order(principal, OrderType.PICKUP, kind="pickup", status=S.SUBMITTED, patient=patient,
                        unit_id=data.unit_id, priority=Priority.NORMAL, requested_date=requested, note=data.note,
                        contact_name=data.contact_name, contact_phone=data.contact_phone)
    PickupLine.objects.bulk_create([PickupLine(order=order, device=loan.device, loan=loan, reason=reason)
                                    for loan, reason in chosen])
    audit_record(principal, "order.pickup.submitted", order, {"devices": sorted(seen)})
    return order


# --------------------------------------------------------------------------- return receipt


@transaction.atomic
def return_receipt_create(principal, patient_id, serials: list[str], *, returned_on=None) -> ReturnReceipt:
    """Devices handed back at the patient: their loans end (`returned_on`, default today) and the
    devices are in transit to the supply centre. Returns the receipt (PDF: `return_receipt_pdf`)."""
    from stock import returns

    c.require_orderer(principal)
    patient = c.patient_for_order(principal, patient_id)
    serials = [s.strip() for s in (serials or []) if s and s.strip()]
    if not serials:
        c.fail("device_serials", "Välj minst ett hjälpmedel som lämnas tillbaka.")
    if len(set(serials)) != len(serials):
        c.fail("device_serials", "Samma individ är vald två gånger.")
    returned_on = c.clean_date(returned_on, "returned_on", future_ok=False) or timezone.localdate()
    if returned_on < timezone.localdate() - dt.timedelta(days=7):
        c.fail("returned_on", "Återlämningsdatum får vara högst 7 dagar bakåt.")
    loans = _open_loans_by_serial(patient)
    missing = [s for s in serials if s not in loans]
    if missing:
        c.fail("device_serials", f"Individ {', '.join(missing)} är inte registrerad på patienten.")
    unit = c.resolve_unit(principal)
    receipt = ReturnReceipt.objects.create(
        number=next_number("RK"), patient=patient,
        customer_id=unit.organisation_id if unit else principal.primary_customer_id,
        prescriber=principal.user, created_by_label=principal.label[:200], returned_on=returned_on)
    for serial in serials:
        loan = loans[serial]
        if returned_on < loan.started_on:
            c.fail("returned_on", f"Individ {serial} lånades ut först {loan.started_on:%Y-%m-%d}.")
        returns.loan_end_in_transit(loan=loan, on=returned_on, reason=f"Återlämnad ({receipt.number})",
                                    actor=principal)
        ReturnReceiptLine.objects.create(receipt=receipt, device=loan.device, loan=loan)
    audit_record(principal, "return_receipt.created", receipt, {"patient_id": patient.pk, "devices": serials})
    return receipt


def return_receipt_for(principal, receipt_id) -> ReturnReceipt:
    from core.errors import NotFound

    receipt = (ReturnReceipt.objects.select_related("patient", "customer", "prescriber")
               .prefetch_related("lines__device__article").filter(pk=receipt_id).first())
    if receipt is None:
        raise NotFound("Kvittot finns inte.")
    principal.require_customer(receipt.customer_id)
    return receipt
