"""Devices coming back from patients and going out to service work (DESIGN.md §5):
loan end with the device in transit, arrival at refurbishment, inspection → back in stock as
refurbished or scrapped, and parts leaving stock for work orders.

Thin, named steps over `stock.services` (which post the ledger movements, keep the projection
and `ArticleAvailability` in step and write the audit rows). `ref` is a plain reference string
(an order number): stock never imports ordering."""
from __future__ import annotations

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import Conflict, ValidationFailed

from . import services
from .models import Condition, Device, Loan, Location

S = Device.Status


def refurbishment_location() -> Location:
    return services._default_location(Location.Kind.REFURBISHMENT)


def open_loan(device: Device) -> Loan | None:
    return Loan.objects.filter(device=device, ended_on__isnull=True).select_related("patient").first()


@transaction.atomic
def loan_end_in_transit(*, loan: Loan, on: datetime.date, reason: str, actor=None) -> Loan:
    """The device left the patient (picked up / handed back): the loan and the rent end on `on`
    and the device is in transit to the supply centre."""
    return services.loan_end(loan=loan, on=on, reason=reason, actor=actor, device_status=S.IN_TRANSIT)


@transaction.atomic
def receive_for_refurbishment(*, device: Device, ref: str = "", actor=None) -> Device:
    """A returned device arrived at the supply centre: awaiting refurbishment there."""
    device = Device.objects.select_for_update().get(pk=device.pk)
    if device.status == S.AWAITING_REFURBISHMENT:
        return device
    if device.status != S.IN_TRANSIT:
        raise Conflict(_("Individ %(serial)s är inte under transport (status: %(status)s).") % {"serial": device.serial, "status": device.get_status_display()},
                       code="device_not_in_transit")
    return services.device_transfer(device=device, to_location=refurbishment_location(),
                                    status=S.AWAITING_REFURBISHMENT, ref=ref, actor=actor)


def _awaiting(device: Device) -> Device:
    device = Device.objects.select_for_update().get(pk=device.pk)
    if device.status not in (S.AWAITING_REFURBISHMENT, S.IN_REPAIR):
        raise Conflict(_("Individ %(serial)s väntar inte på rekonditionering (status: %(status)s).") % {"serial": device.serial, "status": device.get_status_display()}, code="device_not_in_refurbishment")
    return device


@transaction.atomic
def refurbish_to_stock(*, device: Device, ref: str = "", actor=None, location: Location | None = None) -> Device:
    """Inspected, cleaned and repaired: back in central stock as refurbished, waiting from now
    (`available_since`), counted in the availability figures."""
    device = _awaiting(device)
    return services.device_transfer(device=device, to_location=location or services.central_location(),
                                    status=S.IN_STOCK, condition=Condition.REFURBISHED, ref=ref, actor=actor)


@transaction.atomic
def scrap_after_inspection(*, device: Device, reason: str, ref: str = "", actor=None) -> Device:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Ange orsak till kassationen."), errors={"reason": [_("Ange orsak till kassationen.")]})
    device = _awaiting(device)
    return services.device_scrap(device=device, reason=reason, ref=ref, actor=actor)


@transaction.atomic
def parts_issue(*, parts: list[tuple[object, int]], ref: str, actor=None) -> None:
    """Spare parts used on a work order leave central stock through the ledger."""
    for article, quantity in parts:
        services.issue(article=article, quantity=quantity, ref=ref, actor=actor)


@transaction.atomic
def inspection_done(*, device: Device, on: datetime.date, actor=None) -> Device:
    """A preventive-maintenance inspection was carried out: the next one is due after the
    article's inspection interval (none if the article has no interval)."""
    from dateutil.relativedelta import relativedelta

    from audit.services import audit_record

    device = Device.objects.select_for_update().select_related("article").get(pk=device.pk)
    months = device.article.inspection_interval_months
    device.next_inspection_date = on + relativedelta(months=months) if months else None
    device.save(update_fields=["next_inspection_date", "updated_at"])
    audit_record(actor, "stock.inspection_done", device, {"on": on.isoformat(),
                                                          "next": str(device.next_inspection_date)})
    return device
