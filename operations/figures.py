"""Service-level figures of the operations workflows (issue 16, DESIGN.md §8), as selectors for
the statistics pages (`operations.statistics`) to show. Reads only.

- `access_request_figures`: share of access requests *decided* (registered) within
  `LYFTA_ACCESS_REQUEST_SLA_DAYS` (7) calendar days, per month the request was filed. Target 100 %.
- `support_answer_figures`: share of support cases first answered by support staff within
  `LYFTA_SUPPORT_ANSWER_BUSINESS_HOURS` (24) business hours, per month the case was opened.
  Business hours are `LYFTA_SUPPORT_BUSINESS_HOURS` ("08:00-17:00", local time) on Swedish
  weekdays: Monday–Friday minus the public holidays of the `holidays` package
  (`core.calendar.is_weekday`). Target 90 %.

Both count from the workflow's own timestamps (`AccessRequest.created_at/decided_at`,
`SupportCase.opened_at/first_answered_at`), months in local time (Europe/Stockholm). A row's
`total` holds the items whose outcome is known: decided/answered ones, and undecided/unanswered
ones already past the deadline (they count as missed); items still inside their deadline are
`pending` and left out of the share. A support case closed without any answer from support (the
user solved it) is `closed_unanswered` and left out too. `worst` lists the five longest waits."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from core.calendar import is_weekday

from .models import AccessRequest, SupportCase

ACCESS_REQUEST_TARGET = 1.0
SUPPORT_TARGET = 0.9
WORST = 5


@dataclass(frozen=True)
class Waited:
    """One item of a month and how long it waited (days for access requests, business hours for
    support cases); `done` False when it still waits."""

    pk: int
    label: str
    waited: float
    done: bool


@dataclass
class MonthShare:
    month: dt.date  # the first day of the month
    total: int = 0  # outcome known: met + missed
    met: int = 0
    pending: int = 0  # not yet due
    closed_unanswered: int = 0  # support only: closed before any answer
    worst: list[Waited] = field(default_factory=list)

    @property
    def missed(self) -> int:
        return self.total - self.met

    @property
    def share(self) -> float | None:
        """met / total, None for a month with nothing to measure."""
        return self.met / self.total if self.total else None


# --------------------------------------------------------------------------- months


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def months(start: dt.date, end: dt.date) -> list[dt.date]:
    """First days of the months from `start`'s to `end`'s, both included."""
    out, month = [], _month(start)
    while month <= _month(end):
        out.append(month)
        month = _next_month(month)
    return out


def _range(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    lo = dt.datetime.combine(_month(start), dt.time(0), tzinfo=tz)
    hi = dt.datetime.combine(_next_month(_month(end)), dt.time(0), tzinfo=tz)
    return lo, hi


def _local_month(at: dt.datetime) -> dt.date:
    return _month(timezone.localtime(at).date())


def _finish(rows: dict[dt.date, MonthShare], waits: dict[dt.date, list[Waited]]) -> list[MonthShare]:
    for month, row in rows.items():
        row.worst = sorted(waits[month], key=lambda w: -w.waited)[:WORST]
    return list(rows.values())


# --------------------------------------------------------------------------- access requests


def access_request_sla_days() -> int:
    return int(getattr(settings, "LYFTA_ACCESS_REQUEST_SLA_DAYS", 7))


def access_request_figures(start: dt.date, end: dt.date, *, customer_id: int | None = None,
                           now: dt.datetime | None = None) -> list[MonthShare]:
    """Per month (`start`'s to `end`'s): access requests filed that month and how many were
    decided (approved or rejected) within the SLA (`decided_at - created_at <= SLA days`).
    `customer_id`: only requests for that customer's units. `waited` is in days."""
    now = now or timezone.now()
    limit = dt.timedelta(days=access_request_sla_days())
    lo, hi = _range(start, end)
    qs = AccessRequest.objects.filter(created_at__gte=lo, created_at__lt=hi)
    if customer_id is not None:
        qs = qs.filter(unit__organisation_id=customer_id)
    rows = {m: MonthShare(m) for m in months(start, end)}
    waits: dict[dt.date, list[Waited]] = {m: [] for m in rows}
    for pk, created, decided, first, last in qs.values_list("pk", "created_at", "decided_at", "first_name",
                                                            "last_name").order_by("created_at", "pk"):
        month = _local_month(created)
        row = rows[month]
        waited = (decided or now) - created
        if decided is None and waited <= limit:
            row.pending += 1
            continue
        row.total += 1
        if decided is not None and waited <= limit:
            row.met += 1
        waits[month].append(Waited(pk, f"{first} {last}".strip(), round(waited.total_seconds() / 86400, 1),
                                   decided is not None))
    return _finish(rows, waits)


# --------------------------------------------------------------------------- support cases


def business_hours() -> tuple[dt.time, dt.time]:
    """(opening, closing) local time from `LYFTA_SUPPORT_BUSINESS_HOURS`, e.g. "08:00-17:00"."""
    text = str(getattr(settings, "LYFTA_SUPPORT_BUSINESS_HOURS", "08:00-17:00"))
    try:
        a, b = (dt.time.fromisoformat(p.strip()) for p in text.split("-"))
    except ValueError as exc:
        raise ValueError(f"LYFTA_SUPPORT_BUSINESS_HOURS must be HH:MM-HH:MM, not {text!r}") from exc
    if a >= b:
        raise ValueError(f"LYFTA_SUPPORT_BUSINESS_HOURS must open before it closes, not {text!r}")
    return a, b


def support_answer_hours() -> float:
    return float(getattr(settings, "LYFTA_SUPPORT_ANSWER_BUSINESS_HOURS", 24))


def business_seconds(start: dt.datetime, end: dt.datetime, *, hours: tuple[dt.time, dt.time] | None = None) -> float:
    """Seconds of business time in [start, end): the opening hours of each Swedish weekday
    (Monday–Friday, not a public holiday), in local time."""
    if end <= start:
        return 0.0
    opening, closing = hours or business_hours()
    tz = timezone.get_current_timezone()
    start, end = timezone.localtime(start, tz), timezone.localtime(end, tz)
    total = 0.0
    day = start.date()
    while day <= end.date():
        if is_weekday(day):
            lo = max(start, dt.datetime.combine(day, opening, tzinfo=tz))
            hi = min(end, dt.datetime.combine(day, closing, tzinfo=tz))
            if hi > lo:
                total += (hi - lo).total_seconds()
        day += dt.timedelta(days=1)
    return total


def support_answer_figures(start: dt.date, end: dt.date, *, customer_id: int | None = None,
                           now: dt.datetime | None = None) -> list[MonthShare]:
    """Per month (`start`'s to `end`'s): support cases opened that month and how many got their
    first answer from support within `support_answer_hours()` business hours. `customer_id`: only
    cases opened by that customer's users. `waited` is in business hours."""
    now = now or timezone.now()
    limit = support_answer_hours() * 3600
    hours = business_hours()
    lo, hi = _range(start, end)
    qs = SupportCase.objects.filter(opened_at__gte=lo, opened_at__lt=hi)
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    rows = {m: MonthShare(m) for m in months(start, end)}
    waits: dict[dt.date, list[Waited]] = {m: [] for m in rows}
    for pk, number, opened, answered, closed in qs.values_list(
            "pk", "number", "opened_at", "first_answered_at", "closed_at").order_by("opened_at", "pk"):
        month = _local_month(opened)
        row = rows[month]
        if answered is None and closed is not None:
            row.closed_unanswered += 1
            continue
        waited = business_seconds(opened, answered or now, hours=hours)
        if answered is None and waited <= limit:
            row.pending += 1
            continue
        row.total += 1
        if answered is not None and waited <= limit:
            row.met += 1
        waits[month].append(Waited(pk, number, round(waited / 3600, 1), answered is not None))
    return _finish(rows, waits)
