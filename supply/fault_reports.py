"""The supply centre's handling of fault reports (DESIGN.md §4): investigate, record the
reports to the manufacturer and to the authority (Läkemedelsverket) with dates, answer (the
answer reaches the reporter's inbox only when a reply was asked for), close.
`registered → investigating → answered → closed`."""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from access.roles import Perm
from audit.services import audit_record
from core.errors import IllegalTransition
from ordering import service_common as c
from ordering.models import Message, Order, OrderEvent, OrderStatus, OrderType
from ordering.service_models import FaultReportDetail
from ordering.services import notify
from ordering.transitions import apply_transition, record_event

S = OrderStatus


def _lock(order_id) -> tuple[Order, FaultReportDetail]:
    order = c.lock_service_order(order_id, OrderType.FAULT)
    return order, FaultReportDetail.objects.get(order=order)


@transaction.atomic
def fault_investigate(principal, order_id) -> Order:
    c.require_supply(principal, Perm.WORK_ORDER_HANDLE)
    order, _ = _lock(order_id)
    apply_transition(order, S.INVESTIGATING, principal)
    return order


@transaction.atomic
def fault_record_reports(principal, order_id, *, manufacturer_on=None, authority_on=None) -> Order:
    """When the report was sent to the manufacturer and/or Läkemedelsverket."""
    c.require_supply(principal, Perm.WORK_ORDER_HANDLE)
    manufacturer_on = c.clean_date(manufacturer_on, "manufacturer_on", future_ok=False)
    authority_on = c.clean_date(authority_on, "authority_on", future_ok=False)
    if manufacturer_on is None and authority_on is None:
        c.fail("manufacturer_on", "Ange minst ett datum.")
    order, detail = _lock(order_id)
    if order.status == S.CLOSED:
        raise IllegalTransition("Rapporten är stängd.")
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


@transaction.atomic
def fault_answer(principal, order_id, *, answer: str) -> Order:
    c.require_supply(principal, Perm.WORK_ORDER_HANDLE)
    answer = c.clean_text(answer, "answer", 4000, "Svaret", required=True)
    order, detail = _lock(order_id)
    apply_transition(order, S.ANSWERED, principal)
    detail.answer, detail.answered_at = answer, timezone.now()
    detail.save(update_fields=["answer", "answered_at"])
    if detail.reply_to_reporter:
        notify(order, Message.Kind.ANSWER, f"Svar på avvikelse {order.number}",
               f"Hjälpmedelscentralen har besvarat avvikelserapport {order.number}: {answer}")
    return order


@transaction.atomic
def fault_close(principal, order_id) -> Order:
    c.require_supply(principal, Perm.WORK_ORDER_HANDLE)
    order, _ = _lock(order_id)
    apply_transition(order, S.CLOSED, principal)
    return order
