"""The supply centre's handling of pickup orders (DESIGN.md §4): plan (pickup date), record
picked up (the loans end by the rent-end rule and the devices are in transit), receive at the
supply centre (each device to refurbishment), or cancel with a reason (a new pickup order is
needed). One transaction per step; the order row is locked."""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from access.roles import Perm
from ordering import service_common as c
from ordering.models import Order, OrderStatus, OrderType
from ordering.pickups import rent_end_date
from ordering.services import cancel_with_notice
from ordering.transitions import apply_transition, check_move

S = OrderStatus


def _lock(order_id) -> Order:
    return c.lock_service_order(order_id, OrderType.PICKUP)


@transaction.atomic
def pickup_plan(principal, order_id, *, planned_date) -> Order:
    c.require_supply(principal, Perm.ORDER_HANDLE)
    planned = c.clean_date(planned_date, "planned_date", past_ok=False, required=True)
    order = _lock(order_id)
    order.planned_date = planned
    apply_transition(order, S.PLANNED, principal, data={"planned_date": str(planned)},
                     update_fields=["planned_date"])
    return order


@transaction.atomic
def pickup_picked_up(principal, order_id, *, picked_up_on=None) -> Order:
    """The driver collected the devices: each loan ends (rent-end rule, see `ordering.pickups`),
    the devices leave the patient view and are in transit."""
    from stock import returns

    c.require_supply(principal, Perm.ORDER_HANDLE)
    picked = c.clean_date(picked_up_on, "picked_up_on", future_ok=False) or timezone.localdate()
    order = _lock(order_id)
    check_move(order, S.PICKED_UP)
    submitted_on = timezone.localdate(order.submitted_at) if order.submitted_at else picked
    ends = {}
    for line in order.pickup_lines.select_related("loan", "device"):
        loan = line.loan
        if loan is None or loan.ended_on is not None:
            loan = returns.open_loan(line.device)
        if loan is None:  # handed back already (return receipt): nothing to end
            continue
        end = rent_end_date(submitted_on=submitted_on, picked_up_on=picked, started_on=loan.started_on)
        returns.loan_end_in_transit(loan=loan, on=end, reason=f"Hämtad ({order.number}: {line.get_reason_display()})",
                                    actor=principal)
        line.loan, line.loan_ended_on = loan, end
        line.save(update_fields=["loan", "loan_ended_on"])
        ends[line.device.serial] = str(end)
    # The pickup date customers search by ("hämtdatum") is the day it was actually collected.
    planned = order.planned_date
    order.planned_date = picked
    order.extra = {**(order.extra or {}), "picked_up_on": str(picked)}
    apply_transition(order, S.PICKED_UP, principal, update_fields=["planned_date", "extra"],
                     data={"picked_up_on": str(picked), "planned_date": str(planned), "loan_ended_on": ends})
    return order


@transaction.atomic
def pickup_receive(principal, order_id) -> Order:
    """The devices arrived at the supply centre: each awaits refurbishment there."""
    from stock import returns

    c.require_supply(principal, Perm.ORDER_HANDLE)
    order = _lock(order_id)
    check_move(order, S.RECEIVED)
    now = timezone.now()
    for line in order.pickup_lines.select_related("device"):
        returns.receive_for_refurbishment(device=line.device, ref=order.number, actor=principal)
        line.received_at = now
        line.save(update_fields=["received_at"])
    apply_transition(order, S.RECEIVED, principal)
    return order


@transaction.atomic
def pickup_cancel(principal, order_id, *, reason: str) -> Order:
    c.require_supply(principal, Perm.ORDER_HANDLE)
    reason = c.clean_reason(reason)
    order = _lock(order_id)
    return cancel_with_notice(
        order, principal, reason=reason, subject=f"Hämtorder {order.number} är makulerad",
        text=f"Hämtorder {order.number} kan inte genomföras och har makulerats. Orsak: {reason}. "
             f"En ny hämtorder måste läggas.")
