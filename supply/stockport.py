"""Thin adapter from supply's order handling to `stock.services` (contracts.md): normalises the
allocation result so order handling does not depend on its exact shape."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _


@dataclass
class Reserved:
    devices: list = field(default_factory=list)  # tracked: Device rows reserved
    quantity: int = 0  # units reserved (tracked: len(devices))
    backordered: int = 0


def lock_articles(article_ids) -> None:
    """Lock every central stock row of these articles at once, in a fixed order (see
    `stock.services.stock_lock_for_allocation`), before allocating or releasing line by line."""
    from stock import services as stock_services

    stock_services.stock_lock_for_allocation(article_ids)


def allocate(*, article, quantity: int, ref: str, actor) -> Reserved:
    from stock import services as stock_services

    result = stock_services.allocate(article=article, quantity=quantity, ref=ref, actor=actor)
    devices = list(getattr(result, "devices", None) or [])
    device = getattr(result, "device", None)
    if device is not None and device not in devices:
        devices.append(device)
    reserved = getattr(result, "reserved", None)
    if reserved is None:
        reserved = getattr(result, "quantity_reserved", None)
    if reserved is None:
        reserved = len(devices) if article.is_tracked else quantity
    backordered = getattr(result, "back_ordered", None)
    if backordered is None:
        backordered = getattr(result, "backordered", None)
    if backordered is None:
        backordered = quantity - int(reserved)
    return Reserved(devices=devices, quantity=int(reserved), backordered=int(backordered))


def release(*, line, ref: str, actor) -> None:
    from stock import services as stock_services

    if line.device_id:
        stock_services.release(device=line.device, ref=ref, actor=actor)
    elif line.allocated_quantity:
        stock_services.release(article=line.article, quantity=line.allocated_quantity - line.delivered_quantity,
                               ref=ref, actor=actor)


def deliver(*, line, quantity: int, patient, customer, cost_centre, ref: str, actor, on, store=None):
    """Tracked article to a patient: the loan starts. To a buffer store (`store`): the goods are
    booked into the store. Otherwise the quantity is issued."""
    from stock import services as stock_services

    if store is not None:
        from stock.buffer import services as buffer_stock

        return buffer_stock.store_receive(store=store, article=line.article, quantity=quantity,
                                          device=line.device if line.device_id else None, ref=ref, actor=actor)

    if line.device_id and patient is not None:
        return stock_services.deliver_to_patient(device=line.device, patient=patient, customer=customer,
                                                 cost_centre=cost_centre, ref=ref, actor=actor, on=on,
                                                 loan_type=line.loan_type or "permanent",
                                                 loan_until=line.loan_until)
    if line.device_id:
        from core.errors import Conflict

        raise Conflict(_("Individmärkta artiklar kan bara levereras till en patient."), code="tracked_needs_patient")
    return stock_services.issue(article=line.article, quantity=quantity, ref=ref, actor=actor)
