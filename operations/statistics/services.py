"""Writes of the statistics: the climate factors of the reuse estimate (supply admin) and the
per-month projection of the figures (`StatisticsMonth`)."""
from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from access.roles import Perm
from audit.services import audit_record
from core.errors import NotFound, field_error
from core.transactions import entry_point

from ..models import Co2Factor, StatisticsMonth
from . import figures as fig

_PREFIX = re.compile(r"^\d{2}(\d{2})?$")
MAX_KG = Decimal("100000")


def clean_prefix(value) -> str:
    """"12 22" / "1222" / "12" -> the stored form with a space between levels ("12 22", "12")."""
    digits = re.sub(r"\s+", "", str(value or ""))
    if not _PREFIX.match(digits):
        field_error("iso_prefix", _("Ange ISO-klassen med två eller fyra siffror, t.ex. 12 22."))
    return " ".join(digits[i:i + 2] for i in range(0, len(digits), 2))


def clean_kg(value) -> Decimal:
    try:
        kg = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        field_error("kg_co2e", _("Ange ett tal, t.ex. 85,5."))
    if not kg.is_finite() or kg < 0 or kg > MAX_KG:
        field_error("kg_co2e", _("Ange ett värde mellan 0 och %(max_kg)s kg CO2e.") % {"max_kg": MAX_KG})
    return kg


@entry_point
def co2_factor_set(*, actor, iso_prefix, kg_co2e) -> Co2Factor:
    """Create or change the factor of an ISO class (audited)."""
    actor.require(Perm.CO2_FACTORS_MANAGE)
    prefix, kg = clean_prefix(iso_prefix), clean_kg(kg_co2e)
    row = Co2Factor.objects.select_for_update().filter(iso_prefix=prefix).first()
    old = str(row.kg_co2e) if row else None
    if row is None:
        row = Co2Factor.objects.create(iso_prefix=prefix, kg_co2e=kg)
    else:
        row.kg_co2e = kg
        row.save(update_fields=["kg_co2e", "updated_at"])
    audit_record(actor, "co2_factor.set", row, {"iso_prefix": prefix, "old": old, "new": str(kg)})
    return row


@entry_point
def co2_factor_delete(*, actor, factor_id) -> None:
    actor.require(Perm.CO2_FACTORS_MANAGE)
    row = Co2Factor.objects.select_for_update().filter(pk=factor_id).first()
    if row is None:
        raise NotFound(_("Klimatfaktorn finns inte."))
    audit_record(actor, "co2_factor.deleted", row, {"iso_prefix": row.iso_prefix, "old": str(row.kg_co2e)})
    row.delete()


# ------------------------------------------------------------------------------ the projection
# `StatisticsMonth`: the figures of each month kept beside the events (figures.to_json), derived
# from them and rebuildable. Only these functions write it.

log = logging.getLogger(__name__)
DEBOUNCE_SECONDS = 30  # an event's month is recomputed at most once per this interval (per cache)


def projection_mark_stale(months) -> None:
    """The months' figures are out of date (an event of theirs committed): mark them (a new
    version), creating the row of a month never computed."""
    for month in sorted(set(months)):
        if not StatisticsMonth.objects.filter(month=month).update(stale=True, version=F("version") + 1):
            try:
                with transaction.atomic():
                    StatisticsMonth.objects.create(month=month, stale=True, version=1)
            except IntegrityError:  # created meanwhile
                StatisticsMonth.objects.filter(month=month).update(stale=True, version=F("version") + 1)


def projection_store(computed: dict, versions: dict) -> int:
    """Store computed months (`MonthFigures` by month) whose row still has the version read
    before the computation (`versions[month]`, None: no row then); a month marked again meanwhile
    stays stale. Returns how many were stored."""
    now = timezone.now()
    stored = 0
    for month, mf in computed.items():
        data = fig.to_json(mf)
        version = versions.get(month)
        if version is None:
            try:
                with transaction.atomic():
                    StatisticsMonth.objects.create(month=month, figures=data, stale=False, version=0, computed_at=now)
                stored += 1
            except IntegrityError:
                pass  # marked (or stored) meanwhile: left as it is
        else:
            stored += StatisticsMonth.objects.filter(month=month, version=version).update(
                figures=data, stale=False, computed_at=now)
    return stored


def projection_recompute(months) -> int:
    """Recompute the stale (or missing) ones of `months` from the events and store them."""
    from . import selectors as sel

    months = sorted(set(months))
    if not months:
        return 0
    versions = sel.projection_versions(months)
    todo = [m for m in months if versions.get(m) is None or versions[m][1]]
    if not todo:
        return 0
    computed = sel.compute_months(todo[0], todo[-1])
    return projection_store({m: computed[m] for m in todo},
                            {m: versions[m][0] if m in versions else None for m in todo})


@dataclass(frozen=True)
class ProjectionDiff:
    month: dt.date
    part: str  # sla, worst, volumes, iso, reuse, or "month" (no row)
    key: str
    stored: object
    events: object


def _entries(data: dict) -> dict:
    """(part, key) -> value of a month's JSON: the key is the entry's identifying prefix."""
    out = {}
    for part in ("sla", "worst"):
        for key, rows in (data.get(part) or {}).items():
            out[(part, repr([key]))] = "measured" if rows else "empty"
            out.update({(part, repr([key, row[0]])): row[1:] for row in rows})
    width = {"volumes": 2, "iso": 3, "reuse": 2}
    out.update({(part, repr(row[:n])): row[n:] for part, n in width.items() for row in data.get(part, ())})
    return out


def projection_rebuild(first: dt.date | None = None, last: dt.date | None = None, *, fix: bool = False,
                       chunk: int = 12) -> list[ProjectionDiff]:
    """Recompute the months first..last (default: every month in the projection) from the events
    and report every difference from the stored rows (a stale row is a difference only in its
    figures); with `fix`, store the recomputation (compare and set, as `projection_store`)."""
    from . import selectors as sel

    stored_months = list(StatisticsMonth.objects.order_by("month").values_list("month", flat=True))
    if first is None or last is None:
        if not stored_months:
            return []
        first, last = first or stored_months[0], last or stored_months[-1]
    months = fig.months_between(first, last)
    diffs: list[ProjectionDiff] = []
    for i in range(0, len(months), chunk):
        part = months[i:i + chunk]
        rows = {r.month: r for r in StatisticsMonth.objects.filter(month__in=part)}
        versions = {m: r.version for m, r in rows.items()}
        computed = sel.compute_months(part[0], part[-1])
        for m in part:
            fresh = fig.to_json(computed[m])
            row = rows.get(m)
            if row is None:
                diffs.append(ProjectionDiff(m, "month", "", None, "computed"))
                continue
            old, new = _entries(row.figures or {}), _entries(fresh)
            for key in sorted(set(old) | set(new)):
                if old.get(key) != new.get(key):
                    diffs.append(ProjectionDiff(m, key[0], key[1], old.get(key), new.get(key)))
        if fix:
            projection_store({m: computed[m] for m in part}, {m: versions.get(m) for m in part})
    if diffs:
        log.warning("statistics projection: %d differences from the events", len(diffs))
    return diffs


def _debounce_key(month: dt.date) -> str:
    return f"lyfta:stats:recompute:{month:%Y-%m}"


def projection_events_committed(months) -> None:
    """After an order event of `months` committed (`selectors.on_order_events`): mark them stale
    and have each recomputed in the background, at most once per `DEBOUNCE_SECONDS` per month
    (the first event of an interval enqueues the task, to run at the interval's end; the task
    clears the debounce key before it reads, so a later event enqueues it again)."""
    from django.core.cache import cache

    from ..tasks import recompute_statistics

    months = sorted(set(months))
    projection_mark_stale(months)
    due = [m for m in months if cache.add(_debounce_key(m), 1, DEBOUNCE_SECONDS)]
    if not due:
        return
    task = recompute_statistics
    if task.get_backend().supports_defer:
        task = task.using(run_after=timezone.now() + dt.timedelta(seconds=DEBOUNCE_SECONDS))
    task.enqueue([f"{m:%Y-%m}" for m in due])


def projection_recompute_task(months: list[str]) -> int:
    """The background recompute (`operations.tasks.recompute_statistics`)."""
    from django.core.cache import cache

    parsed = [dt.date(int(m[:4]), int(m[5:7]), 1) for m in months]
    cache.delete_many([_debounce_key(m) for m in parsed])
    stored = 0
    for m in sorted(parsed):  # one month a query round: a month is what changed
        stored += projection_recompute([m])
    return stored


def projection_sweep() -> int:
    """The nightly sweep: every month in the projection rebuilt from the events; differences
    logged and fixed. Returns the number of differences."""
    return len(projection_rebuild(fix=True))
