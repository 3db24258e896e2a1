"""Reads for the statistics: the order events of a range of months, shaped into rows for
`figures`, and the cache of the computed months.

Cache (Django's cache): one value per month (`MonthFigures`, every customer broken down, so the
supply page and every customer's page share it) under
`lyfta:stats:v1:<global generation>:<YYYY-MM>:<month generation>`. The invalidation rule: every
order event committed bumps the generation of the month of its `at` (an event changes only the
figures of its own month: `figures` attributes every figure to the month of one event), once
in the transaction and again after commit (as `catalogue.selectors.price_terms_invalidate`, so a
value cached while the change was uncommitted is not kept). An event of a late-entered order
(`Order.is_fallback`, or `data["entered_at"]`) bumps the global generation: its `at` may be
rewritten to the paper's time after it was recorded. Values expire after `CACHE_SECONDS` in any
case. With a per-process cache (LocMemCache, the default) other processes see a change when the
entry expires; with a shared cache (Redis, Memcached) at once."""
from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, F, Q
from django.db.models.functions import Substr, TruncMonth
from django.utils import timezone

from core.errors import ValidationFailed

from . import figures as fig

CACHE_SECONDS = 24 * 3600
MAX_MONTHS = 36
_GLOBAL_GEN = "lyfta:stats:gen"
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_CHUNK = 2000

DELIVERY_KINDS = ("to_patient", "to_unit", "buffer_manual")
REPAIR_KINDS = ("repair_patient", "repair_centre")


# ------------------------------------------------------------------------------ range


def default_range(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The last twelve months, this one included."""
    today = today or timezone.localdate()
    last = today.replace(day=1)
    first = last
    for _ in range(11):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return first, last


def _parse_month(value: str, field: str) -> dt.date:
    m = _MONTH.match((value or "").strip())
    if not m or not 1 <= int(m.group(2)) <= 12 or not 2000 <= int(m.group(1)) <= 2100:
        raise ValidationFailed("Ange månaden som ÅÅÅÅ-MM.", errors={field: ["Ange månaden som ÅÅÅÅ-MM, t.ex. 2026-01."]})
    return dt.date(int(m.group(1)), int(m.group(2)), 1)


def parse_range(first: str, last: str) -> tuple[dt.date, dt.date]:
    """The months `first`..`last` (YYYY-MM, inclusive), at most `MAX_MONTHS`, not after this month."""
    a, b = _parse_month(first, "fran"), _parse_month(last, "till")
    if b < a:
        raise ValidationFailed("Till-månaden ligger före från-månaden.",
                               errors={"till": ["Till-månaden kan inte ligga före från-månaden."]})
    this_month = timezone.localdate().replace(day=1)
    if b > this_month:
        raise ValidationFailed("Månaden har inte börjat.", errors={"till": ["Till-månaden kan inte ligga i framtiden."]})
    if len(fig.months_between(a, b)) > MAX_MONTHS:
        raise ValidationFailed("För lång period.", errors={"fran": [f"Välj högst {MAX_MONTHS} månader."]})
    return a, b


def _bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    end = (last + dt.timedelta(days=32)).replace(day=1)
    return (timezone.make_aware(dt.datetime.combine(first, dt.time()), tz),
            timezone.make_aware(dt.datetime.combine(end, dt.time()), tz))


# ------------------------------------------------------------------------------ reads of events


def _events():
    from ordering.models import OrderEvent

    return OrderEvent.objects


def _starts(ends, status: str = "submitted") -> dict[int, dt.datetime]:
    """order id -> the `at` of its first event entering `status`, for the orders of the end
    events `ends` (one query: a semi-join on the end events, not a look-up per row)."""
    from ordering.models import OrderEvent

    out: dict[int, dt.datetime] = {}
    rows = (OrderEvent.objects.filter(event_type=OrderEvent.Type.TRANSITION, to_status=status,
                                      order_id__in=ends.values("order_id"))
            .values_list("order_id", "at"))
    for order_id, at in rows.iterator(chunk_size=10000):
        if order_id not in out or at < out[order_id]:
            out[order_id] = at
    return out


_END = ("order_id", "order__number", "order__customer_id", "at", "order__is_fallback")


def _measured(ends, status: str = "submitted", extra: tuple = ()) -> list[tuple]:
    """(order_id, number, customer_id, start, end, fallback, *extra) per end event."""
    starts = _starts(ends, status)
    return [(oid, number, cid, starts.get(oid), at, fallback, *rest)
            for oid, number, cid, at, fallback, *rest in ends.values_list(*_END, *extra).iterator(chunk_size=10000)]


def measured_rows(start: dt.datetime, end: dt.datetime) -> dict[str, list[tuple]]:
    """measure key -> (order_id, number, customer_id, start, end, fallback) of every order whose
    measure ended in [start, end), from the order events."""
    from ordering.models import OrderEvent, OrderLine

    T = OrderEvent.Type.TRANSITION
    ev = _events().filter(event_type=T, at__gte=start, at__lt=end)
    out: dict[str, list[tuple]] = {m.key: [] for m in fig.MEASURES}

    delivered = ev.filter(to_status="delivered", order__order_type="customer", order__kind__in=DELIVERY_KINDS)
    on_demand = set(OrderLine.objects.filter(article__purchasing="on_demand",
                                             order_id__in=delivered.values("order_id"))
                    .values_list("order_id", flat=True).distinct())
    for *row, priority in _measured(delivered, extra=("order__priority",)):
        key = "urgent" if priority == "urgent" else "order_in" if row[0] in on_demand else "stocked"
        out[key].append(tuple(row))

    for key, status in (("repair_started", "in_progress"), ("repair_finished", "completed")):
        out[key] = _measured(ev.filter(to_status=status, order__order_type="work", order__kind__in=REPAIR_KINDS))
    out["pickup"] = _measured(ev.filter(to_status="picked_up", order__order_type="pickup"))

    # A withdrawal is born delivered: registered at its first event; taken out of the store at
    # `data["withdrawn_at"]` (ISO 8601) of that event (none: registered at once).
    born = (ev.filter(from_status="", order__order_type="customer", order__kind="withdrawal")
            .values_list("order_id", "order__number", "order__customer_id", "data", "at", "order__is_fallback"))
    for order_id, number, customer_id, data, at, fallback in born.iterator(chunk_size=5000):
        taken = _parse_at((data or {}).get("withdrawn_at")) or at
        out["withdrawal"].append((order_id, number, customer_id, taken, at, fallback))
    return out


def _parse_at(value) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


# An order's submission: it leaves draft (or is born submitted / registered / delivered, as a
# pickup, a fault report or a buffer-store withdrawal is). Each order passes this once.
_SUBMITTED = (Q(from_status__in=("", "draft"), to_status__in=("submitted", "special_requested", "registered"))
              | Q(from_status="", to_status="delivered"))


def volume_rows(start: dt.datetime, end: dt.datetime):
    """(month, order type, customer id, orders) of orders submitted in [start, end)."""
    from ordering.models import OrderEvent

    return (_events().filter(_SUBMITTED, event_type=OrderEvent.Type.TRANSITION, at__gte=start, at__lt=end)
            .annotate(month=TruncMonth("at")).values("month", otype=F("order__order_type"), cid=F("order__customer_id"))
            .annotate(n=Count("order_id", distinct=True)).values_list("month", "otype", "cid", "n"))


def iso_rows(start: dt.datetime, end: dt.datetime) -> list[tuple]:
    """(month, order type, ISO class level 1, customer id, orders): customer orders by their
    lines' articles, work orders by their device's article."""
    from ordering.models import OrderEvent

    base = _events().filter(_SUBMITTED, event_type=OrderEvent.Type.TRANSITION, at__gte=start, at__lt=end)
    out = []
    for otype, path in (("customer", "order__lines__article__product__iso_class__code"),
                        ("work", "order__work_detail__device__article__product__iso_class__code")):
        rows = (base.filter(order__order_type=otype).exclude(**{f"{path}__isnull": True})
                .annotate(month=TruncMonth("at"), code=Substr(path, 1, 2))
                .values("month", "code", cid=F("order__customer_id")).annotate(n=Count("order_id", distinct=True))
                .values_list("month", "code", "cid", "n"))
        out.extend((m, otype, code, cid, n) for m, code, cid, n in rows)
    return out


def reuse_rows(start: dt.datetime, end: dt.datetime) -> list[tuple]:
    """(month, ISO class code, customer id, condition) per tracked device delivered in
    [start, end): the delivery events, their deliveries' lines with a device, and the condition
    the device left stock in (the ledger's issue movement for that order line)."""
    from ordering.models import DeliveryLine, OrderEvent
    from stock.models import StockMovement

    events = (_events().filter(event_type=OrderEvent.Type.DELIVERY, at__gte=start, at__lt=end,
                               order__order_type="customer")
              .values_list("at", "order__customer_id", "data"))
    by_delivery = {}
    for at, cid, data in events.iterator(chunk_size=5000):
        did = (data or {}).get("delivery_id")
        if isinstance(did, int):
            by_delivery[did] = (fig.month_of(at), cid)
    out = []
    ids = sorted(by_delivery)
    for i in range(0, len(ids), _CHUNK):
        lines = list(DeliveryLine.objects.filter(delivery_id__in=ids[i:i + _CHUNK], device__isnull=False)
                     .values_list("delivery_id", "device_id", "order_line__order__number", "order_line__line_no",
                                  "order_line__article__product__iso_class__code"))
        refs = {f"{number}:{line_no}" for _, _, number, line_no, _ in lines}
        conditions = {(d, r): c for d, r, c in StockMovement.objects.filter(
            kind=StockMovement.Kind.ISSUE, device_id__in={ln[1] for ln in lines}, ref__in=refs)
            .values_list("device_id", "ref", "condition")}
        for did, device_id, number, line_no, code in lines:
            month, cid = by_delivery[did]
            out.append((month, code or "", cid, conditions.get((device_id, f"{number}:{line_no}"), "new")))
    return out


def compute_months(first: dt.date, last: dt.date) -> dict[dt.date, fig.MonthFigures]:
    """Every month of first..last computed from the events (no cache)."""
    months = {m: fig.MonthFigures(m) for m in fig.months_between(first, last)}
    start, end = _bounds(first, last)

    measured: dict[dt.date, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for key, rows in measured_rows(start, end).items():
        for row in rows:
            measured[fig.month_of(row[4])][key].append(row)
    for month, per_key in measured.items():
        if month in months:
            months[month].sla, months[month].worst = fig.service_levels(month, per_key)

    for m, otype, cid, n in volume_rows(start, end):
        month = fig.month_of(m) if isinstance(m, dt.datetime) else m.replace(day=1)
        if month in months:
            months[month].volumes[(otype, cid)] = n
    for m, otype, code, cid, n in iso_rows(start, end):
        month = fig.month_of(m) if isinstance(m, dt.datetime) else m.replace(day=1)
        if month in months:
            months[month].iso[(otype, code, cid)] = n

    per_month = defaultdict(list)
    for month, code, cid, condition in reuse_rows(start, end):
        per_month[month].append((code, cid, condition))
    for month, rows in per_month.items():
        if month in months:
            months[month].reuse = fig.reuse_counts(rows)
    return months


# ------------------------------------------------------------------------------ cache


def _month_gen_key(month: dt.date) -> str:
    return f"lyfta:stats:gen:{month:%Y-%m}"


def _keys(months: list[dt.date]) -> dict[dt.date, str]:
    gens = cache.get_many([_GLOBAL_GEN, *(_month_gen_key(m) for m in months)])
    g = gens.get(_GLOBAL_GEN, 0)
    return {m: f"lyfta:stats:v1:{g}:{m:%Y-%m}:{gens.get(_month_gen_key(m), 0)}" for m in months}


def month_figures(first: dt.date, last: dt.date) -> list[fig.MonthFigures]:
    """The months first..last, from the cache where present; the missing ones computed in one
    pass over the events (from the first missing to the last missing month) and cached."""
    months = fig.months_between(first, last)
    keys = _keys(months)
    found = cache.get_many(list(keys.values()))
    missing = [m for m in months if keys[m] not in found]
    if missing:
        computed = compute_months(missing[0], missing[-1])
        cache.set_many({keys[m]: computed[m] for m in missing}, CACHE_SECONDS)
        found.update({keys[m]: computed[m] for m in missing})
    return [found[keys[m]] for m in months]


def _bump(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, None)


def invalidate(months: set[dt.date], *, everything: bool = False) -> None:
    def run():
        if everything:
            _bump(_GLOBAL_GEN)
        for m in months:
            _bump(_month_gen_key(m))

    run()
    transaction.on_commit(run)


def on_order_events(events) -> None:
    """`ordering.events` listener (registered in `OperationsConfig.ready`): the months of the
    recorded events get a new cache generation; a late entry's events a new global one."""
    months = {fig.month_of(e.at) for e in events if e.at is not None}
    everything = any((e.data or {}).get("entered_at") or getattr(e.order, "is_fallback", False) for e in events)
    invalidate(months, everything=everything)


# ------------------------------------------------------------------------------ other contexts' figures


def iso_titles(codes) -> dict[str, str]:
    from catalogue.models import IsoClass

    return dict(IsoClass.objects.filter(code__in=set(codes)).values_list("code", "title"))


def customer_names(ids) -> dict[int, str]:
    from access.models import Organisation

    return dict(Organisation.objects.filter(pk__in=set(ids)).values_list("pk", "name"))


def co2_factors() -> dict[str, object]:
    """ISO prefix (digits only) -> kg CO2e per reused device (the supply admin's table)."""
    from ..models import Co2Factor

    return {r.iso_prefix.replace(" ", ""): r.kg_co2e for r in Co2Factor.objects.all()}


def report_version(first: dt.date, last: dt.date) -> str:
    """A digest of everything a statistics page of first..last shows: the months' cache keys (their
    generations), the invoice months' computation times and the climate factors."""
    import hashlib

    from django.db.models import Max

    from invoicing import selectors as inv

    from ..models import AccessRequest, Co2Factor, SupportCase

    months = fig.months_between(first, last)
    co2 = Co2Factor.objects.aggregate(n=Count("id"), at=Max("updated_at"))
    # The workflows' figures (support, access requests) change with their rows and, as deadlines
    # pass, with the time: their part of the version is their latest change and the hour.
    support = SupportCase.objects.aggregate(n=Count("id"), o=Max("opened_at"), a=Max("first_answered_at"))
    access = AccessRequest.objects.aggregate(n=Count("id"), c=Max("created_at"), d=Max("decided_at"))
    parts = [*_keys(months).values(), repr(sorted(inv.computed_months(first, last).items())), repr(co2),
             repr(support), repr(access), f"{timezone.now():%Y%m%d%H}"]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:20]


def co2_factor_rows() -> list[tuple]:
    """(factor, ISO class title) for the supply admin's page."""
    from ..models import Co2Factor

    factors = list(Co2Factor.objects.all())
    titles = iso_titles({f.iso_prefix.replace(" ", "") for f in factors})
    return [(f, titles.get(f.iso_prefix.replace(" ", ""), "")) for f in factors]


def loan_costs(first: dt.date, last: dt.date) -> tuple[dict[int, dict[dt.date, tuple[int, int]]], set[dt.date]]:
    """(customer id -> month -> (devices charged rent, rent in öre), the months whose invoice
    basis is computed), read from invoicing's basis (its one charge computation; nothing is priced
    here). Cached until a month of the range is computed again (the key holds the computation times)."""
    import hashlib

    from invoicing import selectors as inv

    stamps = inv.computed_months(first, last)
    digest = hashlib.sha256(repr(sorted(stamps.items())).encode()).hexdigest()[:16]
    key = f"lyfta:stats:loans:{first:%Y-%m}:{last:%Y-%m}:{digest}"
    value = cache.get(key)
    if value is None:
        value = inv.rent_by_customer(first, last)
        cache.set(key, value, CACHE_SECONDS)
    return value, set(stamps)
