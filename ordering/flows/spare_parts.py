"""Spare parts for a device on loan (komponentbeställning, issue 17; docs/prescribing.md
"Spare parts").

A technician — the supply centre's (role *Tekniker*) or a customer's own (role *Tekniker
(kund)*), both with `ordering.spare_parts` — finds a device on loan by its serial number and
orders parts for it: the parts offered are those the catalogue says fit the device's article
(`ArticleFit`, spare-part kind R), with stock per location. The order is a customer order of kind
`spare_parts`, born submitted, charged to the loan's customer and cost centre, linked to the device
(`extra["device_id"]`, `extra["device_serial"]`) and shown on the device card. A customer's
technician may order only for devices lent by their own customer (others: 404). At most
`LYFTA_SPARE_PART_ORDERS_PER_DEVICE_DAY` (3) part orders per device and day (the device row is
locked while counting). A line whose part is not in stock at the central store is back-ordered
at once (`backordered_quantity`) and the order planned for the supplier's lead time; the supply
centre confirms it as any customer order (allocation then decides again)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext

from access.roles import Perm
from audit.services import audit_record
from core.calendar import add_weekdays
from core.errors import Conflict, NotFound
from core.transactions import entry_point

from .. import pricing
from ..models import CustomerOrderKind, Order, OrderLine, OrderStatus, OrderType
from . import core as c

S = OrderStatus
MAX_PART_LINES = 20
PART_KIND = "R"


def per_device_day() -> int:
    return int(getattr(settings, "LYFTA_SPARE_PART_ORDERS_PER_DEVICE_DAY", 3))


@dataclass
class PartLineInput:
    article_number: str
    quantity: int = 1


def _require_technician(principal) -> None:
    principal.require(Perm.SPARE_PARTS_ORDER)


def device_on_loan(principal, serial: str):
    """(device, open loan) for a serial the principal may order parts for; 404 otherwise (an
    unknown serial, a device not on loan, another customer's device for a customer's technician)."""
    from stock.models import Loan

    _require_technician(principal)
    serial = (serial or "").strip().upper()
    if not serial or len(serial) > 60:
        c.fail("serial", gettext("Ange individnumret."))
    loan = (Loan.objects.filter(device__serial__iexact=serial, ended_on__isnull=True)
            .select_related("device__article", "customer", "cost_centre", "patient").first())
    if loan is None:
        raise NotFound(gettext("Ingen utlånad individ med nummer %(serial)s.") % {"serial": serial})
    if not principal.is_supply and not principal.can_see_customer(loan.customer_id):
        raise NotFound(gettext("Ingen utlånad individ med nummer %(serial)s.") % {"serial": serial})
    return loan.device, loan


def device_lookup(principal, serial: str):
    """`device_on_loan` for a look-up form: an unknown (or not visible) serial is an input error
    next to the serial field, with the same words either way."""
    try:
        return device_on_loan(principal, serial)
    except NotFound as exc:
        c.fail("serial", str(exc))


def parts_for(device) -> list:
    """The spare parts that fit the device's article, each with `levels` (available per active
    location) and `available` (central stores)."""
    from catalogue.models import Article
    from stock.models import Location, StockLevel

    parts = list(Article.objects.filter(fit_mains__main=device.article, kind=PART_KIND, is_orderable=True)
                 .order_by("name", "article_number").distinct())
    levels: dict[int, list] = {}
    for lv in (StockLevel.objects.filter(article__in=parts, location__is_active=True)
               .select_related("location").order_by("location__kind", "location__name")):
        levels.setdefault(lv.article_id, []).append(lv)
    for p in parts:
        p.levels = [lv for lv in levels.get(p.pk, []) if lv.on_hand or lv.reserved]
        p.available = sum(max(lv.available, 0) for lv in levels.get(p.pk, [])
                          if lv.location.kind == Location.Kind.CENTRAL)
    return parts


def part_orders_for_device(device, *, limit: int = 50) -> list[Order]:
    return list(Order.objects.filter(order_type=OrderType.CUSTOMER, kind=CustomerOrderKind.SPARE_PARTS,
                                     extra__device_id=device.pk).order_by("-created_at", "-id")[:limit])


@entry_point
def spare_parts_order(principal, serial: str, lines: list[PartLineInput], *, note: str = "") -> Order:
    from stock.services import device_lock

    device, loan = device_on_loan(principal, serial)
    note = c.clean_text(note, "note", c.NOTE_MAX, gettext("Meddelandet"))
    fitting = {p.article_number: p for p in parts_for(device)}
    wanted = [ln for ln in lines if ln.quantity not in (0, "0", None, "")]
    if not wanted:
        c.fail("lines", gettext("Ange antal för minst en reservdel."))
    if len(wanted) > MAX_PART_LINES:
        c.fail("lines", gettext("Högst %(max_part_lines)s reservdelar per beställning.") % {"max_part_lines": MAX_PART_LINES})
    cleaned, seen = [], set()
    for i, ln in enumerate(wanted):
        number = (ln.article_number or "").strip()
        part = fitting.get(number)
        if part is None:
            c.fail(f"lines.{i}.article_number", gettext("Artikeln %(number)s är ingen reservdel till %(article_number)s %(name)s.") % {"number": number or '–', "article_number": device.article.article_number, "name": device.article.name})
        if number in seen:
            c.fail(f"lines.{i}.article_number", gettext("Artikeln %(number)s finns två gånger.") % {"number": number})
        seen.add(number)
        cleaned.append((part, c.clean_quantity(ln.quantity, f"lines.{i}.quantity")))
    device_lock(device.pk)  # concurrent orders for one device are counted one after the other
    today = timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    done_today = Order.objects.filter(order_type=OrderType.CUSTOMER, kind=CustomerOrderKind.SPARE_PARTS,
                                      extra__device_id=device.pk, created_at__gte=start).exclude(
        status__in=(S.WITHDRAWN, S.CANCELLED)).count()
    if done_today >= per_device_day():
        raise Conflict(gettext("Högst %(per_device_day)s reservdelsbeställningar per individ och dag; individ %(serial)s har redan %(done_today)s i dag.") % {"per_device_day": per_device_day(), "serial": device.serial, "done_today": done_today}, code="spare_part_limit")
    unit = None
    if not principal.is_supply:
        unit = c.resolve_unit(principal, None)
    else:
        from .loans import orders_for_loans

        source = orders_for_loans([loan]).get(loan.pk)
        unit = source.unit if source is not None else None
    backordered = [(p, q) for p, q in cleaned if p.available < q]
    order = Order(
        order_type=OrderType.CUSTOMER, kind=CustomerOrderKind.SPARE_PARTS, status=S.SUBMITTED,
        customer_id=loan.customer_id, cost_centre_id=loan.cost_centre_id, unit=unit, patient=loan.patient,
        orderer=principal.user, created_by_client=principal.client, delivery_to="",
        note=(f"Reservdelar till individ {device.serial}. {note}".strip())[:c.NOTE_MAX],
        contact_name=(principal.user.get_full_name() if principal.user is not None else "")[:120],
        promised_date=pricing.promised_date([p for p, _ in cleaned], urgent=False),
        extra={"device_id": device.pk, "device_serial": device.serial, "loan_id": loan.pk,
               "ordered_by": "supply" if principal.is_supply else "customer"},
    )
    if backordered:
        lead = max(max(p.lead_time_days or 0, pricing.ON_DEMAND_WEEKDAYS) for p, _ in backordered)
        order.planned_date = add_weekdays(today, lead)
    c.order_create(order, principal, event_data={"device": device.serial, "spare_parts": True},
                   audit_action="order.spare_parts_created",
                   audit_data={"device": device.serial, "parts": {p.article_number: q for p, q in cleaned}})
    OrderLine.objects.bulk_create([
        OrderLine(order=order, line_no=i + 1, article=p, quantity=q, charging=p.charging,
                  monthly_rent=p.monthly_rent, unit_price=p.purchase_price,
                  backordered_quantity=max(q - max(p.available, 0), 0))
        for i, (p, q) in enumerate(cleaned)])
    audit_record(principal, "device.spare_parts_ordered", device, {"order": order.number})
    return order
