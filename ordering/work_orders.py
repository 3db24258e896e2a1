"""Work orders and consultations, customer side (DESIGN.md §4): create for a patient
(optionally naming a device on the patient or a customer-order line), attach documents, submit.
`draft → submitted`; the supply centre's moves are in `supply.work_orders`."""
from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from audit.services import audit_record

from . import service_common as c
from .models import Order, OrderLine, OrderStatus, OrderType, Priority
from .service_models import CUSTOMER_WORK_KINDS, WorkKind, WorkOrderDetail
from .transitions import apply_transition

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


def _device_on_patient(serial: str, patient):
    from stock.models import Device

    device = Device.objects.select_related("article").filter(serial=(serial or "").strip()).first()
    if device is None or device.holder_patient_id != patient.pk:
        c.fail("device_serial", f"Individ {serial} är inte registrerad på patienten.")
    return device


def _order_line_for(principal, line_id, patient) -> OrderLine:
    try:
        line = OrderLine.objects.select_related("order", "device").filter(pk=int(line_id)).first()
    except (TypeError, ValueError):
        line = None
    if (line is None or line.order.order_type != OrderType.CUSTOMER
            or not principal.can_see_customer(line.order.customer_id) or line.order.patient_id != patient.pk):
        c.fail("order_line_id", "Orderraden finns inte för den här patienten.")
    return line


@transaction.atomic
def work_order_create(principal, data: WorkOrderInput, *, submit: bool = False) -> Order:
    """A work-order draft (or submitted at once with `submit`). Nothing is written on bad input."""
    c.require_orderer(principal)
    kind = c.clean_choice(data.kind, WorkKind, "kind", "Välj typ av arbetsorder.")
    if kind not in CUSTOMER_WORK_KINDS:
        c.fail("kind", "Besiktning läggs av Hjälpmedelscentralen.")
    if not data.patient_id:
        c.fail("patient_id", "Välj en patient.")
    patient = c.patient_for_order(principal, data.patient_id)
    description = c.clean_text(data.description, "description", 2000, "Beskrivningen", required=True)
    requested = c.clean_date(data.requested_date, "requested_date", past_ok=False)
    device = _device_on_patient(data.device_serial, patient) if (data.device_serial or "").strip() else None
    line = _order_line_for(principal, data.order_line_id, patient) if data.order_line_id else None
    if device is None and line is not None and line.device_id:
        device = line.device
    order = c.new_order(principal, OrderType.WORK, kind=kind, status=S.DRAFT, patient=patient,
                        unit_id=data.unit_id, priority=data.priority, requested_date=requested, note=description,
                        contact_name=data.contact_name, contact_phone=data.contact_phone)
    WorkOrderDetail.objects.create(order=order, device=device, order_line=line)
    if submit:
        _submit(principal, order)
    return order


def _submit(principal, order: Order) -> Order:
    from django.utils import timezone

    order.submitted_at = timezone.now()
    apply_transition(order, S.SUBMITTED, principal, update_fields=["submitted_at"])
    return order


@transaction.atomic
def work_order_submit(principal, order_id) -> Order:
    """Idempotent: an order already submitted is returned unchanged (double click, retry)."""
    c.require_orderer(principal)
    order = c.service_order_for_customer(principal, order_id, OrderType.WORK, lock=True)
    if order.status == S.SUBMITTED:
        return order
    return _submit(principal, order)


@transaction.atomic
def work_order_discard(principal, order_id) -> None:
    """Delete a draft that was never sent."""
    c.require_orderer(principal)
    order = c.service_order_for_customer(principal, order_id, OrderType.WORK, lock=True)
    if order.status != S.DRAFT:
        c.fail("status", "Endast utkast kan tas bort.")
    audit_record(principal, "order.work.discarded", order)
    order.delete()
