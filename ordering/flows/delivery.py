"""What happens at the door, in ordering's words (drivers' runs in supply call these with the
order already locked, inside their own transaction, after checking that the driver is the
run's): the receiver's signature kept with the delivery, a failed delivery ("ingen hemma"), a
failed pickup, and the return receipt a driver's pickup makes with the signature on it.

A failed delivery is an order event with `data["failed_delivery"] = True`; the invoice basis
books the failed-delivery fee for each such event (`invoicing.charges.fee_charges`), so it is
written exactly once per failed attempt. The order itself stays open (confirmed or dispatched)
to be planned on a new run; the orderer and prescriber are told."""
from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from audit.services import audit_record
from core.errors import IllegalTransition
from core.message_text import Text
from core.numbering import next_number

from ..models import Delivery, Message, Order, OrderEvent, OrderStatus, OrderType, ReturnReceipt, ReturnReceiptLine
from ..transitions import record_event
from .core import notify

S = OrderStatus
FAILABLE = (S.CONFIRMED, S.DISPATCHED)


def delivery_signature_set(delivery: Delivery, actor, *, png: bytes) -> Delivery:
    """Keep the receiver's signature (a PNG already checked) with the delivery."""
    delivery.signature_png = png
    delivery.save(update_fields=["signature_png", "updated_at"])
    audit_record(actor, "delivery.signed", delivery.order, {"delivery_id": delivery.pk, "bytes": len(png)})
    return delivery


def delivery_failed_record(order: Order, actor, *, on: dt.date | None = None, note: str = "",
                           ref: str = "") -> OrderEvent:
    """Nobody was home: the delivery attempt is cancelled as failed (the fee applies once), the
    order waits for a new delivery date, and the orderer/prescriber get a message."""
    if order.order_type != OrderType.CUSTOMER or order.status not in FAILABLE:
        raise IllegalTransition(_("En bomkörning kan inte registreras när ordern är %(status)s.") % {"status": order.get_status_display().lower()},
                                errors={"status": [order.status]})
    on = on or timezone.localdate()
    event = record_event(order, actor, event_type=OrderEvent.Type.NOTE, from_status=order.status,
                         to_status=order.status, reason=("Ingen hemma. " + note).strip()[:1000],
                         data={"failed_delivery": True, "on": str(on), "ref": ref})
    audit_record(actor, "order.failed_delivery", order, {"on": str(on), "ref": ref})
    notify(order, Message.Kind.FAILED_DELIVERY,
           Text(gettext_noop("Leveransen av order %(number)s kunde inte genomföras"), number=order.number),
           Text(gettext_noop("Ingen var hemma när Hjälpmedelscentralens chaufför kom med order %(number)s den %(on)s. "
                             "Leveransen är avbokad och en avgift för bomkörning debiteras. Hjälpmedelscentralen "
                             "planerar en ny leverans; kontakta kundtjänst om leveransadress eller kontaktuppgifter "
                             "behöver ändras."), number=order.number, on=f"{on:%Y-%m-%d}"))
    return event


def pickup_failed_record(order: Order, actor, *, on: dt.date | None = None, note: str = "",
                         ref: str = "") -> OrderEvent:
    """Nobody was home at a pickup: an event and a message; the pickup order stays planned."""
    if order.order_type != OrderType.PICKUP or order.status != S.PLANNED:
        raise IllegalTransition(_("Hämtningen kan inte registreras som misslyckad när ordern är %(status)s.") % {"status": order.get_status_display().lower()}, errors={"status": [order.status]})
    on = on or timezone.localdate()
    event = record_event(order, actor, event_type=OrderEvent.Type.NOTE, from_status=order.status,
                         to_status=order.status, reason=("Ingen hemma. " + note).strip()[:1000],
                         data={"failed_pickup": True, "on": str(on), "ref": ref})
    audit_record(actor, "order.failed_pickup", order, {"on": str(on), "ref": ref})
    notify(order, Message.Kind.INFO,
           Text(gettext_noop("Hämtningen av order %(number)s kunde inte genomföras"), number=order.number),
           Text(gettext_noop("Ingen var hemma när Hjälpmedelscentralens chaufför kom för att hämta order %(number)s "
                             "den %(on)s. Hjälpmedelscentralen planerar en ny hämtning."),
                number=order.number, on=f"{on:%Y-%m-%d}"))
    return event


def visit_failed_record(order: Order, actor, *, on: dt.date | None = None, note: str = "", ref: str = "") -> OrderEvent:
    """Nobody was home at a technician's visit: an event on the work order (it stays accepted)."""
    on = on or timezone.localdate()
    event = record_event(order, actor, event_type=OrderEvent.Type.NOTE, from_status=order.status,
                         to_status=order.status, reason=("Ingen hemma vid besöket. " + note).strip()[:1000],
                         data={"failed_visit": True, "on": str(on), "ref": ref})
    audit_record(actor, "order.failed_visit", order, {"on": str(on), "ref": ref})
    return event


def pickup_receipt_signed(order: Order, actor, *, signed_by_name: str, png: bytes,
                          returned_on: dt.date) -> ReturnReceipt:
    """The return receipt of a pickup the driver collected (after `pickup_mark_picked_up`): the
    devices handed over, who handed them over and their signature."""
    receipt = ReturnReceipt.objects.create(
        number=next_number("RK"), patient_id=order.patient_id, customer_id=order.customer_id,
        prescriber_id=order.prescriber_id, created_by_label=getattr(actor, "label", "")[:200],
        returned_on=returned_on, pickup_order=order, signed_by_name=signed_by_name[:120], signature_png=png)
    rows = [ReturnReceiptLine(receipt=receipt, device_id=ln.device_id, loan_id=ln.loan_id)
            for ln in order.pickup_lines.all() if ln.loan_id]
    ReturnReceiptLine.objects.bulk_create(rows)
    audit_record(actor, "return_receipt.signed", receipt, {"pickup": order.number, "devices": len(rows)})
    return receipt
