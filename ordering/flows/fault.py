"""Fault reports (AV, DESIGN.md §4): negative event, near-miss (tillbud) or complaint
(reklamation) about a product, a device or a service. Born `registered`; the supply centre
investigates, records the reports to the manufacturer and to the authority (Läkemedelsverket)
with dates, answers (the answer reaches the reporter's inbox only when a reply was asked for)
and closes it: `registered → investigating → answered → closed`.

Complaint window: 3 months for rented devices and articles, 12 months for purchased ones, counted
from the delivery (the start of the device's loan for this customer, the related order's delivery
or a work order's completion). A complaint outside it, or one whose delivery cannot be told, is
refused with a Swedish message."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from access.roles import Perm
from audit.services import audit_record
from core.errors import IllegalTransition
from core.message_text import Text
from core.transactions import entry_point

from ..models import (
    FaultConcerns,
    FaultKind,
    FaultRemedy,
    FaultReportDetail,
    FaultReturnMethod,
    Message,
    Order,
    OrderEvent,
    OrderStatus,
    OrderType,
)
from ..transitions import apply_transition, record_event
from . import core as c

S = OrderStatus
RENT_WINDOW_MONTHS = 3
PURCHASE_WINDOW_MONTHS = 12


@dataclass
class FaultReportInput:
    kind: str
    concerns: str
    description: str
    occurred_on: object
    patient_id: int | None = None
    article_number: str = ""
    device_serial: str = ""
    related_order_id: int | None = None
    related_order_number: str = ""
    injury: bool = False
    remedy: str = FaultRemedy.NONE
    return_method: str = FaultReturnMethod.NONE
    reply_to_reporter: bool = False
    unit_id: int | None = None
    contact_name: str = ""
    contact_phone: str = ""
    orderer_hsa_id: str = ""
    orderer_username: str = ""


def _device_for(principal, serial: str):
    from stock.models import Device, Loan

    device = Device.objects.select_related("article").filter(serial=(serial or "").strip()).first()
    if device is None:
        c.fail("device_serial", gettext("Individ %(serial)s finns inte.") % {"serial": serial})
    if not principal.is_supply and not Loan.objects.filter(device=device,
                                                           customer_id__in=principal.customer_ids).exists():
        c.fail("device_serial", gettext("Individ %(serial)s har inte lånats ut genom er.") % {"serial": serial})
    return device


def _related_order(principal, order_id) -> Order:
    try:
        order = Order.objects.filter(pk=int(order_id), order_type__in=(OrderType.CUSTOMER, OrderType.WORK)).first()
    except (TypeError, ValueError):
        order = None
    if order is None or not principal.can_see_customer(order.customer_id) or order.status == S.DRAFT:
        c.fail("related_order_id", gettext("Ordern finns inte."))
    return order


def _article(number: str):
    from catalogue.models import Article

    article = Article.objects.filter(article_number=(number or "").strip()).first()
    if article is None:
        c.fail("article_number", gettext("Artikeln %(number)s finns inte.") % {"number": number})
    return article


def delivered_on(principal, *, device=None, article=None, related: Order | None = None) -> dt.date | None:
    """When the thing complained about was delivered to this customer (None if not known)."""
    from stock.models import Loan

    if related is not None:
        if related.order_type == OrderType.WORK:
            detail = getattr(related, "work_detail", None)
            done = detail.completed_at if detail else None
            return timezone.localtime(done).date() if done else None
        return timezone.localtime(related.delivered_at).date() if related.delivered_at else None
    if device is not None:
        loans = Loan.objects.filter(device=device)
        if not principal.is_supply:
            loans = loans.filter(customer_id__in=principal.customer_ids)
        loan = loans.order_by("-started_on").first()
        return loan.started_on if loan else device.purchase_date
    return None


def complaint_window_months(charging: str) -> int:
    return RENT_WINDOW_MONTHS if charging == "rent" else PURCHASE_WINDOW_MONTHS


def check_complaint_window(principal, *, device=None, article=None, related: Order | None = None,
                           today: dt.date | None = None) -> None:
    today = today or timezone.localdate()
    delivered = delivered_on(principal, device=device, article=article, related=related)
    if delivered is None:
        c.fail("related_order_id", gettext("Ange vilken leverans eller individ reklamationen gäller "
                                   "(reklamationstiden räknas från leveransen)."))
    if device is not None:
        charging = device.article.charging
    elif article is not None:
        charging = article.charging
    elif related is not None and related.order_type == OrderType.CUSTOMER:
        chargings = set(related.lines.values_list("charging", flat=True))
        charging = "rent" if chargings == {"rent"} else "purchase"
    else:
        charging = "purchase"
    months = complaint_window_months(charging)
    if today > delivered + relativedelta(months=months):
        what = gettext("hyrda") if charging == "rent" else gettext("köpta")
        c.fail("kind", gettext("Reklamationstiden har gått ut: %(what)s hjälpmedel kan reklameras inom %(months)s månader från leveransen (levererat %(delivered)s).") % {"what": what, "months": months, "delivered": format(delivered, '%Y-%m-%d')})


@entry_point
def fault_report_create(principal, data: FaultReportInput) -> Order:
    c.require_orderer(principal)
    kind = c.clean_choice(data.kind, FaultKind, "kind", gettext("Välj typ av avvikelse."))
    concerns = c.clean_choice(data.concerns, FaultConcerns, "concerns", gettext("Ange vad rapporten avser."))
    description = c.clean_text(data.description, "description", 4000, gettext("Beskrivningen"), required=True)
    occurred = c.clean_date(data.occurred_on, "occurred_on", future_ok=False, required=True)
    remedy = c.clean_choice(data.remedy or FaultRemedy.NONE, FaultRemedy, "remedy", gettext("Ogiltigt önskemål."))
    method = c.clean_choice(data.return_method or FaultReturnMethod.NONE, FaultReturnMethod, "return_method",
                            gettext("Ogiltigt retursätt."))
    patient = c.patient_for_order(principal, data.patient_id) if data.patient_id else None
    article = device = related = None
    if concerns == FaultConcerns.ARTICLE:
        if not (data.article_number or "").strip():
            c.fail("article_number", gettext("Ange artikelnummer."))
        article = _article(data.article_number)
    elif concerns == FaultConcerns.DEVICE:
        if not (data.device_serial or "").strip():
            c.fail("device_serial", gettext("Ange individnummer."))
        device = _device_for(principal, data.device_serial)
        article = device.article
    else:
        if not data.related_order_id and not (data.related_order_number or "").strip():
            c.fail("related_order_id", gettext("Ange vilken arbetsorder eller leverans rapporten gäller."))
    if not data.related_order_id and (data.related_order_number or "").strip():
        number = data.related_order_number.strip().upper()
        found = Order.objects.filter(number=number).values_list("pk", flat=True).first()
        if found is None:
            c.fail("related_order_id", gettext("Ordern %(number)s finns inte.") % {"number": number})
        data.related_order_id = found
    if data.related_order_id:
        related = _related_order(principal, data.related_order_id)
    if kind == FaultKind.COMPLAINT:
        check_complaint_window(principal, device=device, article=article if device is None else None,
                               related=related if device is None else None)
    order = c.order_header(principal, OrderType.FAULT, kind=kind, status=S.REGISTERED, patient=patient,
                           unit_id=data.unit_id, contact_name=data.contact_name, contact_phone=data.contact_phone,
                           orderer_hsa_id=data.orderer_hsa_id, orderer_username=data.orderer_username)
    c.order_create(order, principal)
    FaultReportDetail.objects.create(
        order=order, concerns=concerns, article=article, device=device, related_order=related,
        description=description, occurred_on=occurred, injury=bool(data.injury), remedy=remedy,
        return_method=method, reply_to_reporter=bool(data.reply_to_reporter))
    return order


# --------------------------------------------------------------------------- supply side

def _lock(order_id) -> tuple[Order, FaultReportDetail]:
    order = c.order_lock_for_supply(order_id, OrderType.FAULT)
    return order, FaultReportDetail.objects.get(order=order)


@entry_point
def fault_investigate(principal, order_id) -> Order:
    c.require_supply(principal, Perm.WORK_ORDER_HANDLE)
    order, _ = _lock(order_id)
    apply_transition(order, S.INVESTIGATING, principal)
    return order


@entry_point
def fault_record_reports(principal, order_id, *, manufacturer_on=None, authority_on=None) -> Order:
    """When the report was sent to the manufacturer and/or Läkemedelsverket."""
    c.require_supply(principal, Perm.WORK_ORDER_HANDLE)
    manufacturer_on = c.clean_date(manufacturer_on, "manufacturer_on", future_ok=False)
    authority_on = c.clean_date(authority_on, "authority_on", future_ok=False)
    if manufacturer_on is None and authority_on is None:
        c.fail("manufacturer_on", gettext("Ange minst ett datum."))
    order, detail = _lock(order_id)
    if order.status == S.CLOSED:
        raise IllegalTransition(gettext("Rapporten är stängd."))
    data = {}
    if manufacturer_on:
        detail.reported_to_manufacturer_on = manufacturer_on
        data["manufacturer_on"] = str(manufacturer_on)
    if authority_on:
        detail.reported_to_authority_on = authority_on
        data["authority_on"] = str(authority_on)
    detail.save(update_fields=["reported_to_manufacturer_on", "reported_to_authority_on"])
    record_event(order, principal, event_type=OrderEvent.Type.NOTE, from_status=order.status,
                 to_status=order.status, reason="Anmälan registrerad", data=data)
    audit_record(principal, "order.fault.reported", order, data)
    return order


@entry_point
def fault_answer(principal, order_id, *, answer: str) -> Order:
    c.require_supply(principal, Perm.WORK_ORDER_HANDLE)
    answer = c.clean_text(answer, "answer", 4000, gettext("Svaret"), required=True)
    order, detail = _lock(order_id)
    apply_transition(order, S.ANSWERED, principal)
    detail.answer, detail.answered_at = answer, timezone.now()
    detail.save(update_fields=["answer", "answered_at"])
    if detail.reply_to_reporter:
        c.notify(order, Message.Kind.ANSWER, Text(gettext_noop("Svar på avvikelse %(number)s"), number=order.number),
                 Text(gettext_noop("Hjälpmedelscentralen har besvarat avvikelserapport %(number)s: %(answer)s"),
                      number=order.number, answer=answer))
    return order


@entry_point
def fault_close(principal, order_id) -> Order:
    c.require_supply(principal, Perm.WORK_ORDER_HANDLE)
    order, _ = _lock(order_id)
    apply_transition(order, S.CLOSED, principal)
    return order
