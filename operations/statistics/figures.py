"""Pure computations of the statistics (DESIGN.md §5, §8) from rows read out of the order
events; no database access here (the selectors read, these functions count).

Every figure belongs to one calendar month (Europe/Stockholm):
- a service-level measure to the month of the event that ends it (delivered, work started or
  completed, picked up, the withdrawal registered): "in November, 93 % of deliveries came within
  7 weekdays";
- a volume to the month the order was submitted (left draft; a pickup or fault report is born
  submitted/registered);
- reuse to the month of the delivery event.
So a new order event changes only the figures of its own month (the cache's invalidation rule,
`operations.statistics.selectors`). Times are the events' `at`: a late-entered (fallback)
order's events carry the paper's time, so it counts from the paper.

Weekdays are Swedish weekdays (`core.calendar`: Monday–Friday except public holidays); a measure
"within N weekdays" is met when the end falls on or before the N-th weekday after the day it
started (`weekdays_between(start_day, end_day) <= N`)."""
from __future__ import annotations

import datetime as dt
import heapq
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

from django.utils import timezone

from core.calendar import weekdays_between

WORST_KEPT = 5  # worst cases kept per measure, month and customer (and shown per measure)


@dataclass(frozen=True)
class Measure:
    key: str
    label: str  # Swedish
    unit: str  # "weekdays" | "hours" | "days"
    limit: int
    target: int | None = None  # the agreed share in percent, where the agreement names one

    @property
    def limit_label(self) -> str:
        word = {"weekdays": "vardagar", "hours": "timmar", "days": "dagar"}[self.unit]
        return f"{self.limit} {word}"


# DESIGN.md §8. Order-based measures, in display order; support and access requests come from
# operations' own workflows (`SUPPORT`, `ACCESS`), measured by their selectors.
MEASURES: tuple[Measure, ...] = (
    Measure("stocked", "Lagerförd artikel levererad", "weekdays", 7),
    Measure("order_in", "Beställningsvara levererad", "weekdays", 17),
    Measure("urgent", "Akut leverans", "hours", 24),
    Measure("repair_started", "Reparation påbörjad", "weekdays", 3),
    Measure("repair_finished", "Reparation avslutad", "weekdays", 10),
    Measure("pickup", "Hämtning utförd", "days", 7),
    Measure("withdrawal", "Uttag ur förråd registrerat", "hours", 24),
)
SUPPORT = Measure("support", "Supportärende besvarat", "hours", 24, target=90)
ACCESS = Measure("access", "Behörighetsansökan beslutad", "days", 7, target=100)
MEASURE_BY_KEY = {m.key: m for m in (*MEASURES, SUPPORT, ACCESS)}


def special_measures() -> tuple[Measure, Measure]:
    """Special requests (issue 17): the decision of the customer's own approver (from the request
    entering `customer_approval` to approve / reject / ask) and of the supply centre's consultant
    (from entering `special_requested` — after the customer's approval, where there is one — to
    approve / reject / ask), each within its configured weekdays (`LYFTA_CUSTOMER_APPROVAL_WEEKDAYS`,
    `LYFTA_SPECIAL_REQUEST_WEEKDAYS`, as `ordering.flows.approval` / `special` read them); the time at
    the customer is not counted against the consultant. Per round: an answered question starts it again."""
    from django.conf import settings

    return (Measure("special_customer", "Särskilt beslut av kundens godkännare", "weekdays",
                    int(getattr(settings, "LYFTA_CUSTOMER_APPROVAL_WEEKDAYS", 3))),
            Measure("special_supply", "Särskilt beslut av HMC:s konsulent", "weekdays",
                    int(getattr(settings, "LYFTA_SPECIAL_REQUEST_WEEKDAYS", 5))))


def measure_for(key: str) -> Measure:
    return MEASURE_BY_KEY.get(key) or {m.key: m for m in special_measures()}[key]


def month_of(at: dt.datetime) -> dt.date:
    local = timezone.localtime(at)
    return dt.date(local.year, local.month, 1)


def month_label(month: dt.date) -> str:
    return f"{month:%Y-%m}"


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every month from `first` to `last` (first days of months), inclusive."""
    out, m = [], first.replace(day=1)
    while m <= last:
        out.append(m)
        m = (m + dt.timedelta(days=32)).replace(day=1)
    return out


@cache  # keys are (start day, end day) pairs: a few thousand per year
def _weekdays(start_day: dt.date, end_day: dt.date) -> int:
    return weekdays_between(start_day, end_day)


def elapsed(measure: Measure, start: dt.datetime, end: dt.datetime) -> float:
    """How long the measure took, in the measure's unit (weekdays and days whole, hours with one
    decimal)."""
    if measure.unit == "hours":
        return round(max((end - start).total_seconds(), 0) / 3600, 1)
    start_day, end_day = timezone.localtime(start).date(), timezone.localtime(end).date()
    if measure.unit == "days":
        return max((end_day - start_day).days, 0)
    return _weekdays(start_day, end_day)


def is_met(measure: Measure, start: dt.datetime, end: dt.datetime) -> bool:
    return elapsed(measure, start, end) <= measure.limit


@dataclass(frozen=True)
class Case:
    """One measured order (or case) for the worst-case list."""

    elapsed: float
    order_id: int | None
    number: str
    customer_id: int | None
    start: dt.datetime
    end: dt.datetime
    fallback: bool = False


@dataclass
class MonthFigures:
    """Everything the statistics show for one month, broken down per customer (the supply page
    sums them; a customer's page takes its own), so one cached value serves every scope."""

    month: dt.date
    # measure key -> customer id -> [measured, met]
    sla: dict = field(default_factory=dict)
    # measure key -> customer id -> worst cases (at most WORST_KEPT, worst first)
    worst: dict = field(default_factory=dict)
    # (order type, customer id) -> orders submitted
    volumes: dict = field(default_factory=dict)
    # (order type, ISO class level 1 code, customer id) -> orders with a line / device of that class
    iso: dict = field(default_factory=dict)
    # (ISO class code of two levels, customer id) -> [from refurbished stock, new]
    reuse: dict = field(default_factory=dict)


def service_levels(month: dt.date, measured: dict[str, list[tuple]]) -> tuple[dict, dict]:
    """`measured[key]` = rows (order_id, number, customer_id, start, end, fallback) of orders whose
    measure ended in `month`. Returns (sla, worst) as stored in `MonthFigures`."""
    sla: dict = {}
    worst: dict = {}
    for key, rows in measured.items():
        measure = measure_for(key)
        counts: dict = defaultdict(lambda: [0, 0])
        heaps: dict = defaultdict(list)
        for seq, (order_id, number, customer_id, start, end, fallback) in enumerate(rows):
            if start is None or end is None:
                continue
            took = elapsed(measure, start, end)
            c = counts[customer_id]
            c[0] += 1
            c[1] += took <= measure.limit
            case = Case(took, order_id, number, customer_id, start, end, bool(fallback))
            h = heaps[customer_id]
            # Longest first; hours by the exact duration (two cases shown as 30.0 h are ranked by
            # their seconds), then the lower order id, then the earlier row (an order measured
            # twice in a month: the rounds of a special request).
            exact = (end - start) if measure.unit == "hours" else dt.timedelta(0)
            item = (took, exact, -(order_id or 0), -seq, case)
            if len(h) < WORST_KEPT:
                heapq.heappush(h, item)
            elif item[:4] > h[0][:4]:
                heapq.heapreplace(h, item)
        sla[key] = {cid: list(v) for cid, v in counts.items()}
        worst[key] = {cid: [it[-1] for it in sorted(h, key=lambda x: x[:4], reverse=True)] for cid, h in heaps.items()}
    return sla, worst


def reuse_counts(deliveries: list[tuple]) -> dict:
    """`deliveries` = (ISO class code, customer id, condition) per tracked device delivered →
    {(class of two levels, customer id): [refurbished, new]}."""
    out: dict = defaultdict(lambda: [0, 0])
    for code, customer_id, condition in deliveries:
        c = out[((code or "")[:4], customer_id)]
        if condition == "refurbished":
            c[0] += 1
        else:
            c[1] += 1
    return dict(out)


# ------------------------------------------------------------------------------ combining months


def _in_scope(customer_id, customers) -> bool:
    return customers is None or customer_id in customers


@dataclass
class Share:
    measured: int
    met: int

    @property
    def percent(self) -> float | None:
        return round(100.0 * self.met / self.measured, 1) if self.measured else None


def sla_table(months: list[MonthFigures], customers=None, measures=MEASURES) -> dict[str, list[Share]]:
    """measure key -> one Share per month (in the order of `months`), for the customers in scope
    (None: all)."""
    out = {}
    for m in measures:
        row = []
        for mf in months:
            per = mf.sla.get(m.key, {})
            n = sum(v[0] for cid, v in per.items() if _in_scope(cid, customers))
            met = sum(v[1] for cid, v in per.items() if _in_scope(cid, customers))
            row.append(Share(n, met))
        out[m.key] = row
    return out


def total_share(shares: list[Share]) -> Share:
    return Share(sum(s.measured for s in shares), sum(s.met for s in shares))


def worst_cases(months: list[MonthFigures], key: str, customers=None, *, limit: int = WORST_KEPT) -> list[Case]:
    cases = [c for mf in months for cid, rows in mf.worst.get(key, {}).items() if _in_scope(cid, customers)
             for c in rows]
    return sorted(cases, key=lambda c: (c.elapsed, c.order_id or 0), reverse=True)[:limit]


ORDER_TYPES = ("customer", "work", "pickup", "fault")


def volume_table(months: list[MonthFigures], customers=None) -> dict[str, list[int]]:
    """order type -> orders per month."""
    out = {t: [] for t in ORDER_TYPES}
    for mf in months:
        sums = defaultdict(int)
        for (otype, cid), n in mf.volumes.items():
            if _in_scope(cid, customers):
                sums[otype] += n
        for t in ORDER_TYPES:
            out[t].append(sums[t])
    return out


def volume_by_customer(months: list[MonthFigures], customers=None) -> dict[int, dict[str, int]]:
    """customer id -> order type -> orders over the range."""
    out: dict = defaultdict(lambda: dict.fromkeys(ORDER_TYPES, 0))
    for mf in months:
        for (otype, cid), n in mf.volumes.items():
            if _in_scope(cid, customers):
                out[cid][otype] += n
    return dict(out)


def volume_by_iso(months: list[MonthFigures], customers=None) -> dict[str, dict[str, int]]:
    """ISO class (level 1 code) -> order type -> orders over the range."""
    out: dict = defaultdict(lambda: dict.fromkeys(ORDER_TYPES, 0))
    for mf in months:
        for (otype, code, cid), n in mf.iso.items():
            if _in_scope(cid, customers):
                out[code][otype] += n
    return dict(out)


@dataclass
class Reuse:
    refurbished: int
    new: int

    @property
    def total(self) -> int:
        return self.refurbished + self.new

    @property
    def percent(self) -> float | None:
        return round(100.0 * self.refurbished / self.total, 1) if self.total else None


def reuse_by_month(months: list[MonthFigures], customers=None) -> list[Reuse]:
    out = []
    for mf in months:
        r = Reuse(0, 0)
        for (_code, cid), (ref, new) in mf.reuse.items():
            if _in_scope(cid, customers):
                r.refurbished += ref
                r.new += new
        out.append(r)
    return out


def reuse_by_class(months: list[MonthFigures], customers=None) -> dict[str, Reuse]:
    out: dict = {}
    for mf in months:
        for (code, cid), (ref, new) in mf.reuse.items():
            if _in_scope(cid, customers):
                r = out.setdefault(code, Reuse(0, 0))
                r.refurbished += ref
                r.new += new
    return dict(sorted(out.items()))


def factor_for(code: str, factors: dict[str, Decimal]) -> Decimal | None:
    """The factor of the longest ISO prefix (digits only: "1222", "12") that `code` starts with."""
    for n in range(len(code), 1, -1):
        if code[:n] in factors:
            return factors[code[:n]]
    return None


@dataclass
class Co2Row:
    code: str
    devices: int  # refurbished devices delivered: new ones not bought
    factor: Decimal | None  # kg CO2e per device
    kg: Decimal | None


def co2_estimate(by_class: dict[str, Reuse], factors: dict[str, Decimal]) -> tuple[list[Co2Row], Decimal, int]:
    """Per class: devices not bought (= deliveries from refurbished stock) × the class's factor.
    Returns (rows, total kg CO2e of the classes with a factor, devices without a factor)."""
    rows, total, unfactored = [], Decimal(0), 0
    for code, r in by_class.items():
        if not r.refurbished:
            continue
        f = factor_for(code, factors)
        kg = (f * r.refurbished).quantize(Decimal("0.1")) if f is not None else None
        rows.append(Co2Row(code, r.refurbished, f, kg))
        if kg is None:
            unfactored += r.refurbished
        else:
            total += kg
    return rows, total, unfactored


# ------------------------------------------------------------------------------ the projection's form
# `MonthFigures` as JSON for `operations.models.StatisticsMonth.figures`: lists of entries (the
# dictionaries' keys are tuples and integers), times as ISO 8601. `from_json(to_json(m)) == m`.


def _iso_time(value: dt.datetime | None):
    return None if value is None else value.isoformat()


def _time(value):
    return None if value is None else dt.datetime.fromisoformat(value)


def _by_customer(per: dict) -> list:
    return sorted(per.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))


def to_json(mf: MonthFigures) -> dict:
    """Measure keys stay JSON object keys (a measure with nothing measured keeps its empty entry)."""
    return {
        "sla": {key: [[cid, *counts] for cid, counts in _by_customer(per)] for key, per in sorted(mf.sla.items())},
        "worst": {key: [[cid, [[c.elapsed, c.order_id, c.number, c.customer_id, _iso_time(c.start), _iso_time(c.end),
                                 c.fallback] for c in cases]] for cid, cases in _by_customer(per)]
                  for key, per in sorted(mf.worst.items())},
        "volumes": sorted([[otype, cid, n] for (otype, cid), n in mf.volumes.items()], key=repr),
        "iso": sorted([[otype, code, cid, n] for (otype, code, cid), n in mf.iso.items()], key=repr),
        "reuse": sorted([[code, cid, *counts] for (code, cid), counts in mf.reuse.items()], key=repr),
    }


def from_json(month: dt.date, data: dict) -> MonthFigures:
    mf = MonthFigures(month)
    mf.sla = {key: {cid: [measured, met] for cid, measured, met in rows} for key, rows in data.get("sla", {}).items()}
    mf.worst = {key: {cid: [Case(e, oid, number, c, _time(s), _time(t), bool(fb)) for e, oid, number, c, s, t, fb in cases]
                      for cid, cases in rows} for key, rows in data.get("worst", {}).items()}
    mf.volumes = {(otype, cid): n for otype, cid, n in data.get("volumes", ())}
    mf.iso = {(otype, code, cid): n for otype, code, cid, n in data.get("iso", ())}
    mf.reuse = {(code, cid): [refurbished, new] for code, cid, refurbished, new in data.get("reuse", ())}
    return mf
