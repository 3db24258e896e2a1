"""Special requests (särskilt beslut, docs/prescribing.md): a patient order with a line that is
outside the assortment, above the customer's cost ceiling, needing consultation or a competence
the prescriber lacks (where the rule allows a request) goes to the supply centre's consultants
with a reason and a structured justification. They approve (the order becomes a normal submitted
order, its history kept), reject with a reason, or ask for more information, which the
prescriber supplies. Every step is a move in the customer order's table
(`ordering.transitions.MOVES`) and messages the prescriber. The decision is due within
`LYFTA_SPECIAL_REQUEST_WEEKDAYS` weekdays (default 5), measured from the events."""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from access.roles import Perm
from core.calendar import add_weekdays, weekdays_between
from core.message_text import Text
from core.transactions import composed, entry_point

from .. import pricing
from ..models import Message, Order, OrderEvent, OrderStatus, OrderType, Priority
from ..transitions import apply_transition, refused
from . import approval, prescribing
from .core import (
    REASON_MAX,
    attachment_add,
    clean_text,
    fail,
    notify,
    order_for_customer,
    order_lock_for_supply,
    require_orderer,
    require_supply,
)

S = OrderStatus
TEXT_MAX = 2000
DECIDED = (S.SUBMITTED, S.REJECTED, S.INFO_REQUESTED)


def decide_within_weekdays() -> int:
    return int(getattr(settings, "LYFTA_SPECIAL_REQUEST_WEEKDAYS", 5))


def _required(value, name: str, label: str, limit: int = TEXT_MAX) -> str:
    text = clean_text(value, name, limit, label)
    if not text:
        fail(name, _("%(label)s måste fyllas i.") % {"label": label})
    return text


def _request(order: Order) -> dict:
    return dict((order.extra or {}).get("special_request") or {})


def _save_request(order: Order, request: dict) -> None:
    order.extra = {**(order.extra or {}), "special_request": request}


@entry_point
def special_request_submit(principal, order_id: int, *, reason: str, need: str, tried: str) -> Order:
    """Send a draft (or a request the consultant asked about) as a special request: the reason,
    the patient's need, what has been tried. The prescribing check runs: a line that may not be
    prescribed at all is still refused; an order that needs no special decision is sent as a
    normal order instead (`order_submit`)."""
    require_orderer(principal)
    order = order_for_customer(principal, order_id, lock=True)
    if order.status not in (S.DRAFT, S.INFO_REQUESTED):
        # (not the table's answer: from `customer_approval` only the customer's approver moves on)
        raise refused(order, S.SPECIAL_REQUESTED)
    reason = _required(reason, "reason", _("Orsaken"), REASON_MAX)
    need = _required(need, "need", _("Patientens behov"))
    tried = _required(tried, "tried", _("Vad som har prövats"))
    lines = list(order.lines.select_related("article"))
    if not lines:
        fail("lines", _("Ordern har inga rader."))
    if not prescribing.applies_to(order):
        fail("kind", _("Särskilt beslut gäller beställningar till en patient."))
    decision = prescribing.decide(order, [("lines", ln.article, ln.quantity) for ln in lines])
    prescribing.refuse_if_not_allowed(decision)
    if decision["outcome"] != prescribing.SPECIAL:
        fail("lines", _("Ordern behöver inget särskilt beslut; skicka den som vanlig beställning."))
    today = timezone.localdate()
    request = _request(order)
    rounds = list(request.get("rounds", []))
    rounds.append({"at": timezone.now().isoformat(), "reason": reason, "need": need, "tried": tried})
    first = order.status == S.DRAFT
    request.update(reason=reason, need=need, tried=tried, rounds=rounds,
                   grounds=[f"{ln['article']} {ln['reason']}" for ln in decision["lines"]
                            if ln["outcome"] == prescribing.SPECIAL])
    if first:
        # Where the customer's terms say so, the customer's own approver decides first (approval.py).
        customer_rule = approval.approval_needed(order, lines)
        request.update(requested_on=today.isoformat(),
                       due_on=add_weekdays(today, decide_within_weekdays()).isoformat(),
                       customer_approval=customer_rule)
        to_customer = customer_rule is not None
    else:  # the answer goes back to whoever asked
        to_customer = request.get("asked_by") == approval.CUSTOMER_STEP
    target = S.CUSTOMER_APPROVAL if to_customer else S.SPECIAL_REQUESTED
    if to_customer:
        approval.entered(order, request)
    _save_request(order, request)
    order.extra["prescribing"] = decision
    order.submitted_at = order.submitted_at or timezone.now()
    apply_transition(order, target, principal, reason=reason,
                     data={"prescribing": decision, "need": need, "tried": tried},
                     update_fields=["extra", "submitted_at"])
    subject = (Text(gettext_noop("Särskilt beslut för order %(number)s är skickad"), number=order.number) if first
               else Text(gettext_noop("Särskilt beslut för order %(number)s är kompletterad och skickad igen"),
                         number=order.number))
    if to_customer:
        notify(order, Message.Kind.INFO, subject, Text(
            gettext_noop("Order %(number)s är skickad till kundens godkännare, som beslutar före "
                         "Hjälpmedelscentralens konsulent. Kundens beslut senast %(due_on)s.") if first else
            gettext_noop("Order %(number)s är kompletterad och skickad igen till kundens godkännare, som beslutar "
                         "före Hjälpmedelscentralens konsulent. Kundens beslut senast %(due_on)s."),
            number=order.number, due_on=request["customer_due_on"]))
    else:
        notify(order, Message.Kind.INFO, subject, Text(
            gettext_noop("Order %(number)s är skickad till Hjälpmedelscentralens konsulent för beslut. Beslut senast "
                         "%(due_on)s.") if first else
            gettext_noop("Order %(number)s är kompletterad och skickad igen till Hjälpmedelscentralens konsulent för "
                         "beslut. Beslut senast %(due_on)s."),
            number=order.number, due_on=request["due_on"]))
    return order


@entry_point
def special_request_submit_with_attachment(principal, order_id: int, *, reason: str, need: str, tried: str,
                                           upload=None) -> Order:
    """The request and an optional attachment in one transaction: a refused file writes nothing."""
    with composed():
        order = special_request_submit(principal, order_id, reason=reason, need=need, tried=tried)
        if upload:
            attachment_add(principal, order_id, upload, order_type=OrderType.CUSTOMER)
    return order


def _for_decision(principal, order_id) -> Order:
    require_supply(principal, Perm.SPECIAL_REQUEST_DECIDE)
    return order_lock_for_supply(order_id, OrderType.CUSTOMER)


def _decided(order: Order, principal, outcome: str, text: str) -> None:
    request = _request(order)
    decisions = list(request.get("decisions", []))
    decisions.append({"at": timezone.now().isoformat(), "outcome": outcome, "text": text,
                      "by": getattr(principal, "label", ""), "step": approval.SUPPLY_STEP})
    request["decisions"] = decisions
    _save_request(order, request)


@entry_point
def special_request_approve(principal, order_id: int, *, note: str = "") -> Order:
    """Approve: the order becomes a normal submitted order (to be confirmed as any other)."""
    order = _for_decision(principal, order_id)
    note = clean_text(note, "note", REASON_MAX, _("Kommentaren"))
    _decided(order, principal, "approved", note)
    lines = [ln.article for ln in order.lines.select_related("article")]
    order.promised_date = pricing.promised_date(lines, urgent=order.priority == Priority.URGENT)
    order.submitted_at = timezone.now()
    apply_transition(order, S.SUBMITTED, principal, reason=note,
                     data={"special_request": "approved", "promised_date": str(order.promised_date)},
                     update_fields=["extra", "promised_date", "submitted_at"])
    notify(order, Message.Kind.INFO, Text(gettext_noop("Särskilt beslut för order %(number)s är godkänt"),
                                          number=order.number),
           Text(gettext_noop("Det särskilda beslutet för order %(number)s är godkänt: %(note)s. Ordern behandlas nu "
                             "som en vanlig beställning.") if note else
                gettext_noop("Det särskilda beslutet för order %(number)s är godkänt. Ordern behandlas nu som en "
                             "vanlig beställning."), number=order.number, note=note))
    return order


@entry_point
def special_request_reject(principal, order_id: int, *, reason: str) -> Order:
    order = _for_decision(principal, order_id)
    reason = _required(reason, "reason", _("Orsaken"), REASON_MAX)
    _decided(order, principal, "rejected", reason)
    order.closed_reason = reason
    apply_transition(order, S.REJECTED, principal, reason=reason, data={"special_request": "rejected"},
                     update_fields=["extra", "closed_reason"])
    notify(order, Message.Kind.INFO, Text(gettext_noop("Särskilt beslut för order %(number)s är avslaget"),
                                          number=order.number),
           Text(gettext_noop("Det särskilda beslutet för order %(number)s är avslaget. Orsak: %(reason)s"),
                number=order.number, reason=reason))
    return order


@entry_point
def special_request_ask(principal, order_id: int, *, question: str) -> Order:
    """Ask the prescriber for more information; they answer with `special_request_submit`."""
    order = _for_decision(principal, order_id)
    question = _required(question, "question", _("Frågan"), REASON_MAX)
    _decided(order, principal, "info_requested", question)
    order.extra["special_request"]["asked_by"] = approval.SUPPLY_STEP
    apply_transition(order, S.INFO_REQUESTED, principal, reason=question, data={"special_request": "info_requested"},
                     update_fields=["extra"])
    notify(order, Message.Kind.INFO, Text(gettext_noop("Komplettering behövs för order %(number)s"), number=order.number),
           Text(gettext_noop("Hjälpmedelscentralens konsulent behöver mer information om order %(number)s: "
                             "%(question)s Komplettera och skicka det särskilda beslutet igen."),
                number=order.number, question=question))
    return order


# --------------------------------------------------------------------------- reads


def special_request_queue(principal):
    """The consultants' queue: requests awaiting a decision, the oldest first."""
    require_supply(principal, Perm.SPECIAL_REQUEST_DECIDE)
    return (Order.objects.filter(order_type=OrderType.CUSTOMER, status=S.SPECIAL_REQUESTED)
            .select_related("customer", "unit", "prescriber").prefetch_related("lines__article", "attachments")
            .order_by("submitted_at", "id"))


def decision_times(order_ids=None, *, since: dt.date | None = None) -> list[dict]:
    """For every decision (approve / reject / ask) the weekdays since the request entered
    `special_requested`, measured from the order's events; `within` says whether it met the level."""
    qs = OrderEvent.objects.filter(order__order_type=OrderType.CUSTOMER, event_type=OrderEvent.Type.TRANSITION)
    qs = qs.filter(to_status=S.SPECIAL_REQUESTED) | qs.filter(from_status=S.SPECIAL_REQUESTED)
    if order_ids is not None:
        qs = qs.filter(order_id__in=order_ids)
    if since is not None:
        qs = qs.filter(at__date__gte=since)
    level = decide_within_weekdays()
    entered: dict[int, dt.datetime] = {}
    out = []
    for e in qs.order_by("order_id", "at", "id"):
        if e.to_status == S.SPECIAL_REQUESTED:
            entered[e.order_id] = e.at
        elif e.order_id in entered and e.to_status in DECIDED:
            start = timezone.localtime(entered.pop(e.order_id)).date()
            days = weekdays_between(start, timezone.localtime(e.at).date())
            out.append({"order_id": e.order_id, "outcome": e.to_status, "weekdays": days, "within": days <= level})
    return out


def service_level(since: dt.date | None = None) -> dict:
    """Share of decisions made within the level (for the queue page and statistics)."""
    rows = decision_times(since=since)
    met = sum(1 for r in rows if r["within"])
    return {"decisions": len(rows), "within": met, "weekdays": decide_within_weekdays(),
            "share": round(100 * met / len(rows)) if rows else None}
