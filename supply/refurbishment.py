"""Refurbishment (rekonditionering, DESIGN.md §5): returned devices arrive (in transit →
awaiting refurbishment), are inspected and either go back into central stock as refurbished
(available from now, counted in availability) or are scrapped with a reason. All stock effects
go through `stock.returns` → `stock.services` (ledger, projection, availability, audit)."""
from __future__ import annotations

from django.utils.translation import gettext as _

from access.roles import Perm
from core.errors import NotFound
from core.transactions import entry_point


def _device(serial: str):
    from stock.models import Device

    device = Device.objects.select_related("article").filter(serial=(serial or "").strip()).first()
    if device is None:
        raise NotFound(_("Individen finns inte."))
    return device


def _require(principal) -> None:
    principal.require(Perm.STOCK_MANAGE)
    if not principal.is_supply:
        raise NotFound(_("Individen finns inte."))


@entry_point
def device_receive(principal, serial: str):
    """A device handed back on a return receipt arrived: it awaits refurbishment."""
    from stock import returns

    _require(principal)
    return returns.receive_for_refurbishment(device=_device(serial), ref="retur", actor=principal)


@entry_point
def device_refurbished(principal, serial: str):
    from stock import returns

    _require(principal)
    return returns.refurbish_to_stock(device=_device(serial), ref="rekond", actor=principal)


@entry_point
def device_scrapped(principal, serial: str, *, reason: str):
    from stock import returns

    _require(principal)
    return returns.scrap_after_inspection(device=_device(serial), reason=reason, ref="rekond", actor=principal)


def refurbishment_queue(*, limit: int = 200) -> dict[str, list]:
    from stock.models import Device

    rows = list(Device.objects.filter(status__in=(Device.Status.IN_TRANSIT, Device.Status.AWAITING_REFURBISHMENT,
                                                  Device.Status.IN_REPAIR))
                .select_related("article", "location").order_by("updated_at", "pk")[:limit])
    return {"in_transit": [d for d in rows if d.status == Device.Status.IN_TRANSIT],
            "awaiting": [d for d in rows if d.status != Device.Status.IN_TRANSIT]}
