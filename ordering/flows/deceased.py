"""A patient marked deceased (issue 17; docs/prescribing.md "Deceased patient").

`patient_deceased_record` records the date (`patients.services.patient_mark_deceased`) and, in
the same transaction, stops everything still open for the patient through the move tables
(`ordering.transitions`), as background work would (actor None, the reason naming who recorded
it): customer orders not yet confirmed are withdrawn (special requests too, also those awaiting the
customer's approver, who is told), confirmed ones cancelled (their reserved
stock released; dispatched ones are on the road and are left, listed in the result); work orders submitted or accepted are cancelled; loan reminders
are stopped (`loans.loan_reminders_stop`). Orderers and prescribers get a message for each order
stopped; the recording user gets one proposing the pickup of every device on loan, which
`patient_pickup_all` (one click in the patient view) creates. Pickup orders already open are left
alone (they bring devices back), as are work orders in progress (named in the result). New
orders, exchanges and reminders for the patient are refused from then on."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from audit.services import audit_record
from core.errors import Conflict
from core.message_text import Text
from core.transactions import entry_point

from ..models import Message, Order, OrderStatus, OrderType, PickupLine, PickupReason
from ..transitions import apply_transition
from . import approval, loans
from . import core as c

S = OrderStatus
WITHDRAW = (S.DRAFT, S.CUSTOMER_APPROVAL, S.SPECIAL_REQUESTED, S.INFO_REQUESTED, S.SUBMITTED)
CANCEL = (S.CONFIRMED,)  # a dispatched order is on its way: left to the driver's outcome (listed)
WORK_CANCEL = (S.SUBMITTED, S.ACCEPTED)


@dataclass
class DeceasedResult:
    patient: object
    stopped: list[str] = field(default_factory=list)  # order numbers
    left: list[str] = field(default_factory=list)  # open orders not stopped (pickups, work in progress)
    reminders: int = 0
    devices: list[str] = field(default_factory=list)  # serials on loan (the proposed pickup)


def _release(order: Order) -> None:
    from stock import services as stock_services

    lines = list(order.lines.select_related("article", "device"))
    stock_services.stock_lock_for_allocation(sorted({ln.article_id for ln in lines}))
    for ln in lines:
        ref = f"{order.number}:{ln.line_no}"
        if ln.device_id and ln.delivered_quantity == 0 and ln.device.status == "reserved":
            stock_services.release(device=ln.device, ref=ref)
        elif not ln.device_id and ln.allocated_quantity > ln.delivered_quantity:
            stock_services.release(article=ln.article, quantity=ln.allocated_quantity - ln.delivered_quantity,
                                   ref=ref)
        if ln.allocated_quantity != ln.delivered_quantity:
            ln.allocated_quantity = ln.delivered_quantity
            ln.save(update_fields=["allocated_quantity", "updated_at"])


def _stop(order: Order, to: str, reason: str) -> None:
    if to == S.CANCELLED and order.order_type == OrderType.CUSTOMER:
        _release(order)
    at_customer = order.status == S.CUSTOMER_APPROVAL
    order.closed_reason = reason
    apply_transition(order, to, None, reason=reason, update_fields=["closed_reason"])
    c.notify(order, Message.Kind.CANCELLED,
             Text(gettext_noop("Order %(number)s är stoppad: patienten är avliden"), number=order.number),
             Text(gettext_noop("Beställningen %(number)s har stoppats eftersom patienten har registrerats som avliden. "
                               "Ingen leverans görs.") if order.order_type == OrderType.CUSTOMER else
                  gettext_noop("Arbetsordern %(number)s har stoppats eftersom patienten har registrerats som avliden. "
                               "Ingen leverans görs."), number=order.number))
    if at_customer:  # the customer's approvers were told it waits for them
        approval.stopped(order)


@entry_point
def patient_deceased_record(principal, patient_id, *, on) -> DeceasedResult:
    from patients.services import patient_mark_deceased
    from stock.services import loans_lock_open

    patient = c.patient_for_order(principal, patient_id)
    patient = patient_mark_deceased(principal, patient, on=on)
    who = getattr(principal, "label", "") or "okänd"
    reason = f"Patienten är avliden ({patient.deceased_on:%Y-%m-%d}; registrerat av {who})."
    result = DeceasedResult(patient=patient)
    open_ids = list(Order.objects.filter(patient=patient).exclude(
        status__in=(S.DELIVERED, S.CANCELLED, S.WITHDRAWN, S.REJECTED, S.COMPLETED, S.RECEIVED, S.CLOSED))
        .order_by("pk").values_list("pk", flat=True))
    for oid in open_ids:
        from ..transitions import lock_order

        order = lock_order(oid)
        to = None
        if order.order_type == OrderType.CUSTOMER:
            to = S.WITHDRAWN if order.status in WITHDRAW else S.CANCELLED if order.status in CANCEL else None
        elif order.order_type == OrderType.WORK and order.status in WORK_CANCEL:
            to = S.CANCELLED
        if to is None:
            result.left.append(order.number)
            continue
        _stop(order, to, reason)
        result.stopped.append(order.number)
    result.reminders = loans.loan_reminders_stop(patient, actor=principal, reason="deceased")
    result.devices = [lo.device.serial for lo in loans_lock_open(patient)]
    if result.devices:
        c.message_send([principal.user] if principal.user is not None else [], kind=Message.Kind.INFO,
                       subject=Text(gettext_noop("Föreslagen hämtning: patienten är avliden")),
                       text=Text(gettext_noop("Patienten är registrerad som avliden. %(count)s hjälpmedel är utlånade "
                                              "(%(devices)s). Öppna patientens hjälpmedelsbild och välj ”Beställ "
                                              "hämtning av alla” för att skapa hämtordern. Stoppade ordrar: "
                                              "%(stopped)s.") if result.stopped else
                                 gettext_noop("Patienten är registrerad som avliden. %(count)s hjälpmedel är utlånade "
                                              "(%(devices)s). Öppna patientens hjälpmedelsbild och välj ”Beställ "
                                              "hämtning av alla” för att skapa hämtordern."),
                                 count=len(result.devices), devices=", ".join(result.devices),
                                 stopped=", ".join(result.stopped)))
    audit_record(principal, "patient.deceased_recorded", patient, {
        "on": patient.deceased_on.isoformat(), "stopped": result.stopped, "left": result.left,
        "reminders": result.reminders, "devices": result.devices})
    return result


@entry_point
def patient_pickup_all(principal, patient_id) -> Order:
    """The proposed pickup: one pickup order for every device on loan that no open pickup holds,
    reason "patienten avliden"."""
    from stock.selectors import open_loans_for_patient

    from .pickup import PickupInput, PickupLineInput, pickup_create

    patient = c.patient_for_order(principal, patient_id)
    if patient.deceased_on is None:
        raise Conflict(_("Patienten är inte registrerad som avliden; välj hjälpmedel på en vanlig hämtorder."),
                       code="patient_not_deceased")
    open_loans = open_loans_for_patient(patient)
    busy = set(PickupLine.objects.filter(device__in=[lo.device for lo in open_loans],
                                         order__status__in=c.OPEN_PICKUP).values_list("device_id", flat=True))
    serials = [lo.device.serial for lo in open_loans if lo.device_id not in busy]
    if not serials:
        raise Conflict(_("Inga utlånade hjälpmedel att hämta (eller så finns hämtorder redan)."), code="nothing_to_pick_up")
    return pickup_create(principal, PickupInput(
        patient_id=patient.pk, note="Patienten är avliden.",
        lines=[PickupLineInput(s, PickupReason.DECEASED) for s in serials]))
