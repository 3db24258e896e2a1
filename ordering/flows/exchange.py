"""Exchange (byte, issue 17; docs/prescribing.md "Exchange"): replace a device on the patient
with another article. One action creates, linked to each other, a customer order for the new
article (submitted at once, checked like any order: prescribing rights, loan terms) and a pickup
order for the old device, with a reason from `ExchangeReason`.

Rules (`exchangeable`): permanent loans; time-limited ones on or before their return date;
trials (keep / return / exchange). Short-term loans, loans that started today (the new one could
start the same day), devices with an open pickup or exchange are refused.

No day is charged twice (the rent rule counts `started_on`..`ended_on`, both inclusive,
`invoicing.charges.loan_days`): when the new device is delivered on day D, the old loan ends on
D − 1 (`exchange_delivered`, called as the exchange order is delivered) and the old device is in
transit; the pickup order then finds the loan ended and only records the collection. If the old
device is collected first, its loan ends by the pickup rule but at the latest the day before the
pickup (`old_loan_end`), so the new loan (delivered on the pickup day or later) never overlaps."""
from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record
from catalogue.models import LoanType
from core.errors import Conflict
from core.transactions import entry_point

from ..models import CustomerOrderKind, Order, OrderEvent, OrderStatus, OrderType, PickupLine, PickupReason
from ..transitions import record_event
from . import core as c
from . import loans

L = LoanType
S = OrderStatus
ONE_DAY = dt.timedelta(days=1)


class ExchangeReason(models.TextChoices):
    WRONG_SIZE = "wrong_size", _("Fel storlek")
    WORN_OUT = "worn_out", _("Utslitet")
    NEEDS_CHANGED = "needs_changed", _("Ändrade behov")
    TRIAL_UNSUITABLE = "trial_unsuitable", _("Utprovningen visade att ett annat hjälpmedel behövs")
    DEFECTIVE = "defective", _("Återkommande fel")


PICKUP_REASON = {ExchangeReason.WRONG_SIZE: PickupReason.WRONG_SIZE}


def exchangeable(loan, today: dt.date | None = None) -> str:
    """"" when the loan may be exchanged, else why not (Swedish)."""
    today = today or timezone.localdate()
    if loan.ended_on is not None:
        return "Utlåningen är redan avslutad."
    if loan.patient.deceased_on is not None:
        return "Patienten är avliden; beställ hämtning i stället."
    if loan.loan_type == L.SHORT_TERM:
        return "Ett korttidslån kan inte bytas; beställ hämtning och ett nytt hjälpmedel."
    if loan.loan_type == L.TIME_LIMITED and loan.loan_until is not None and loan.loan_until < today:
        return (f"Lånet skulle ha lämnats tillbaka {loan.loan_until:%Y-%m-%d} och kan inte bytas; förläng det eller "
                "beställ hämtning.")
    if loan.started_on >= today:
        return "Hjälpmedlet lämnades ut i dag; ett byte kan beställas från i morgon."
    return ""


def _open_exchange_for(loan) -> Order | None:
    return (Order.objects.filter(order_type=OrderType.CUSTOMER, extra__exchange__loan_id=loan.pk,
                                 status__in=("submitted", "confirmed", "dispatched")).first())


@entry_point
def exchange_create(principal, loan_id, *, article_number: str, reason: str, note: str = "",
                    loan_type: str = "", loan_until=None, unit_id: int | None = None) -> Order:
    """The delivery order for the new article and the pickup of the old device, linked. Returns
    the new customer order (`order.extra["exchange"]["pickup_id"]` names the pickup order)."""
    from .customer import DraftInput, LineInput, get_orderable_article, order_draft_create
    from .pickup import PickupInput, PickupLineInput, pickup_create

    loan = loans.loan_for_customer(principal, loan_id)
    reason = c.clean_choice(reason, ExchangeReason, "reason", gettext("Välj orsak till bytet."))
    note = c.clean_text(note, "note", c.NOTE_MAX, gettext("Meddelandet"))
    why_not = exchangeable(loan)
    if why_not:
        raise Conflict(why_not, code="not_exchangeable")
    article = get_orderable_article(article_number)
    if not article.is_tracked:
        c.fail("article_number", gettext("Artikeln %(article_number)s är inte ett individmärkt hjälpmedel och kan inte ersätta en individ.") % {"article_number": article.article_number})
    if PickupLine.objects.filter(device=loan.device, order__status__in=c.OPEN_PICKUP).exists():
        raise Conflict(gettext("Det finns redan en öppen hämtorder för individ %(serial)s.") % {"serial": loan.device.serial}, code="pickup_exists")
    if _open_exchange_for(loan) is not None:
        raise Conflict(gettext("Individ %(serial)s har redan ett pågående byte.") % {"serial": loan.device.serial}, code="exchange_exists")
    source = loans.orders_for_loans([loan]).get(loan.pk)
    if unit_id is None and source is not None and source.unit_id in principal.unit_ids:
        unit_id = source.unit_id
    # The new device keeps the old loan's terms unless others are given (a trial's date must
    # still lie ahead; a permanent loan stays permanent).
    if not loan_type and loan.loan_type != L.TRIAL:
        loan_type, loan_until = loan.loan_type, loan_until or loan.loan_until
    label = ExchangeReason(reason).label
    text = f"Byte av individ {loan.device.serial} ({loan.device.article.article_number}): {label}."
    order = order_draft_create(principal, DraftInput(
        patient_id=loan.patient_id, unit_id=unit_id, kind=CustomerOrderKind.TO_PATIENT,
        note=(f"{text} {note}".strip())[:c.NOTE_MAX],
        lines=[LineInput(article.article_number, 1, None, loan_type, loan_until)]), submit=True)
    pickup = pickup_create(principal, PickupInput(
        patient_id=loan.patient_id, unit_id=order.unit_id, note=text,
        lines=[PickupLineInput(loan.device.serial, PICKUP_REASON.get(reason, PickupReason.REPLACED))]))
    link = {"loan_id": loan.pk, "device": loan.device.serial, "reason": reason, "reason_label": str(label)}
    order.extra = {**(order.extra or {}), "exchange": {**link, "pickup_id": pickup.pk, "pickup": pickup.number}}
    order.save(update_fields=["extra", "updated_at"])
    pickup.extra = {**(pickup.extra or {}), "exchange": {**link, "order_id": order.pk, "order": order.number}}
    pickup.save(update_fields=["extra", "updated_at"])
    for o, other in ((order, pickup), (pickup, order)):
        record_event(o, principal, event_type=OrderEvent.Type.NOTE, from_status=o.status, to_status=o.status,
                     reason=f"{text} Kopplad till {other.number}.", data={"exchange": link, "linked": other.number})
    audit_record(principal, "order.exchange_created", order, {**link, "pickup": pickup.number})
    return order


def exchange_delivered(order: Order, actor, *, delivered_on: dt.date) -> None:
    """Called (in the delivery's transaction) when an exchange order is delivered: the old loan
    ends the day before the new one starts (never before its own start), the old device is in
    transit, and the pickup order's line records the end."""
    from stock import returns
    from stock.models import Loan

    info = (order.extra or {}).get("exchange")
    if not info:
        return
    old = Loan.objects.filter(pk=info["loan_id"], ended_on__isnull=True).first()
    if old is None:
        return  # collected (or handed back) already
    end = max(old.started_on, delivered_on - ONE_DAY)
    returns.loan_end_in_transit(loan=old, on=end, reason=f"Bytt ({order.number}: {info.get('reason_label', '')})",
                                actor=actor)
    PickupLine.objects.filter(order_id=info.get("pickup_id"), loan_id=old.pk).update(loan_ended_on=end)
    record_event(order, actor, event_type=OrderEvent.Type.NOTE, from_status=order.status, to_status=order.status,
                 reason=f"Lånet av individ {info['device']} slutade {end:%Y-%m-%d} (bytet).",
                 data={"exchange_old_loan_ended_on": str(end), "loan_id": old.pk})


def old_loan_end(pickup: Order, end: dt.date, *, picked_up_on: dt.date, started_on: dt.date) -> dt.date:
    """The end of an exchanged device's loan when it is collected before the new one is
    delivered: by the pickup rule, at the latest the day before the pickup (never before its start)."""
    if not (pickup.extra or {}).get("exchange"):
        return end
    return max(started_on, min(end, picked_up_on - ONE_DAY))
