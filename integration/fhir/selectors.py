"""Reads for the FHIR facade, limited like the JSON API's: another customer's object is a 404;
reads that show patient data write one patient-access row."""
from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from core.errors import NotFound


def patient_get(principal, pk: int, view: str):
    from patients.selectors import patient_get_for_view

    return patient_get_for_view(principal, pk, view)


def patient_by_identity(principal, value: str):
    from patients.selectors import CareRelationshipRequired, patient_find_by_identity

    try:
        return patient_find_by_identity(principal, value, view="fhir_patient_search")
    except CareRelationshipRequired:
        return None


def patient_loans(principal, patient_id: int) -> list:
    """Open loans of a visible patient (the customer's own loans; the supply centre sees all)."""
    from ordering.selectors import patient_devices

    return patient_devices(principal, patient_id)


def device_get(principal, pk: int):
    from audit.services import patient_access_record
    from stock.models import Device, Loan

    device = Device.objects.select_related("article").filter(pk=pk).first()
    if device is None:
        raise NotFound(_("Resursen finns inte."))
    loan = Loan.objects.filter(device=device, ended_on__isnull=True).first()
    if not principal.is_supply and (loan is None or loan.customer_id not in principal.customer_ids):
        raise NotFound(_("Resursen finns inte."))
    holder = loan.patient_id if loan else None
    if holder:
        patient_access_record(principal, holder, "fhir_device")
    return device, holder


def _lines():
    from ordering.models import OrderLine

    return OrderLine.objects.select_related("article", "order", "order__orderer").order_by("order_id", "line_no")


def customer_lines(principal, *, patient_id: int | None = None, number: str = "") -> QuerySet:
    from ordering.selectors import patient_for_view, visible_orders

    orders = visible_orders(principal).filter(order_type="customer")
    if patient_id is not None:
        patient_for_view(principal, patient_id, "fhir_devicerequest_search")
        orders = orders.filter(patient_id=patient_id)
    if number:
        orders = orders.filter(number=number.strip().upper())
    return _lines().filter(order__in=orders)


def customer_line_get(principal, pk: int):
    from audit.services import patient_access_record
    from ordering.selectors import visible_orders

    line = _lines().filter(pk=pk, order__in=visible_orders(principal).filter(order_type="customer")).first()
    if line is None:
        raise NotFound(_("Resursen finns inte."))
    if line.order.patient_id:
        patient_access_record(principal, line.order.patient_id, "fhir_devicerequest")
    return line


def orders(principal, *, order_type: str = "", patient_id: int | None = None, number: str = "",
           line_id: int | None = None, order_id: int | None = None) -> QuerySet:
    from ordering.models import OrderLine
    from ordering.selectors import patient_for_view, visible_orders

    qs = visible_orders(principal)
    if order_type:
        qs = qs.filter(order_type=order_type)
    if patient_id is not None:
        patient_for_view(principal, patient_id, "fhir_order_search")
        qs = qs.filter(patient_id=patient_id)
    if number:
        qs = qs.filter(number=number.strip().upper())
    if line_id is not None:
        qs = qs.filter(pk__in=OrderLine.objects.filter(pk=line_id).values("order_id"))
    if order_id is not None:
        qs = qs.filter(pk=order_id)
    return qs.prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("line_no"))).order_by(
        "-created_at", "-id")


def order_get(principal, pk: int, *, order_type: str = ""):
    from ordering.selectors import one_visible_order

    qs = orders(principal, order_type=order_type)
    return one_visible_order(principal, qs, pk, "fhir_order")


def line_ids(order) -> list[int]:
    return [ln.pk for ln in order.lines.all()]



def supply_org_id() -> int | None:
    from access.models import Organisation

    return Organisation.objects.filter(kind="supply_centre").values_list("pk", flat=True).first()


def _visible_org_ids(principal) -> set[int] | None:
    if principal.is_supply:
        return None
    return set(principal.customer_ids)


def organisation_get(principal, pk: int):
    from access.models import Organisation

    org = Organisation.objects.filter(pk=pk).first()
    ids = _visible_org_ids(principal)
    if org is None or (ids is not None and org.pk not in ids and org.kind != "supply_centre"):
        raise NotFound(_("Resursen finns inte."))
    return org


def unit_get(principal, pk: int):
    from access.models import Unit

    unit = Unit.objects.filter(pk=pk).first()
    ids = _visible_org_ids(principal)
    if unit is None or (ids is not None and unit.organisation_id not in ids):
        raise NotFound(_("Resursen finns inte."))
    return unit


# --------------------------------------------------------------------------- supply


def _buffer_lines():
    from ordering.models import OrderLine

    from .mapping import BUFFER_KINDS

    return (OrderLine.objects.filter(order__order_type="customer", order__kind__in=BUFFER_KINDS)
            .select_related("article", "order", "order__orderer", "order__buffer_store")
            .order_by("order_id", "line_no"))


def supply_requests(principal, *, number: str = "", unit_id: int | None = None, statuses: list[str] | None = None,
                    kind: str = "") -> QuerySet:
    """Lines of the buffer-store orders the principal may see (its own customers'; the supply
    centre: every customer's but drafts). No patient data: buffer orders are to a store."""
    from ordering.selectors import visible_orders

    qs = _buffer_lines().filter(order__in=visible_orders(principal))
    if number:
        from django.db.models import Q

        number = number.strip().upper()
        match = Q(order__number=number)  # the order: all its lines
        head, sep, tail = number.rpartition("-")
        if sep and tail.isdigit() and len(tail) <= 4:
            match |= Q(order__number=head, line_no=int(tail))  # one line: its identifier <number>-<line no>
        qs = qs.filter(match)
    if unit_id is not None:
        qs = qs.filter(order__buffer_store__unit_id=unit_id)
    if statuses is not None:
        qs = qs.filter(order__status__in=statuses)
    if kind:
        qs = qs.filter(order__kind=kind)
    return qs


def supply_request_get(principal, pk: int):
    line = supply_requests(principal).filter(pk=pk).first()
    if line is None:
        raise NotFound(_("Resursen finns inte."))
    return line


def _delivery_lines():
    from ordering.models import DeliveryLine

    return (DeliveryLine.objects.filter(delivery__order__order_type="customer")
            .select_related("delivery", "delivery__order", "delivery__order__buffer_store", "order_line",
                            "order_line__article")
            .order_by("delivery_id", "id"))


def supply_deliveries(principal, *, patient_id: int | None = None, number: str = "") -> QuerySet:
    """Delivered lines of the customer orders the principal may see. Searching by patient writes
    one patient-access row (404 if the patient is not visible); the caller logs the patients of
    any other search's page (`log_patients`)."""
    from ordering.selectors import patient_for_view, visible_orders

    qs = _delivery_lines().filter(delivery__order__in=visible_orders(principal))
    if patient_id is not None:
        patient_for_view(principal, patient_id, "fhir_supplydelivery_search")
        qs = qs.filter(delivery__order__patient_id=patient_id)
    if number:
        qs = qs.filter(delivery__order__number=number.strip().upper())
    return qs


def supply_delivery_get(principal, pk: int):
    from audit.services import patient_access_record

    dline = supply_deliveries(principal).filter(pk=pk).first()
    if dline is None:
        raise NotFound(_("Resursen finns inte."))
    if dline.delivery.order.patient_id:
        patient_access_record(principal, dline.delivery.order.patient_id, "fhir_supplydelivery")
    return dline


def log_patients(principal, patient_ids, view: str) -> None:
    """One patient-access row per distinct patient shown in a search page not made by patient."""
    from audit.services import patient_access_record_many

    ids = sorted({pk for pk in patient_ids if pk})
    if ids:
        patient_access_record_many(principal, ids, view)
