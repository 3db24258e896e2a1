"""State machines of the order kinds as one table of allowed moves (DESIGN.md §4).

`MOVES[order_type][(from, to)]` names the side that may make the move: "customer" (the
customer's users and systems) or "supply" (the supply centre). Every table is complete here,
at import; nothing registers moves elsewhere. Every transition goes through
`apply_transition`, whose gate (`check_move`) refuses a move that is not in the table or is made
by the wrong side, in a message naming the order kind and both states; it then writes an
`OrderEvent` and an audit row. Callers lock the order row first (`lock_order`). Background work
(actor None, "system") may make any listed move."""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import actor_parts, audit_record
from core.errors import IllegalTransition, NotFound

from .events import events_recorded
from .models import Order, OrderEvent, OrderStatus, OrderType

S = OrderStatus
CUSTOMER = "customer"
SUPPLY = "supply"

MOVES: dict[str, dict[tuple[str, str], str]] = {
    OrderType.CUSTOMER: {
        (S.DRAFT, S.SUBMITTED): CUSTOMER,
        (S.SUBMITTED, S.CONFIRMED): SUPPLY,
        (S.CONFIRMED, S.DISPATCHED): SUPPLY,
        (S.DISPATCHED, S.DELIVERED): SUPPLY,
        (S.SUBMITTED, S.CANCELLED): SUPPLY,
        (S.CONFIRMED, S.CANCELLED): SUPPLY,
        (S.DRAFT, S.WITHDRAWN): CUSTOMER,
        (S.SUBMITTED, S.WITHDRAWN): CUSTOMER,
        # Special requests (ordering.flows.special): the consultant approves (→ a normal submitted
        # order), rejects, or asks for more information, which the prescriber supplies.
        (S.DRAFT, S.SPECIAL_REQUESTED): CUSTOMER,
        (S.SPECIAL_REQUESTED, S.SUBMITTED): SUPPLY,
        (S.SPECIAL_REQUESTED, S.REJECTED): SUPPLY,
        (S.SPECIAL_REQUESTED, S.INFO_REQUESTED): SUPPLY,
        (S.INFO_REQUESTED, S.SPECIAL_REQUESTED): CUSTOMER,
        (S.SPECIAL_REQUESTED, S.WITHDRAWN): CUSTOMER,
        (S.INFO_REQUESTED, S.WITHDRAWN): CUSTOMER,
        # … where the customer's terms say so, the customer's own approver decides first
        # (ordering.flows.approval): approve (→ the consultants' queue), reject, or ask; the
        # prescriber's answer to the approver's question comes back to the approver.
        (S.DRAFT, S.CUSTOMER_APPROVAL): CUSTOMER,
        (S.CUSTOMER_APPROVAL, S.SPECIAL_REQUESTED): CUSTOMER,
        (S.CUSTOMER_APPROVAL, S.REJECTED): CUSTOMER,
        (S.CUSTOMER_APPROVAL, S.INFO_REQUESTED): CUSTOMER,
        (S.INFO_REQUESTED, S.CUSTOMER_APPROVAL): CUSTOMER,
        (S.CUSTOMER_APPROVAL, S.WITHDRAWN): CUSTOMER,
    },
    OrderType.WORK: {
        (S.DRAFT, S.SUBMITTED): CUSTOMER,
        (S.SUBMITTED, S.ACCEPTED): SUPPLY,
        (S.ACCEPTED, S.IN_PROGRESS): SUPPLY,
        (S.IN_PROGRESS, S.COMPLETED): SUPPLY,
        (S.SUBMITTED, S.CANCELLED): SUPPLY,
        (S.ACCEPTED, S.CANCELLED): SUPPLY,
    },
    OrderType.PICKUP: {
        (S.SUBMITTED, S.PLANNED): SUPPLY,
        (S.PLANNED, S.PICKED_UP): SUPPLY,
        (S.PICKED_UP, S.RECEIVED): SUPPLY,
        (S.SUBMITTED, S.CANCELLED): SUPPLY,
        (S.PLANNED, S.CANCELLED): SUPPLY,
    },
    OrderType.FAULT: {
        (S.REGISTERED, S.INVESTIGATING): SUPPLY,
        (S.INVESTIGATING, S.ANSWERED): SUPPLY,
        (S.ANSWERED, S.CLOSED): SUPPLY,
    },
}

# The status each kind is born in (the first event enters it; `order_create`).
INITIAL = {
    OrderType.CUSTOMER: (S.DRAFT, S.SUBMITTED),
    OrderType.WORK: (S.DRAFT, S.SUBMITTED),
    OrderType.PICKUP: (S.SUBMITTED,),
    OrderType.FAULT: (S.REGISTERED,),
}

# Swedish messages for refused moves, by target status.
_REFUSED = {
    S.SUBMITTED: "Ordern kan inte skickas när den är {status}.",
    S.CONFIRMED: "Ordern kan inte bekräftas när den är {status}.",
    S.DISPATCHED: "Ordern kan inte skickas ut när den är {status}.",
    S.DELIVERED: "Ordern kan inte levereras när den är {status}.",
    S.CANCELLED: "Ordern kan inte makuleras när den är {status}.",
    S.WITHDRAWN: "Ordern kan inte återkallas när den är {status}.",
    S.ACCEPTED: "Ordern kan inte accepteras när den är {status}.",
    S.SPECIAL_REQUESTED: "Ordern kan inte skickas som särskilt beslut när den är {status}.",
    S.CUSTOMER_APPROVAL: "Ordern kan inte skickas till kundens godkännare när den är {status}.",
    S.INFO_REQUESTED: "Ordern kan inte få en begäran om komplettering när den är {status}.",
    S.REJECTED: "Ordern kan inte avslås när den är {status}.",
    S.IN_PROGRESS: "Arbetet kan inte påbörjas när ordern är {status}.",
    S.COMPLETED: "Ordern kan inte avslutas när den är {status}.",
    S.PLANNED: "Hämtningen kan inte planeras när ordern är {status}.",
    S.PICKED_UP: "Hämtningen kan inte registreras när ordern är {status}.",
    S.RECEIVED: "Ordern kan inte tas emot när den är {status}.",
    S.INVESTIGATING: "Utredningen kan inte påbörjas när rapporten är {status}.",
    S.ANSWERED: "Rapporten kan inte besvaras när den är {status}.",
    S.CLOSED: "Rapporten kan inte stängas när den är {status}.",
}
_SIDE_REFUSED = {
    CUSTOMER: "Endast kunden kan göra den ändringen.",
    SUPPLY: "Endast Hjälpmedelscentralen kan göra den ändringen.",
}


def is_allowed(order_type: str, from_status: str, to_status: str) -> bool:
    return (from_status, to_status) in MOVES.get(order_type, {})


def status_label(status: str) -> str:
    try:
        label = str(OrderStatus(status).label)
        return label[:1].lower() + label[1:]  # "skickad till HMC", not "hmc"
    except ValueError:
        return status


def kind_name(order_type: str) -> str:
    try:
        return str(OrderType(order_type).label)
    except ValueError:
        return order_type


def side_of(actor) -> str | None:
    """"supply", "customer", or None for the system (background work, demo data)."""
    if actor is None:
        return None
    is_supply = getattr(actor, "is_supply", None)
    if is_supply is None:
        return None
    return SUPPLY if is_supply else CUSTOMER


def _where(order: Order, to_status: str) -> str:
    return f" ({kind_name(order.order_type)}: {status_label(order.status)} → {status_label(to_status)})"


def refused(order: Order, to_status: str) -> IllegalTransition:
    """The error for a move from the order's status to `to_status` that is not allowed (here: by
    the table; a flow uses it for a move the table has but the flow does not offer from there)."""
    template = _REFUSED.get(to_status, "Otillåten statusändring från {status}.")
    return IllegalTransition(template.format(status=status_label(order.status)) + _where(order, to_status),
                             errors={"status": [order.status]})


def check_move(order: Order, to_status: str, actor=None) -> None:
    """The gate: the move must be in the kind's table and made by the side the table names."""
    where = _where(order, to_status)
    side = MOVES.get(order.order_type, {}).get((order.status, to_status))
    if side is None:
        raise refused(order, to_status)
    acting = side_of(actor)
    if acting is not None and acting != side:
        raise IllegalTransition(_SIDE_REFUSED[side] + where, code="wrong_side", errors={"status": [order.status]})


def lock_order(order_id: int, *, order_type: str | None = None) -> Order:
    """The order row locked for the rest of the transaction (`select_for_update`)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_order must run inside a transaction")
    qs = Order.objects.select_for_update(of=("self",))
    if order_type:
        qs = qs.filter(order_type=order_type)
    try:
        return qs.get(pk=order_id)
    except Order.DoesNotExist:
        raise NotFound(_("Ordern finns inte.")) from None


def actor_fields(actor) -> dict:
    """Who made an order event: the user (shown by full name) or else the principal's label."""
    if actor is None:
        return {"actor_user": None, "actor_label": "system"}
    user, _client = actor_parts(actor)
    if user is not None:
        return {"actor_user": user, "actor_label": user.get_full_name() or user.get_username()}
    label = getattr(actor, "label", "") or (actor.get_username() if hasattr(actor, "get_username") else "")
    return {"actor_user": None, "actor_label": label or "okänd"}


def record_event(order: Order, actor, *, event_type: str, from_status: str = "", to_status: str = "",
                 reason: str = "", data: dict | None = None) -> OrderEvent:
    event = event_row(order, actor, event_type=event_type, from_status=from_status, to_status=to_status,
                      reason=reason, data=data)
    event.save()
    events_recorded([event])
    return event


def event_row(order: Order, actor, *, event_type: str, from_status: str = "", to_status: str = "",
              reason: str = "", data: dict | None = None) -> OrderEvent:
    """An unsaved event, for `OrderEvent.objects.bulk_create` when one request makes several."""
    return OrderEvent(order=order, event_type=event_type, from_status=from_status, to_status=to_status,
                      reason=reason[:1000], data=data or {}, **actor_fields(actor))


def apply_transition(order: Order, to_status: str, actor, *, reason: str = "", data: dict | None = None,
                     update_fields: list[str] | None = None) -> OrderEvent:
    """Check the move, change the status (plus `update_fields` already set on `order`), write
    the event and the audit row. `order` must be locked by the caller."""
    check_move(order, to_status, actor)
    from_status = order.status
    order.status = to_status
    fields = ["status", "updated_at", *(update_fields or [])]
    order.updated_at = timezone.now()
    order.save(update_fields=list(dict.fromkeys(fields)))
    event = record_event(order, actor, event_type=OrderEvent.Type.TRANSITION, from_status=from_status,
                         to_status=to_status, reason=reason, data=data)
    audit_record(actor, f"order.{to_status}", order, {"from": from_status, "to": to_status, **(data or {})})
    return event
