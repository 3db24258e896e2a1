"""The customer's own approver of special requests (docs/prescribing.md "The customer's own
approver"). Where the customer's terms say so (`access.CustomerPrescribingTerms.
customer_approval_required`, optionally only above an order cost), a special request first waits
for a user holding the role *Godkännare hos kunden* at the order's customer
(`customer_approval`). The approver approves (→ `special_requested`: the consultants' queue),
rejects with a reason (→ `rejected`), or asks the prescriber for more information
(→ `info_requested`; the answer comes back to the approver). Every step is a move in the customer
order's table (`ordering.transitions.MOVES`, side customer), audited, recorded as an event with
the decision and its reason, and messages the prescriber.

Who may decide: the permission `ordering.customer_approvals`, the approver role at a unit of the
order's *own* customer (another customer's order does not exist: 404, as `one_visible_order`),
and never the prescriber or orderer of the order (four eyes: 403 `own_request`). The decision
is due within `LYFTA_CUSTOMER_APPROVAL_WEEKDAYS` weekdays (default 3) of the request reaching the
approver; `customer_decision_times` measures it from the events."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from access.roles import Perm, Role
from core.calendar import add_weekdays, weekdays_between
from core.errors import NotFound, PermissionDenied
from core.message_text import Text
from core.transactions import entry_point

from ..models import Message, Order, OrderEvent, OrderStatus, OrderType
from ..transitions import apply_transition, refused
from .core import REASON_MAX, clean_text, fail, message_send, notify, order_for_customer

S = OrderStatus
CUSTOMER_STEP = "customer"  # `decisions[].step` / `asked_by` of the customer's approver
SUPPLY_STEP = "supply"
CUSTOMER_DECIDED = (S.SPECIAL_REQUESTED, S.REJECTED, S.INFO_REQUESTED)


def decide_within_weekdays() -> int:
    return int(getattr(settings, "LYFTA_CUSTOMER_APPROVAL_WEEKDAYS", 3))


def order_cost(lines) -> Decimal:
    """What the customer's threshold compares: purchase price × quantity over the order's lines
    (the measure of the cost ceiling, summed)."""
    return sum(((ln.article.purchase_price or Decimal(0)) * ln.quantity for ln in lines), Decimal(0))


def approval_needed(order: Order, lines) -> dict | None:
    """The customer's rule for this request, or None when the consultants decide alone:
    {"required": true, "above": "5000.00" | null, "cost": "7200.00"} (stored with the request)."""
    from access.selectors import customer_approval_terms

    required, above = customer_approval_terms(order.customer_id)
    if not required:
        return None
    cost = order_cost(lines)
    if above is not None and cost <= above:
        return None
    return {"required": True, "above": str(above) if above is not None else None, "cost": str(cost)}


def entered(order: Order, request: dict) -> None:
    """A request reaches the approver (first time or after the prescriber's answer): the due date
    of this round, and a message to the customer's approvers (not the order's own people)."""
    from access.selectors import users_holding

    request["customer_due_on"] = add_weekdays(timezone.localdate(), decide_within_weekdays()).isoformat()
    own = {order.orderer_id, order.prescriber_id}
    approvers = [u for u in users_holding(order.customer_id, Role.CUSTOMER_APPROVER) if u.pk not in own]
    message_send(approvers, kind=Message.Kind.INFO, order=order,
                 subject=Text(gettext_noop("Särskilt beslut väntar på ditt godkännande: order %(number)s"),
                              number=order.number),
                 text=Text(gettext_noop("Order %(number)s är ett särskilt beslut som väntar på kundens godkännande "
                                        "senast %(due_on)s. Godkänn, avslå eller begär komplettering under "
                                        "Godkännanden."), number=order.number, due_on=request["customer_due_on"]))


def stopped(order: Order) -> None:
    """A request that waited for the customer was stopped by the system (the patient is deceased):
    the approvers who were told it waits for them are told it no longer does (read in each
    approver's language, core.message_text)."""
    from access.selectors import users_holding

    own = {order.orderer_id, order.prescriber_id}
    approvers = [u for u in users_holding(order.customer_id, Role.CUSTOMER_APPROVER) if u.pk not in own]
    message_send(approvers, kind=Message.Kind.CANCELLED, order=order,
                 subject=Text(gettext_noop("Särskilt beslut väntar inte längre på ditt godkännande: order "
                                           "%(number)s"), number=order.number),
                 text=Text(gettext_noop("Order %(number)s är stoppad eftersom patienten har registrerats som avliden. "
                                        "Inget beslut behövs."), number=order.number))


# --------------------------------------------------------------------------- who may decide


def approver_customer_ids(principal) -> set[int]:
    """The customers whose requests the principal decides: where the user holds the approver role."""
    from access.selectors import customers_where_user_holds

    if principal.is_supply or principal.user is None:
        return set()
    return customers_where_user_holds(principal.user.pk, Role.CUSTOMER_APPROVER) & set(principal.customer_ids)


def _for_decision(principal, order_id, to_status: str) -> Order:
    principal.require(Perm.CUSTOMER_APPROVAL_DECIDE)
    if principal.is_supply or principal.user is None:
        raise NotFound(_("Ordern finns inte."))
    order = order_for_customer(principal, order_id, lock=True)  # another customer's: 404
    if order.customer_id not in approver_customer_ids(principal):
        raise NotFound(_("Ordern finns inte."))  # a role at this customer, but not the approver's
    if principal.user.pk in (order.prescriber_id, order.orderer_id):
        raise PermissionDenied(_("Du kan inte besluta om ett särskilt beslut som du själv har skickat."),
                               code="own_request")
    if order.status != S.CUSTOMER_APPROVAL:
        raise refused(order, to_status)  # e.g. a question of the consultant's is not the approver's
    return order


def _request(order: Order) -> dict:
    return dict((order.extra or {}).get("special_request") or {})


def _decided(order: Order, principal, outcome: str, text: str) -> dict:
    request = _request(order)
    decisions = list(request.get("decisions", []))
    decisions.append({"at": timezone.now().isoformat(), "outcome": outcome, "text": text,
                      "by": principal.user.get_full_name() or principal.label, "step": CUSTOMER_STEP})
    request["decisions"] = decisions
    return request


def _save(order: Order, request: dict) -> None:
    order.extra = {**(order.extra or {}), "special_request": request}


# --------------------------------------------------------------------------- decisions


@entry_point
def customer_approval_approve(principal, order_id: int, *, note: str = "") -> Order:
    """The customer approves: the request goes to the supply centre's consultants, whose decision
    is due `LYFTA_SPECIAL_REQUEST_WEEKDAYS` weekdays from today."""
    from .special import decide_within_weekdays as consultants_weekdays

    order = _for_decision(principal, order_id, S.SPECIAL_REQUESTED)
    note = clean_text(note, "note", REASON_MAX, _("Kommentaren"))
    request = _decided(order, principal, "approved", note)
    request["due_on"] = add_weekdays(timezone.localdate(), consultants_weekdays()).isoformat()
    _save(order, request)
    apply_transition(order, S.SPECIAL_REQUESTED, principal, reason=note,
                     data={"special_request": "customer_approved", "step": CUSTOMER_STEP},
                     update_fields=["extra"])
    notify(order, Message.Kind.INFO,
           Text(gettext_noop("Kunden har godkänt det särskilda beslutet för order %(number)s"), number=order.number),
           Text(gettext_noop("Kundens godkännare har godkänt det särskilda beslutet för order %(number)s: %(note)s. "
                             "Det går nu till Hjälpmedelscentralens konsulent; beslut senast %(due_on)s.") if note else
                gettext_noop("Kundens godkännare har godkänt det särskilda beslutet för order %(number)s. Det går nu "
                             "till Hjälpmedelscentralens konsulent; beslut senast %(due_on)s."),
                number=order.number, note=note, due_on=request["due_on"]))
    return order


@entry_point
def customer_approval_reject(principal, order_id: int, *, reason: str) -> Order:
    order = _for_decision(principal, order_id, S.REJECTED)
    reason = clean_text(reason, "reason", REASON_MAX, _("Orsaken"))
    if not reason:
        fail("reason", _("Ange varför det särskilda beslutet avslås."))
    request = _decided(order, principal, "rejected", reason)
    _save(order, request)
    order.closed_reason = reason
    apply_transition(order, S.REJECTED, principal, reason=reason,
                     data={"special_request": "customer_rejected", "step": CUSTOMER_STEP},
                     update_fields=["extra", "closed_reason"])
    notify(order, Message.Kind.INFO,
           Text(gettext_noop("Kunden har avslagit det särskilda beslutet för order %(number)s"), number=order.number),
           Text(gettext_noop("Kundens godkännare har avslagit det särskilda beslutet för order %(number)s. Orsak: "
                             "%(reason)s"), number=order.number, reason=reason))
    return order


@entry_point
def customer_approval_ask(principal, order_id: int, *, question: str) -> Order:
    """Ask the prescriber; their answer (`special_request_submit`) comes back to the approver."""
    order = _for_decision(principal, order_id, S.INFO_REQUESTED)
    question = clean_text(question, "question", REASON_MAX, _("Frågan"))
    if not question:
        fail("question", _("Skriv frågan till förskrivaren."))
    request = _decided(order, principal, "info_requested", question)
    request["asked_by"] = CUSTOMER_STEP
    _save(order, request)
    apply_transition(order, S.INFO_REQUESTED, principal, reason=question,
                     data={"special_request": "customer_info_requested", "step": CUSTOMER_STEP},
                     update_fields=["extra"])
    notify(order, Message.Kind.INFO, Text(gettext_noop("Komplettering behövs för order %(number)s"), number=order.number),
           Text(gettext_noop("Kundens godkännare behöver mer information om order %(number)s: %(question)s "
                             "Komplettera och skicka det särskilda beslutet igen."),
                number=order.number, question=question))
    return order


# --------------------------------------------------------------------------- reads


def customer_approval_queue(principal):
    """The approver's queue: their own customers' requests awaiting the customer, the oldest
    first, without the approver's own requests (which they may not decide)."""
    principal.require(Perm.CUSTOMER_APPROVAL_DECIDE)
    customers = approver_customer_ids(principal)
    qs = (Order.objects.filter(order_type=OrderType.CUSTOMER, status=S.CUSTOMER_APPROVAL, customer_id__in=customers)
          .select_related("customer", "unit", "prescriber").prefetch_related("lines__article", "attachments")
          .order_by("submitted_at", "id"))
    if principal.user is not None:
        qs = qs.exclude(prescriber_id=principal.user.pk).exclude(orderer_id=principal.user.pk)
    return qs


def customer_approval_get(principal, order_id: int, *, log: bool = True) -> Order:
    """One request in the approver's queue (404 otherwise: another customer's, or not awaiting),
    with its events; the patient's need is shown, so one patient-access row (`log`)."""
    from audit.services import patient_access_record

    order = customer_approval_queue(principal).prefetch_related("events").filter(pk=order_id).first()
    if order is None:
        raise NotFound(_("Ordern finns inte."))
    if log and order.patient_id:
        patient_access_record(principal, order.patient_id, "customer_approval")
    return order


def is_late(order: Order, today: dt.date | None = None) -> bool:
    due = _request(order).get("customer_due_on")
    return bool(due) and due < (today or timezone.localdate()).isoformat()


def customer_decision_times(order_ids=None, *, since: dt.date | None = None) -> list[dict]:
    """For every decision of the customer's approver (approve / reject / ask) the weekdays since
    the request entered `customer_approval` (this round), from the order's events; `within` says
    whether it met `LYFTA_CUSTOMER_APPROVAL_WEEKDAYS`. The consultants' own measure
    (`special.decision_times`) starts when the request enters `special_requested`."""
    qs = OrderEvent.objects.filter(order__order_type=OrderType.CUSTOMER, event_type=OrderEvent.Type.TRANSITION)
    qs = qs.filter(to_status=S.CUSTOMER_APPROVAL) | qs.filter(from_status=S.CUSTOMER_APPROVAL)
    if order_ids is not None:
        qs = qs.filter(order_id__in=order_ids)
    if since is not None:
        qs = qs.filter(at__date__gte=since)
    level = decide_within_weekdays()
    started: dict[int, dt.datetime] = {}
    out = []
    for e in qs.order_by("order_id", "at", "id"):
        if e.to_status == S.CUSTOMER_APPROVAL:
            started[e.order_id] = e.at
        elif e.order_id in started and e.to_status in CUSTOMER_DECIDED:
            start = timezone.localtime(started.pop(e.order_id)).date()
            days = weekdays_between(start, timezone.localtime(e.at).date())
            out.append({"order_id": e.order_id, "outcome": e.to_status, "weekdays": days, "within": days <= level})
    return out


def customer_service_level(principal, since: dt.date | None = None) -> dict:
    """Share of the approver's customers' decisions made within the level (the queue page)."""
    ids = Order.objects.filter(customer_id__in=approver_customer_ids(principal), order_type=OrderType.CUSTOMER,
                               events__to_status=S.CUSTOMER_APPROVAL).values_list("id", flat=True).distinct()
    rows = customer_decision_times(list(ids), since=since)
    met = sum(1 for r in rows if r["within"])
    return {"decisions": len(rows), "within": met, "weekdays": decide_within_weekdays(),
            "share": round(100 * met / len(rows)) if rows else None}
