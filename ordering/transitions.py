"""State machines of the order types as one table of allowed moves (DESIGN.md §4).

`MOVES[order_type][(from, to)]` names who may make the move ("customer" or "supply").
Other order types (work, pickup, fault) add their rows with `register_moves`. Every
transition goes through `apply_transition`, which checks the move, writes an `OrderEvent`
and an audit row. Callers lock the order row first (`lock_order`)."""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from audit.services import actor_parts, audit_record
from core.errors import IllegalTransition, NotFound

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
    },
}

# Swedish messages for refused moves, by target status.
_REFUSED = {
    S.SUBMITTED: "Ordern kan inte skickas när den är {status}.",
    S.CONFIRMED: "Ordern kan inte bekräftas när den är {status}.",
    S.DISPATCHED: "Ordern kan inte skickas ut när den är {status}.",
    S.DELIVERED: "Ordern kan inte levereras när den är {status}.",
    S.CANCELLED: "Ordern kan inte makuleras när den är {status}.",
    S.WITHDRAWN: "Ordern kan inte återkallas när den är {status}.",
}


def register_moves(order_type: str, moves: dict[tuple[str, str], str], refused: dict[str, str] | None = None):
    MOVES.setdefault(order_type, {}).update(moves)
    for k, v in (refused or {}).items():
        _REFUSED.setdefault(k, v)


def is_allowed(order_type: str, from_status: str, to_status: str) -> bool:
    return (from_status, to_status) in MOVES.get(order_type, {})


def status_label(status: str) -> str:
    try:
        return str(OrderStatus(status).label).lower()
    except ValueError:
        return status


def check_move(order: Order, to_status: str) -> None:
    if not is_allowed(order.order_type, order.status, to_status):
        template = _REFUSED.get(to_status, "Otillåten statusändring från {status}.")
        raise IllegalTransition(template.format(status=status_label(order.status)),
                                errors={"status": [order.status]})


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
        raise NotFound("Ordern finns inte.") from None


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
    check_move(order, to_status)
    from_status = order.status
    order.status = to_status
    fields = ["status", "updated_at", *(update_fields or [])]
    order.updated_at = timezone.now()
    order.save(update_fields=list(dict.fromkeys(fields)))
    event = record_event(order, actor, event_type=OrderEvent.Type.TRANSITION, from_status=from_status,
                         to_status=to_status, reason=reason, data=data)
    audit_record(actor, f"order.{to_status}", order, {"from": from_status, "to": to_status, **(data or {})})
    return event
