"""The charge rules of the invoice basis (DESIGN.md §6): what one month owes, read from the
stock and ordering contexts, priced by `catalogue.pricing` (the one place that computes a
charge; the order draft's estimate uses it too).

Every rule yields `Charge`s with a stable `key`, in a deterministic order, so that computing
the same month twice on the same data gives identical lines, and a closed month's billed lines
can be compared with what it should have billed (corrections, `invoicing.services`).

Rules:
- rent (`rent`, `special_rent`): every loan overlapping the month, per day on loan from
  `started_on` to `ended_on` (both inclusive; an open loan runs to the month's end):
  monthly rent × days ÷ days in the month. A price change inside the period splits the line
  (one line per price period). Articles outside the assortment rent at the price list's
  percentage of the device's (else the article's) purchase price per month.
- buffer-store rent (`buffer_rent`): devices held in a customer's buffer store (from the stock
  ledger: in on the day of the movement that brought it, out the day before the one that took it
  away), per day as rent, on days whose price list has `rent_buffer_store_devices`; charged to
  the store's unit's customer and default cost centre.
- purchases (`purchase`): every delivered line of an article charged as purchase, in the month
  of delivery, at the purchase price valid on the delivery day (else the price copied onto the
  order line) plus the markup. Deliveries into a buffer store (replenishment, manual buffer
  order) are the supply centre's own stock and are not charged; a withdrawal is.
- services (`service_hours`, `service_part`): completed work orders, in the month of
  completion: hours × rate (urgent rate for urgent work orders), and each part used at its
  purchase price on the completion day plus the markup.
- fees: `urgent_fee` for an urgent customer order in the month of its first delivery (the fee
  stored on the order when it was promised, else the price list's); `failed_delivery_fee` for
  every order event with `data["failed_delivery"] = true` (nobody home), in its month.
- buffer-store fee (`buffer_store_fee`): every active buffer store with at least one reorder
  rule on the month's last day pays a monthly fee by tier, the tier from the store's size (its
  number of reorder rules, i.e. articles it keeps): `buffer_store_tier`; charged to the store's
  unit's customer and default cost centre. The tiers and fees are `LYFTA_BUFFER_STORE_FEE_TIERS`
  (default `BUFFER_STORE_FEE_TIERS`).
- patients from another region: when both the loan's (order's) customer and the patient's
  responsible customer are regions and differ, the patient's region is charged (no cost
  centre of its own: blank), and the ordering unit is shown.
- the patient's identity number is on a line only when the charged customer owns the patient.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, fields
from decimal import Decimal
from operator import attrgetter

from django.db.models import Min, Q
from django.utils import timezone

from access.models import Organisation
from catalogue import pricing
from catalogue.models import PriceList
from catalogue.selectors import price_rows_by_article

ONE_DAY = dt.timedelta(days=1)
REGION = Organisation.Kind.REGION


@dataclass
class Charge:
    key: str
    rule: str
    customer_id: int
    cost_centre_id: int | None
    unit_id: int | None
    patient_id: int | None
    patient_identity: str
    order_id: int | None
    order_number: str
    device_id: int | None
    serial: str
    loan_id: int | None
    article_id: int | None
    article_number: str
    text: str
    period_from: dt.date
    period_to: dt.date
    quantity: Decimal
    unit_price_ore: int
    amount_ore: int

    def as_fields(self) -> dict:
        # Shallow (dataclasses.asdict deep-copies every value: a third of the computation's time).
        return {name: getattr(self, name) for name in CHARGE_FIELDS}

    def as_row(self) -> tuple:
        """The values in `CHARGE_FIELDS` order (their names are the line's column names)."""
        return _as_row(self)


CHARGE_FIELDS = tuple(f.name for f in fields(Charge))
_as_row = attrgetter(*CHARGE_FIELDS)


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    start = month.replace(day=1)
    return start, start.replace(day=calendar.monthrange(start.year, start.month)[1])


def days_in_month(month: dt.date) -> int:
    return calendar.monthrange(month.year, month.month)[1]


def loan_days(started_on: dt.date, ended_on: dt.date | None, month: dt.date) -> tuple[dt.date, dt.date] | None:
    """The part of a loan inside the month (inclusive bounds), or None."""
    start, end = month_bounds(month)
    first = max(started_on, start)
    last = min(ended_on, end) if ended_on else end
    return (first, last) if first <= last else None


class TermsCalendar:
    """The price list terms valid on each day (latest `valid_from` covering the day)."""

    def __init__(self, price_lists=None):
        lists = list(PriceList.objects.all()) if price_lists is None else list(price_lists)
        self._lists = sorted(lists, key=lambda p: (p.valid_from, p.pk or 0))
        self._cache: dict[int | None, pricing.Terms] = {}

    def on(self, day: dt.date) -> pricing.Terms:
        chosen = None
        for p in self._lists:
            if p.valid_from <= day and (p.valid_to is None or p.valid_to >= day):
                chosen = p
        key = chosen.pk if chosen else None
        if key not in self._cache:
            self._cache[key] = pricing.Terms.of(chosen)
        return self._cache[key]


def charged_customer(order_customer_id: int, order_customer_kind: str, patient_customer_id: int | None,
                     patient_customer_kind: str | None) -> tuple[int, bool]:
    """(customer to charge, moved to the patient's home region?)."""
    if (patient_customer_id and patient_customer_id != order_customer_id and order_customer_kind == REGION
            and patient_customer_kind == REGION):
        return patient_customer_id, True
    return order_customer_id, False


def _identity(customer_id: int, patient_customer_id: int | None, identity: str | None) -> str:
    return identity or "" if patient_customer_id == customer_id else ""


def _price_on(rows: list, day: dt.date, field: str):
    for _start, _end, row in pricing.periods_in(rows, day, day):
        return getattr(row, field) if row is not None else None
    return None


# --- rent -------------------------------------------------------------------------------------

def rent_pieces(*, loan: dict, month: dt.date, price_rows: list, terms: TermsCalendar, key_prefix: str = "rent",
                rule: str | None = None) -> list[Charge]:
    """Rent lines of one loan in one month (pure: `loan` is a dict of the values used)."""
    span = loan_days(loan["started_on"], loan["ended_on"], month)
    if span is None:
        return []
    dim = days_in_month(month)
    special = not loan["in_assortment"]
    if not special and loan["charging"] != "rent":
        return []
    customer_id, moved = charged_customer(loan["customer_id"], loan["customer_kind"], loan["patient_customer_id"],
                                          loan["patient_customer_kind"])
    out = []
    for first, last, row in pricing.periods_in(price_rows, *span):
        t = terms.on(first)
        if special:
            purchase = loan["device_purchase_price"]
            if purchase is None:
                purchase = row.purchase_price if row is not None else loan["article_purchase_price"]
            monthly = pricing.special_request_monthly_rent(pricing.to_ore(purchase), t)
        else:
            monthly = pricing.to_ore(row.monthly_rent if row is not None else loan["article_monthly_rent"])
        days = (last - first).days + 1
        out.append(Charge(
            key=f"{key_prefix}:{loan['id']}:{first:%Y%m%d}", rule=rule or ("special_rent" if special else "rent"),
            customer_id=customer_id, cost_centre_id=None if moved else loan["cost_centre_id"],
            unit_id=loan.get("unit_id"), patient_id=loan["patient_id"],
            patient_identity=_identity(customer_id, loan["patient_customer_id"], loan["patient_identity"]),
            order_id=loan.get("order_id"), order_number=loan.get("order_number", ""),
            device_id=loan["device_id"], serial=loan["serial"], loan_id=loan.get("loan_id", loan["id"]),
            article_id=loan["article_id"], article_number=loan["article_number"],
            text=f"{loan['article_name']} ({days}/{dim} dagar)"[:300],
            period_from=first, period_to=last, quantity=Decimal(days), unit_price_ore=monthly,
            amount_ore=pricing.rent_for_days(monthly, days, dim),
        ))
    return out


# The order number in a loan's `source_ref` (the first match; ASCII digits, as the SQL below).
REF_PATTERN = "[A-Z]{2}-?[0-9]+"
_REF_NUMBER = re.compile(REF_PATTERN)


def _loans(month: dt.date, count: bool = False):
    """The loans overlapping the month as value rows in id order (or, with `count`, how many)."""
    from stock.models import Loan

    start, end = month_bounds(month)
    overlapping = Loan.objects.filter(started_on__lte=end).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=start))
    if count:
        return overlapping.count()
    qs = (overlapping.order_by("id").values(
              "id", "started_on", "ended_on", "customer_id", "cost_centre_id", "patient_id", "device_id",
              "source_ref", customer_kind=_f("customer__kind"), patient_customer_id=_f("patient__customer_id"),
              patient_customer_kind=_f("patient__customer__kind"), patient_identity=_f("patient__identity_number"),
              serial=_f("device__serial"), device_purchase_price=_f("device__purchase_price"),
              article_id=_f("device__article_id"), article_number=_f("device__article__article_number"),
              article_name=_f("device__article__name"), charging=_f("device__article__charging"),
              in_assortment=_f("device__article__in_assortment"),
              article_monthly_rent=_f("device__article__monthly_rent"),
              article_purchase_price=_f("device__article__purchase_price")))
    return qs.iterator(chunk_size=5000)


def _f(path: str):
    from django.db.models import F

    return F(path)


LOAN_BATCH = 5000  # loans priced per batch (one order and one price look-up per batch)


def rent_charges(month: dt.date, terms: TermsCalendar, progress=None) -> Iterator[Charge]:
    """`progress(done, total)`, when given, is called after every batch of loans."""
    from ordering.models import Order

    batch: list[dict] = []
    done = 0
    total = _loans(month, count=True) if progress else 0

    def flush():
        refs = {}
        for loan in batch:
            m = _REF_NUMBER.search(loan["source_ref"] or "")
            if m:
                refs[loan["id"]] = m.group(0)
        orders = {n: (pk, unit) for n, pk, unit in Order.objects.filter(number__in=set(refs.values()))
                  .values_list("number", "pk", "unit_id")}
        rows = price_rows_by_article(loan["article_id"] for loan in batch)
        for loan in batch:
            number = refs.get(loan["id"], "")
            pk, unit = orders.get(number, (None, None))
            loan.update(order_id=pk, order_number=number if pk else "", unit_id=unit)
            yield from rent_pieces(loan=loan, month=month, price_rows=rows.get(loan["article_id"], []), terms=terms)

    for loan in _loans(month):
        batch.append(loan)
        if len(batch) >= LOAN_BATCH:
            yield from flush()
            done += len(batch)
            batch = []
            if progress:
                progress(done, total)
    if batch:
        yield from flush()
        done += len(batch)
    if progress:
        progress(done, max(done, total))


# --- devices held in a customer's buffer store --------------------------------------------

def buffer_stays(movements, month_end: dt.date) -> list[dict]:
    """Stays of devices in buffer stores from their ledger rows (pure). `movements`: dicts with
    device_id, location_id, day, quantity, id, ordered by device, time, id. A stay runs from the
    day the device came in to the day before it left (a device that leaves on the day it came
    pays nothing; a withdrawal's loan starts on the day it left the store)."""
    stays = []
    open_: dict[tuple[int, int], dict] = {}
    for m in movements:
        key = (m["device_id"], m["location_id"])
        if m["quantity"] > 0 and key not in open_:
            open_[key] = {"id": m["id"], "device_id": m["device_id"], "location_id": m["location_id"],
                          "started_on": m["day"], "ended_on": None}
        elif m["quantity"] < 0 and key in open_:
            stay = open_.pop(key)
            stay["ended_on"] = m["day"] - ONE_DAY
            if stay["ended_on"] >= stay["started_on"]:
                stays.append(stay)
    stays.extend(open_.values())
    return sorted((s for s in stays if s["started_on"] <= month_end), key=lambda s: s["id"])


def buffer_rent_charges(month: dt.date, terms: TermsCalendar) -> Iterator[Charge]:
    """Rent for devices in a customer's buffer store, on days whose price list says so."""
    from stock.models import Device, Location, StockMovement

    start, end = month_bounds(month)
    _, hi = _local_range(start, end)
    rows = (StockMovement.objects.filter(location__kind=Location.Kind.BUFFER_STORE, device__isnull=False,
                                         at__lt=hi).exclude(quantity=0)
            .order_by("device_id", "at", "id").values("id", "device_id", "location_id", "at", "quantity"))
    movements = ({**r, "day": timezone.localtime(r["at"]).date()} for r in rows.iterator(chunk_size=5000))
    stays = [s for s in buffer_stays(movements, end) if s["ended_on"] is None or s["ended_on"] >= start]
    if not stays:
        return
    devices = {d["id"]: d for d in Device.objects.filter(pk__in={s["device_id"] for s in stays}).values(
        "id", "serial", "purchase_price", "article_id", article_number=_f("article__article_number"),
        article_name=_f("article__name"), charging=_f("article__charging"),
        in_assortment=_f("article__in_assortment"), article_monthly_rent=_f("article__monthly_rent"),
        article_purchase_price=_f("article__purchase_price"))}
    locations = {loc["id"]: loc for loc in Location.objects.filter(pk__in={s["location_id"] for s in stays}).values(
        "id", "unit_id", customer_id=_f("unit__organisation_id"), customer_kind=_f("unit__organisation__kind"),
        cost_centre_id=_f("unit__default_cost_centre_id"))}
    prices = price_rows_by_article(d["article_id"] for d in devices.values())
    for s in stays:
        d, loc = devices[s["device_id"]], locations[s["location_id"]]
        if loc["customer_id"] is None:
            continue
        loan = {
            "id": s["id"], "loan_id": None, "started_on": s["started_on"], "ended_on": s["ended_on"],
            "customer_id": loc["customer_id"], "customer_kind": loc["customer_kind"],
            "cost_centre_id": loc["cost_centre_id"], "unit_id": loc["unit_id"], "patient_id": None,
            "patient_customer_id": None, "patient_customer_kind": None, "patient_identity": "",
            "device_id": d["id"], "serial": d["serial"], "device_purchase_price": d["purchase_price"], **{
                k: d[k] for k in ("article_id", "article_number", "article_name", "charging", "in_assortment",
                                  "article_monthly_rent", "article_purchase_price")},
        }
        for piece in rent_pieces(loan=loan, month=month, price_rows=prices.get(d["article_id"], []), terms=terms,
                                 key_prefix="buffer", rule="buffer_rent"):
            if terms.on(piece.period_from).rent_buffer_store_devices:
                yield piece


# --- purchases --------------------------------------------------------------------------------

BUFFER_KINDS = ("replenishment", "buffer_manual")


def purchase_charges(month: dt.date, terms: TermsCalendar) -> Iterator[Charge]:
    from ordering.models import DeliveryLine

    start, end = month_bounds(month)
    qs = (DeliveryLine.objects.filter(delivery__delivered_on__range=(start, end), order_line__charging="purchase",
                                      order_line__article__in_assortment=True)
          .exclude(delivery__order__kind__in=BUFFER_KINDS)
          .order_by("id").values(
              "id", "quantity", "device_id", delivered_on=_f("delivery__delivered_on"),
              order_id=_f("delivery__order_id"), order_number=_f("delivery__order__number"),
              customer_id=_f("delivery__order__customer_id"), customer_kind=_f("delivery__order__customer__kind"),
              cost_centre_id=_f("delivery__order__cost_centre_id"), unit_id=_f("delivery__order__unit_id"),
              patient_id=_f("delivery__order__patient_id"),
              patient_customer_id=_f("delivery__order__patient__customer_id"),
              patient_customer_kind=_f("delivery__order__patient__customer__kind"),
              patient_identity=_f("delivery__order__patient__identity_number"),
              serial=_f("device__serial"), article_id=_f("order_line__article_id"),
              article_number=_f("order_line__article__article_number"),
              article_name=_f("order_line__article__name"), line_price=_f("order_line__unit_price")))
    lines = list(qs)
    rows = price_rows_by_article(r["article_id"] for r in lines)
    for r in lines:
        price = _price_on(rows.get(r["article_id"], []), r["delivered_on"], "purchase_price")
        if price is None:
            price = r["line_price"]
        unit_price = pricing.purchase_unit_price(pricing.to_ore(price), terms.on(r["delivered_on"]))
        yield _order_charge(r, key=f"purchase:{r['id']}", rule="purchase", day=r["delivered_on"],
                            quantity=Decimal(r["quantity"]), unit_price=unit_price, text=r["article_name"])


def _order_charge(r: dict, *, key: str, rule: str, day: dt.date, quantity: Decimal, unit_price: int, text: str,
                  amount: int | None = None) -> Charge:
    customer_id, moved = charged_customer(r["customer_id"], r["customer_kind"], r["patient_customer_id"],
                                          r["patient_customer_kind"])
    return Charge(
        key=key, rule=rule, customer_id=customer_id, cost_centre_id=None if moved else r["cost_centre_id"],
        unit_id=r["unit_id"], patient_id=r["patient_id"],
        patient_identity=_identity(customer_id, r["patient_customer_id"], r["patient_identity"]),
        order_id=r["order_id"], order_number=r["order_number"], device_id=r.get("device_id"),
        serial=r.get("serial") or "", loan_id=None, article_id=r.get("article_id"),
        article_number=r.get("article_number") or "", text=(text or "")[:300], period_from=day, period_to=day,
        quantity=quantity, unit_price_ore=unit_price,
        amount_ore=amount if amount is not None else int(quantity * unit_price),
    )


_ORDER_VALUES = {
    "order_id": _f("id"), "order_number": _f("number"), "customer_kind": _f("customer__kind"),
    "patient_customer_id": _f("patient__customer_id"), "patient_customer_kind": _f("patient__customer__kind"),
    "patient_identity": _f("patient__identity_number"),
}


# --- services ---------------------------------------------------------------------------------

def _local_range(start: dt.date, end: dt.date):
    tz = timezone.get_current_timezone()
    return (dt.datetime.combine(start, dt.time.min, tzinfo=tz), dt.datetime.combine(end + ONE_DAY, dt.time.min,
                                                                                      tzinfo=tz))


def service_charges(month: dt.date, terms: TermsCalendar) -> Iterator[Charge]:
    from ordering.models import Order, WorkOrderPart

    start, end = month_bounds(month)
    lo, hi = _local_range(start, end)
    orders = list(Order.objects.filter(order_type="work", status="completed", work_detail__completed_at__gte=lo,
                                       work_detail__completed_at__lt=hi).order_by("id").values(
        "customer_id", "cost_centre_id", "unit_id", "patient_id", "priority", "kind",
        completed_at=_f("work_detail__completed_at"), hours=_f("work_detail__hours"),
        device_id=_f("work_detail__device_id"), serial=_f("work_detail__device__serial"), **_ORDER_VALUES))
    parts: dict[int, list] = {}
    for p in WorkOrderPart.objects.filter(order_id__in=[o["order_id"] for o in orders]).order_by("id").values(
            "id", "order_id", "quantity", "article_id", article_number=_f("article__article_number"),
            article_name=_f("article__name"), article_price=_f("article__purchase_price")):
        parts.setdefault(p["order_id"], []).append(p)
    rows = price_rows_by_article(p["article_id"] for ps in parts.values() for p in ps)
    for o in orders:
        day = timezone.localtime(o["completed_at"]).date()
        t = terms.on(day)
        urgent = o["priority"] == "urgent"
        if o["hours"]:
            rate = pricing.service_rate(t, urgent=urgent)
            label = "Arbetstid, akut" if urgent else "Arbetstid"
            yield _order_charge(dict(o, article_id=None, article_number=""), key=f"service:{o['order_id']}",
                                rule="service_hours", day=day, quantity=Decimal(o["hours"]), unit_price=rate,
                                text=label, amount=pricing.service_amount(o["hours"], rate))
        for p in parts.get(o["order_id"], []):
            price = _price_on(rows.get(p["article_id"], []), day, "purchase_price")
            if price is None:
                price = p["article_price"]
            unit_price = pricing.purchase_unit_price(pricing.to_ore(price), t)
            yield _order_charge(dict(o, article_id=p["article_id"], article_number=p["article_number"]),
                                key=f"part:{p['id']}", rule="service_part", day=day,
                                quantity=Decimal(p["quantity"]), unit_price=unit_price, text=p["article_name"])


# --- fees -------------------------------------------------------------------------------------

def fee_charges(month: dt.date, terms: TermsCalendar) -> Iterator[Charge]:
    from ordering.models import Order, OrderEvent

    start, end = month_bounds(month)
    urgent = (Order.objects.filter(order_type="customer", priority="urgent")
              .exclude(kind__in=BUFFER_KINDS + ("withdrawal",))
              .annotate(first_delivery=Min("deliveries__delivered_on"))
              .filter(first_delivery__range=(start, end)).order_by("id")
              .values("customer_id", "cost_centre_id", "unit_id", "patient_id", "urgent_fee", "first_delivery",
                      **_ORDER_VALUES))
    for o in urgent:
        day = o["first_delivery"]
        fee = pricing.to_ore(o["urgent_fee"]) if o["urgent_fee"] is not None else terms.on(day).urgent_delivery_fee
        yield _order_charge(o, key=f"urgent:{o['order_id']}", rule="urgent_fee", day=day, quantity=Decimal(1),
                            unit_price=fee, text="Akut leverans")
    lo, hi = _local_range(start, end)
    events = (OrderEvent.objects.filter(at__gte=lo, at__lt=hi, data__failed_delivery=True).order_by("id")
              .values("id", "at", "order_id", customer_id=_f("order__customer_id"), cost_centre_id=_f("order__cost_centre_id"),
                      unit_id=_f("order__unit_id"), patient_id=_f("order__patient_id"),
                      order_number=_f("order__number"),
                      customer_kind=_f("order__customer__kind"),
                      patient_customer_id=_f("order__patient__customer_id"),
                      patient_customer_kind=_f("order__patient__customer__kind"),
                      patient_identity=_f("order__patient__identity_number")))
    for e in events:
        day = timezone.localtime(e["at"]).date()
        fee = terms.on(day).failed_delivery_fee
        yield _order_charge(e, key=f"failed:{e['id']}", rule="failed_delivery_fee", day=day, quantity=Decimal(1),
                            unit_price=fee, text="Bomkörning (ingen hemma)")


# (up to this many reorder rules, tier name, monthly fee in SEK); the last row has no upper bound.
BUFFER_STORE_FEE_TIERS = ((10, "Liten", 500), (40, "Mellan", 900), (None, "Stor", 1500))


def buffer_store_tier(rule_count: int, tiers=None) -> tuple[str, int] | None:
    """(tier name, monthly fee in öre) for a store with `rule_count` reorder rules; None for a
    store without rules (not in use yet: no fee)."""
    from django.conf import settings

    if rule_count <= 0:
        return None
    tiers = tiers or getattr(settings, "LYFTA_BUFFER_STORE_FEE_TIERS", None) or BUFFER_STORE_FEE_TIERS
    for limit, name, fee in tiers:
        if limit is None or rule_count <= limit:
            return name, pricing.to_ore(str(fee))
    return None


def buffer_store_fee_charges(month: dt.date, terms: TermsCalendar) -> Iterator[Charge]:
    """One monthly fee per buffer store in use, by the tier of its size on the month's last day."""
    from django.db.models import Count

    from stock.models import Location

    start, end = month_bounds(month)
    _, hi = _local_range(start, end)
    stores = (Location.objects.filter(kind=Location.Kind.BUFFER_STORE, is_active=True, unit__isnull=False,
                                      created_at__lt=hi)
              .annotate(rules=Count("reorder_rules", filter=Q(reorder_rules__created_at__lt=hi)))
              .filter(rules__gt=0).order_by("id")
              .values("id", "code", "name", "rules", "unit_id", customer_id=_f("unit__organisation_id"),
                      cost_centre_id=_f("unit__default_cost_centre_id")))
    for s in stores:
        tier = buffer_store_tier(s["rules"])
        if tier is None:
            continue
        name, fee = tier
        yield Charge(key=f"buffer_fee:{s['id']}:{start.isoformat()}", rule="buffer_store_fee",
                     customer_id=s["customer_id"], cost_centre_id=s["cost_centre_id"], unit_id=s["unit_id"],
                     patient_id=None, patient_identity="", order_id=None, order_number="", device_id=None, serial="",
                     loan_id=None, article_id=None, article_number="",
                     text=f"Buffertförråd {s['name']} ({s['code']}), nivå {name}: {s['rules']} artiklar",
                     period_from=start, period_to=end, quantity=Decimal(1), unit_price_ore=fee, amount_ore=fee)


# Percent of the month's computation done when each stage starts (the rent stage runs 0 → 85
# loan by loan); the progress shown on the month page.
STAGES = (("buffer_rent", 85), ("purchase", 88), ("service", 91), ("fee", 94))
CHARGES_DONE = 96


def month_charges(month: dt.date, terms: TermsCalendar | None = None, progress=None, *,
                  rent="sql") -> Iterator[Charge]:
    """Every charge of the month, in a fixed order (rule by rule, each by source id).
    `progress(percent, stage)`, when given, is called as the computation advances (0 .. 96).
    `rent`: "sql" (`invoicing.rentsql`, set-based), "python" (the reference `rent_charges`), or
    a callable `rent(month, terms, progress)` that writes the rent itself and yields nothing
    (`invoicing.services` inserts the rent lines with INSERT … SELECT)."""
    from . import rentsql

    terms = terms or TermsCalendar()
    report = progress or (lambda _percent, _stage: None)
    rent_share = STAGES[0][1]

    def rent_progress(done: int, total: int) -> None:
        report(rent_share * done // total if total else rent_share, "rent")

    report(0, "rent")
    rent_source = {"sql": rentsql.rent_charges, "python": rent_charges}.get(rent, rent)
    yield from rent_source(month, terms, rent_progress if progress else None) or ()
    rules = {"buffer_rent": buffer_rent_charges, "purchase": purchase_charges, "service": service_charges,
             "fee": fee_charges}
    for stage, percent in STAGES:
        report(percent, stage)
        yield from rules[stage](month, terms)
    yield from buffer_store_fee_charges(month, terms)
    report(CHARGES_DONE, "fee")
