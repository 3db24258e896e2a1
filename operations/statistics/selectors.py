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
from django.db.models import (
    Case,
    CharField,
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, Concat, RowNumber, Substr, TruncDate, TruncMonth
from django.db.models.lookups import GreaterThan, LessThan, LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext

from core.errors import ValidationFailed

from . import figures as fig

CACHE_SECONDS = 24 * 3600
MAX_MONTHS = 36
_GLOBAL_GEN = "lyfta:stats:gen"
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
# Holidays are subtracted from the years first.year − 3 .. last.year + 1 of a range: a measure that
# started earlier is years late whatever its exact count.
HOLIDAY_YEARS_BACK = 3

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
        raise ValidationFailed(gettext("Ange månaden som ÅÅÅÅ-MM."), errors={field: [gettext("Ange månaden som ÅÅÅÅ-MM, t.ex. 2026-01.")]})
    return dt.date(int(m.group(1)), int(m.group(2)), 1)


def parse_range(first: str, last: str) -> tuple[dt.date, dt.date]:
    """The months `first`..`last` (YYYY-MM, inclusive), at most `MAX_MONTHS`, not after this month."""
    a, b = _parse_month(first, "fran"), _parse_month(last, "till")
    if b < a:
        raise ValidationFailed(gettext("Till-månaden ligger före från-månaden."),
                               errors={"till": [gettext("Till-månaden kan inte ligga före från-månaden.")]})
    this_month = timezone.localdate().replace(day=1)
    if b > this_month:
        raise ValidationFailed(gettext("Månaden har inte börjat."), errors={"till": [gettext("Till-månaden kan inte ligga i framtiden.")]})
    if len(fig.months_between(a, b)) > MAX_MONTHS:
        raise ValidationFailed(gettext("För lång period."), errors={"fran": [gettext("Välj högst %(max_months)s månader.") % {"max_months": MAX_MONTHS}]})
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


# ------------------------------------------------------------------------------ SQL building blocks
#
# The service levels are counted by the database: per (measure, month, customer, elapsed) one row
# with the number of orders, and per (measure, month, customer) the worst five cases by a window
# function. "Elapsed" is computed in SQL from the events' local dates: weekdays as the difference
# of two weekday ordinals (Monday–Friday counted arithmetically, the Swedish public holidays on
# weekdays subtracted through a search tree of CASE expressions), calendar days as the difference
# of day numbers, hours as a comparison of timestamps. The same numbers as
# `figures.elapsed`; `operations/tests/test_statistics_sql.py` compares both on generated data.


class DayNumber(Func):
    """Days since 1970-01-01 of a date expression, as an integer (PostgreSQL and SQLite)."""

    arity = 1
    output_field = IntegerField()
    template = "(%(expressions)s - DATE '1970-01-01')"

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="CAST(julianday(%(expressions)s) - 2440587.5 AS INTEGER)",
                           **extra)


def _day_number(field: str):
    """The local (current time zone) calendar day of a timestamp column, as a day number."""
    return DayNumber(TruncDate(field, tzinfo=timezone.get_current_timezone()))


def _holiday_days(first_year: int, last_year: int) -> list[int]:
    """Day numbers of the Swedish public holidays falling on Monday–Friday (`core.calendar`)."""
    from core.calendar import _holidays_for

    epoch = dt.date(1970, 1, 1)
    return sorted((d - epoch).days for y in range(first_year, last_year + 1) for d in _holidays_for(y)
                  if d.weekday() < 5)


def _count_below(day, points: list[int], lo: int = 0, hi: int | None = None):
    """How many of the sorted `points` are <= `day`: a balanced tree of CASE expressions (depth
    log2 of the points), so each row compares a handful of integers."""
    hi = len(points) if hi is None else hi
    if lo >= hi:
        return Value(lo)
    mid = (lo + hi) // 2
    return Case(When(LessThan(day, Value(points[mid])), then=_count_below(day, points, lo, mid)),
                default=_count_below(day, points, mid + 1, hi), output_field=IntegerField())


class CountUpTo(Func):
    """How many of the sorted integer `points` are <= the expression: PostgreSQL's
    `width_bucket(x, ARRAY[...])` (the expression evaluated once), elsewhere the CASE tree."""

    arity = 1
    output_field = IntegerField()

    def __init__(self, expression, points, **extra):
        super().__init__(expression, **extra)
        self.points = [int(p) for p in points]

    def as_postgresql(self, compiler, connection, **extra):
        if not self.points:
            return compiler.compile(Value(0))
        array = ",".join(str(p) for p in self.points)  # integers computed here, not input
        return super().as_sql(compiler, connection, template=f"width_bucket(%(expressions)s, ARRAY[{array}])",
                              **extra)

    def as_sql(self, compiler, connection, **extra):
        return compiler.compile(_count_below(self.source_expressions[0], self.points))


def _weekday_ordinal(field: str, holidays: list[int]):
    """The number of Swedish weekdays up to and including the local day of `field`, counted from
    Monday 1969-12-29 (only differences of two ordinals are meaningful): the days, less the
    Saturdays and Sundays (k + 1 − ⌊(k + 2) / 7⌋ − ⌊(k + 1) / 7⌋ for k days since that Monday), less
    the public holidays on weekdays up to that day."""
    k = _day_number(field) + Value(3)
    saturdays = ExpressionWrapper((k + Value(2)) / Value(7), output_field=IntegerField())
    sundays = ExpressionWrapper((k + Value(1)) / Value(7), output_field=IntegerField())
    return k + Value(1) - saturdays - sundays - CountUpTo(_day_number(field), holidays)


def _hours_limit(measure: fig.Measure) -> dt.timedelta:
    """The longest duration still met by `figures.is_met` for an hours measure (hours rounded to one
    decimal): the limit plus three minutes, less a microsecond where the rounding goes up."""
    edge = dt.timedelta(hours=measure.limit, minutes=3)
    met_at_edge = round(edge.total_seconds() / 3600, 1) <= measure.limit
    return edge if met_at_edge else edge - dt.timedelta(microseconds=1)


_SQL_MEASURES = ("stocked", "order_in", "urgent", "repair_started", "repair_finished", "pickup")


def _ends(start: dt.datetime, end: dt.datetime, years: tuple[int, int]):
    """The events ending an order-based measure in [start, end) (every measure but withdrawals),
    annotated with `key` (the measure), `month`, `cid` (customer) and `el`: weekdays or calendar
    days elapsed, or for urgent deliveries 1 (met) / 0 (missed); NULL when the order has no start
    event (not measured). Also `dur` (urgent: the duration)."""
    from ordering.models import OrderEvent, OrderLine

    T = OrderEvent.Type.TRANSITION
    delivered = Q(to_status="delivered", order__order_type="customer", order__kind__in=DELIVERY_KINDS)
    repair = Q(to_status__in=("in_progress", "completed"), order__order_type="work", order__kind__in=REPAIR_KINDS)
    pickup = Q(to_status="picked_up", order__order_type="pickup")
    urgent = Q(delivered, order__priority="urgent")
    holidays = _holiday_days(*years)
    on_demand = OrderLine.objects.filter(article__purchasing="on_demand").values("order_id")
    key = Case(When(Q(repair, to_status="in_progress"), then=Value("repair_started")),
               When(repair, then=Value("repair_finished")),
               When(pickup, then=Value("pickup")),
               When(urgent, then=Value("urgent")),
               When(order_id__in=on_demand, then=Value("order_in")),
               default=Value("stocked"), output_field=CharField())
    # The start: the order's first event entering `submitted`, joined (LEFT: an order without one
    # is not measured) with no earlier such event (an anti-join) — set-based, so PostgreSQL runs it
    # in parallel; a correlated sub-select per end event ran single-threaded above the Gather.
    began = FilteredRelation("order__events", condition=Q(order__events__event_type=T,
                                                          order__events__to_status="submitted"))
    earlier = (OrderEvent.objects.filter(order_id=OuterRef("order_id"), event_type=T, to_status="submitted")
               .filter(Q(at__lt=OuterRef("began__at")) | Q(at=OuterRef("began__at"), pk__lt=OuterRef("began__pk"))))
    limit = _hours_limit(fig.MEASURE_BY_KEY["urgent"])
    deadline = ExpressionWrapper(F("began__at") + Value(limit), output_field=DateTimeField())
    el = Case(
        When(urgent, then=Case(When(LessThanOrEqual(F("at"), deadline), then=Value(1)),
                               When(GreaterThan(F("at"), deadline), then=Value(0)), default=Value(None),
                               output_field=IntegerField())),
        When(pickup, then=_day_number("at") - _day_number("began__at")),
        default=_weekday_ordinal("at", holidays) - _weekday_ordinal("began__at", holidays),
        output_field=IntegerField())  # negative (ended before the start's day) counts as 0: the callers clamp
    dur = Case(When(urgent, then=ExpressionWrapper(F("at") - F("began__at"), output_field=DurationField())),
               default=Value(None), output_field=DurationField())
    return (OrderEvent.objects.filter(delivered | repair | pickup, event_type=T, at__gte=start, at__lt=end)
            .annotate(began=began).filter(~Exists(earlier))
            .annotate(key=key, month=TruncMonth("at"), cid=F("order__customer_id"), el=el, dur=dur,
                      started=F("began__at")))


def _month(value) -> dt.date:
    return fig.month_of(value) if isinstance(value, dt.datetime) else value.replace(day=1)


def service_level_figures(start: dt.datetime, end: dt.datetime, years: tuple[int, int]) -> dict[dt.date, tuple]:
    """month -> (sla, worst) as `figures.service_levels` returns them, for the measures counted in
    SQL (every order-based measure but withdrawals): two queries over the end events, one grouped
    by (measure, month, customer, elapsed), one ranking each (measure, month, customer)'s cases."""

    ends = _ends(start, end, years)
    sla: dict = defaultdict(lambda: defaultdict(dict))
    for key, m, cid, el, n in ends.values("key", "month", "cid", "el").annotate(n=Count("pk")).values_list(
            "key", "month", "cid", "el", "n").order_by():
        per = sla[_month(m)][key]
        if el is None:
            continue
        measure = fig.MEASURE_BY_KEY[key]
        met = el == 1 if measure.unit == "hours" else max(el, 0) <= measure.limit
        c = per.setdefault(cid, [0, 0])
        c[0] += n
        c[1] += n if met else 0

    # Not GREATEST(el, 0): PostgreSQL's ignores NULL (no start), SQLite's returns it.
    clamped = Case(When(LessThan(F("el"), Value(0)), then=Value(0)), default=F("el"), output_field=IntegerField())
    rank = Window(RowNumber(), partition_by=[F("key"), F("month"), F("cid")],
                  order_by=[F("dur").desc(nulls_last=True), clamped.desc(nulls_last=True), F("order_id").asc()])
    worst_rows = list(ends.annotate(rn=rank).filter(rn__lte=fig.WORST_KEPT).values_list(
        "key", "month", "cid", "el", "order_id", "order__number", "started", "at", "order__is_fallback", "rn"))
    worst: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    for key, m, cid, el, order_id, number, began, at, fallback, _rn in sorted(worst_rows, key=lambda r: r[-1]):
        if el is None:
            continue
        measure = fig.MEASURE_BY_KEY[key]
        worst[_month(m)][key][cid].append(fig.Case(fig.elapsed(measure, began, at), order_id, number, cid, began, at,
                                                   bool(fallback)))
    out = {}
    for month, per_key in sla.items():
        out[month] = ({k: dict(v) for k, v in per_key.items()},
                      {k: {cid: list(cases) for cid, cases in worst[month].get(k, {}).items()} for k in per_key})
    return out


def withdrawal_rows(start: dt.datetime, end: dt.datetime) -> list[tuple]:
    """(order_id, number, customer_id, taken, registered, fallback) per buffer-store withdrawal
    registered in [start, end): its first event, taken out of the store at `data["withdrawn_at"]`
    (ISO 8601) of that event (none: registered at once). Few rows: counted in Python."""
    from ordering.models import OrderEvent

    born = (_events().filter(event_type=OrderEvent.Type.TRANSITION, at__gte=start, at__lt=end, from_status="",
                             order__order_type="customer", order__kind="withdrawal")
            .values_list("order_id", "order__number", "order__customer_id", "data", "at", "order__is_fallback"))
    out = []
    for order_id, number, customer_id, data, at, fallback in born.iterator(chunk_size=5000):
        taken = _parse_at((data or {}).get("withdrawn_at")) or at
        out.append((order_id, number, customer_id, taken, at, fallback))
    return out


# Special requests (issue 17): the step's status, and the moves out of it that are its decision.
SPECIAL_STEPS = (("special_customer", "customer_approval", ("special_requested", "rejected", "info_requested")),
                 ("special_supply", "special_requested", ("submitted", "rejected", "info_requested")))


def special_request_rows(start: dt.datetime, end: dt.datetime) -> dict[str, list[tuple]]:
    """measure key -> (order_id, number, customer_id, entered, decided, fallback) per decision of
    that step made in [start, end): the decision event (a move out of the step's status to one of
    its decisions; a withdrawal is none) and, by the database, the latest event before it entering
    the step (this round's start). Few rows: counted in Python (`figures.service_levels`)."""
    from ordering.models import OrderEvent

    T = OrderEvent.Type.TRANSITION
    out = {}
    for key, status, decided in SPECIAL_STEPS:
        entered = (OrderEvent.objects.filter(order_id=OuterRef("order_id"), event_type=T, to_status=status)
                   .filter(Q(at__lt=OuterRef("at")) | Q(at=OuterRef("at"), pk__lt=OuterRef("pk")))
                   .order_by("-at", "-pk").values("at")[:1])
        out[key] = list(OrderEvent.objects.filter(event_type=T, order__order_type="customer", from_status=status,
                                                  to_status__in=decided, at__gte=start, at__lt=end)
                        .annotate(began=Subquery(entered, output_field=DateTimeField()))
                        .values_list("order_id", "order__number", "order__customer_id", "began", "at",
                                     "order__is_fallback").order_by("at", "pk"))
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
_SUBMITTED = (Q(from_status__in=("", "draft"),
                to_status__in=("submitted", "special_requested", "customer_approval", "registered"))
              | Q(from_status="", to_status="delivered"))


def volume_rows(start: dt.datetime, end: dt.datetime):
    """(month, order type, customer id, orders) of orders submitted in [start, end)."""
    from ordering.models import OrderEvent

    return (_events().filter(_SUBMITTED, event_type=OrderEvent.Type.TRANSITION, at__gte=start, at__lt=end)
            .annotate(month=TruncMonth("at")).values("month", otype=F("order__order_type"), cid=F("order__customer_id"))
            .annotate(n=Count("order_id", distinct=True)).values_list("month", "otype", "cid", "n"))


def iso_rows(start: dt.datetime, end: dt.datetime) -> list[tuple]:
    """(month, order type, ISO class level 1, customer id, orders): customer orders by their
    lines' articles (an order with lines of two classes counts in both), work orders by their
    device's article."""
    from ordering.models import OrderEvent

    base = _events().filter(_SUBMITTED, event_type=OrderEvent.Type.TRANSITION, at__gte=start, at__lt=end)
    out = []
    for otype, path in (("customer", "order__lines__article__product__iso_class__code"),
                        ("work", "order__work_detail__device__article__product__iso_class__code")):
        # `filter`, not `exclude`: on the multi-valued lines `exclude(...isnull=True)` became a
        # NOT EXISTS that PostgreSQL planned as a nested-loop anti-join against every order
        # without lines (work orders, pickups): 16+ minutes on a year at planning density. Every
        # product has an ISO class, so only orders without lines (devices) are left out, as before.
        rows = (base.filter(order__order_type=otype).filter(**{f"{path}__isnull": False})
                .annotate(month=TruncMonth("at"), code=Substr(path, 1, 2))
                .values("month", "code", cid=F("order__customer_id")).annotate(n=Count("order_id", distinct=True))
                .values_list("month", "code", "cid", "n"))
        out.extend((m, otype, code, cid, n) for m, code, cid, n in rows)
    return out


def reuse_figures(start: dt.datetime, end: dt.datetime) -> dict[dt.date, dict]:
    """month -> {(ISO class code of two levels, customer id): [from refurbished stock, new]}: the
    tracked devices delivered in [start, end), counted by the database — the delivery events
    (`data["delivery_id"]`) joined to their deliveries' lines with a device, and the condition the
    device left stock in (the ledger's issue movement for that order line, `ref` = `<order>:<line>`;
    none: new)."""
    from ordering.models import DeliveryLine, OrderEvent
    from stock.models import StockMovement

    ev = "delivery__order__events"
    issued = (StockMovement.objects.filter(kind=StockMovement.Kind.ISSUE, device_id=OuterRef("device_id"),
                                           ref=Concat(OuterRef("order_line__order__number"), Value(":"),
                                                      Cast(OuterRef("order_line__line_no"), CharField()),
                                                      output_field=CharField()))
              .order_by("-pk").values("condition")[:1])
    rows = (DeliveryLine.objects.filter(**{"device__isnull": False, "delivery__order__order_type": "customer",
                                           f"{ev}__event_type": OrderEvent.Type.DELIVERY, f"{ev}__at__gte": start,
                                           f"{ev}__at__lt": end})
            .annotate(did=Cast(KeyTextTransform("delivery_id", f"{ev}__data"), IntegerField()))
            .filter(did=F("delivery_id"))
            .values(month=TruncMonth(f"{ev}__at"),
                    code=Coalesce(Substr("order_line__article__product__iso_class__code", 1, 4), Value("")),
                    cid=F("delivery__order__customer_id"),
                    condition=Coalesce(Subquery(issued, output_field=CharField()), Value("new")))
            .annotate(n=Count("pk")).values_list("month", "code", "cid", "condition", "n").order_by())
    out: dict = defaultdict(dict)
    for m, code, cid, condition, n in rows:
        c = out[_month(m)].setdefault((code, cid), [0, 0])
        c[0 if condition == "refurbished" else 1] += n
    return out


def _read_tuning() -> None:
    """PostgreSQL, for the rest of the enclosing transaction: no JIT (these queries' large CASE
    expressions cost seconds to compile, more than they save: 15 s of 31 s measured on a year at
    planning density) and more memory per sort and hash (the groupings spilled 30 MB to disk)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SET LOCAL jit = off")
            cur.execute("SET LOCAL work_mem = '64MB'")


@transaction.atomic
def compute_months(first: dt.date, last: dt.date) -> dict[dt.date, fig.MonthFigures]:
    """Every month of first..last computed from the events by SQL aggregation (no cache); reads
    only, in one transaction (one snapshot on PostgreSQL, and `_read_tuning` ends with it)."""
    _read_tuning()
    months = {m: fig.MonthFigures(m) for m in fig.months_between(first, last)}
    start, end = _bounds(first, last)
    years = (first.year - HOLIDAY_YEARS_BACK, last.year + 1)

    for month, (sla, worst) in service_level_figures(start, end, years).items():
        if month in months:
            months[month].sla, months[month].worst = sla, worst
    per_month: dict[dt.date, list] = defaultdict(list)
    for row in withdrawal_rows(start, end):
        per_month[fig.month_of(row[4])].append(row)
    for month, rows in per_month.items():
        if month in months:
            sla, worst = fig.service_levels(month, {"withdrawal": rows})
            months[month].sla.update(sla)
            months[month].worst.update(worst)
    special: dict[dt.date, dict] = defaultdict(lambda: defaultdict(list))
    for key, rows in special_request_rows(start, end).items():
        for row in rows:
            special[fig.month_of(row[4])][key].append(row)
    for month, measured in special.items():
        if month in months:
            sla, worst = fig.service_levels(month, dict(measured))
            months[month].sla.update(sla)
            months[month].worst.update(worst)

    for m, otype, cid, n in volume_rows(start, end):
        month = _month(m)
        if month in months:
            months[month].volumes[(otype, cid)] = n
    for m, otype, code, cid, n in iso_rows(start, end):
        month = _month(m)
        if month in months:
            months[month].iso[(otype, code, cid)] = n
    for month, reuse in reuse_figures(start, end).items():
        if month in months:
            months[month].reuse = reuse
    return months


# ------------------------------------------------------------------------------ cache


def _month_gen_key(month: dt.date) -> str:
    return f"lyfta:stats:gen:{month:%Y-%m}"


def _keys(months: list[dt.date]) -> dict[dt.date, str]:
    gens = cache.get_many([_GLOBAL_GEN, *(_month_gen_key(m) for m in months)])
    g = gens.get(_GLOBAL_GEN, 0)
    return {m: f"lyfta:stats:v1:{g}:{m:%Y-%m}:{gens.get(_month_gen_key(m), 0)}" for m in months}


def projection_versions(months) -> dict[dt.date, tuple[int, bool]]:
    """month -> (version, stale) of the projection's rows of `months` (a month without a row: absent)."""
    from ..models import StatisticsMonth

    return {m: (v, stale) for m, v, stale in
            StatisticsMonth.objects.filter(month__in=list(months)).values_list("month", "version", "stale")}


def _runs(months: list[dt.date]) -> list[list[dt.date]]:
    """Consecutive months grouped: [[jan, feb], [apr]]."""
    runs: list[list[dt.date]] = []
    for m in months:
        if runs and (runs[-1][-1] + dt.timedelta(days=32)).replace(day=1) == m:
            runs[-1].append(m)
        else:
            runs.append([m])
    return runs


def projected_months(months: list[dt.date]) -> dict[dt.date, fig.MonthFigures]:
    """The months from the projection (`StatisticsMonth`); those without a row, or marked stale,
    computed from the events (one pass per run of consecutive months) and stored."""
    from ..models import StatisticsMonth
    from . import services

    out: dict[dt.date, fig.MonthFigures] = {}
    versions: dict[dt.date, int] = {}
    for m, data, stale, version in StatisticsMonth.objects.filter(month__in=months).values_list(
            "month", "figures", "stale", "version"):
        if stale:
            versions[m] = version
        else:
            out[m] = fig.from_json(m, data)
    need = [m for m in months if m not in out]
    for run in _runs(need):
        computed = compute_months(run[0], run[-1])
        services.projection_store(computed, {m: versions.get(m) for m in run})
        out.update(computed)
    return out


def month_figures(first: dt.date, last: dt.date) -> list[fig.MonthFigures]:
    """The months first..last, from the cache where present; the missing ones read from the
    projection (`projected_months`: computed from the events and stored where it has none) and
    cached."""
    months = fig.months_between(first, last)
    keys = _keys(months)
    found = cache.get_many(list(keys.values()))
    missing = [m for m in months if keys[m] not in found]
    if missing:
        read = projected_months(missing)
        cache.set_many({keys[m]: read[m] for m in missing}, CACHE_SECONDS)
        found.update({keys[m]: read[m] for m in missing})
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


def event_months(events) -> set[dt.date]:
    """The months whose figures `events` change: each event's `at`, and for a late entry also the
    paper's time (`data["paper_at"]`: the event's `at` is set to it after the listeners ran)."""
    months = {fig.month_of(e.at) for e in events if e.at is not None}
    for e in events:
        paper = _parse_at((e.data or {}).get("paper_at"))
        if paper is not None:
            months.add(fig.month_of(paper))
    return months


def on_order_events(events) -> None:
    """`ordering.events` listener (registered in `OperationsConfig.ready`), inside the event's
    transaction. After commit the months of the events are marked stale in the projection and
    recomputed in the background (`services.projection_events_committed`, debounced) — before the
    cache's generations are bumped again, so a value cached in between is not kept. The cache: the
    months get a new generation; a late entry's events a new global one."""
    from . import services

    months = event_months(events)
    everything = any((e.data or {}).get("entered_at") or getattr(e.order, "is_fallback", False) for e in events)
    if months:
        transaction.on_commit(lambda: services.projection_events_committed(months), robust=True)
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
    generations), the invoice months' computation times, the climate factors and the loans (the
    overdue returns, `overdue_version`)."""
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
             repr(support), repr(access), overdue_version(), f"{timezone.now():%Y%m%d%H}"]
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


# ------------------------------------------------------------------------------ overdue returns
# Counted at read time from the loans (`stock.Loan`), not kept in the projection: the figure
# changes as days pass and as loans end, extend or convert — none of which is an order event of
# the figure's month (a return can end a loan on an earlier day than its pickup event; a return
# date passing is no event at all), so the projection's stale marking (`on_order_events`) cannot
# see it. One query for the whole range; `overdue_version` is its part of `report_version`.

OVERDUE_TYPES = ("time_limited", "short_term", "trial")


def overdue_days(months: list[dt.date], today: dt.date | None = None) -> list[dt.date]:
    """The day each month's count is taken on: its last day, for the current month today."""
    today = today or timezone.localdate()
    return [min((m + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1), today) for m in months]


def _overdue_on(day: dt.date) -> Q:
    """Overdue on `day`, as the supply centre's list (`ordering.flows.loans.overdue_returns`) says
    on that day: a dated loan (time-limited, short-term) past its return date or a trial past its
    end (`loan_until` before the day), started and not returned by then (not ended, or ended
    later), the patient not deceased by then."""
    return (Q(started_on__lte=day, loan_until__lt=day) & (Q(ended_on__isnull=True) | Q(ended_on__gt=day))
            & (Q(patient__deceased_on__isnull=True) | Q(patient__deceased_on__gt=day)))


def overdue_return_counts(days: list[dt.date]) -> dict[tuple[int, int | None], list[int]]:
    """(customer id, unit id of the order the device was delivered on or None) -> loans overdue on
    each of `days` (in their order), counted by the database (one conditional count per day)."""
    from django.db.models.functions import StrIndex

    from ordering.models import Order
    from stock.models import Loan

    if not days:
        return {}
    number = Substr("source_ref", 1, StrIndex(Concat("source_ref", Value(":")), Value(":")) - Value(1))
    unit = Order.objects.filter(order_type="customer", number=OuterRef("src")).values("unit_id")[:1]
    counts = {f"d{i}": Count("pk", filter=_overdue_on(d)) for i, d in enumerate(days)}
    rows = (Loan.objects.filter(loan_type__in=OVERDUE_TYPES, loan_until__lt=max(days), started_on__lte=max(days))
            .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=min(days)))
            .annotate(src=number).annotate(unit=Subquery(unit, output_field=IntegerField()))
            .values("customer_id", "unit").annotate(**counts).order_by())
    out = {}
    for row in rows:
        per = [row[f"d{i}"] for i in range(len(days))]
        if any(per):
            out[(row["customer_id"], row["unit"])] = per
    return out


def overdue_version() -> str:
    """Changes whenever a loan is written (ended, extended, converted, started) or a patient is
    recorded deceased; with `report_version`'s hour, the passing days."""
    from django.db.models import Max

    from patients.models import Patient
    from stock.models import Loan

    # Every loan write sets updated_at (no queryset update of loans bypasses it; loans are never
    # deleted): the newest is an index probe (stock_loan_updated), where counting the loans as
    # well scanned 800,000 rows (58 ms) on every page view. The deceased: a partial index.
    at = Loan.objects.aggregate(at=Max("updated_at"))["at"]
    deceased = Patient.objects.filter(deceased_on__isnull=False).count()
    return f"{at}:{deceased}"


def unit_names(ids) -> dict[int, str]:
    from access.models import Unit

    return dict(Unit.objects.filter(pk__in={i for i in ids if i}).values_list("pk", "name"))
