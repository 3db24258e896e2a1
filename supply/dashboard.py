"""Supply dashboard figures (DESIGN.md §5): the reuse rate — the share of tracked deliveries
served from refurbished stock — plus the service workload."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone


@dataclass
class ReuseRate:
    since: dt.date | None
    refurbished: int
    new: int

    @property
    def total(self) -> int:
        return self.refurbished + self.new

    @property
    def percent(self) -> float | None:
        return round(100.0 * self.refurbished / self.total, 1) if self.total else None


def reuse_rate(*, since: dt.date | None = None) -> ReuseRate:
    """Tracked deliveries = issue movements of devices (out to patients); split by the
    condition the device had when it left stock."""
    from stock.models import StockMovement

    qs = StockMovement.objects.filter(kind=StockMovement.Kind.ISSUE, device__isnull=False)
    if since is not None:
        qs = qs.filter(at__gte=timezone.make_aware(dt.datetime.combine(since, dt.time())))
    rows = dict(qs.values_list("condition").annotate(n=Count("pk")).values_list("condition", "n"))
    return ReuseRate(since, rows.get("refurbished", 0), rows.get("new", 0))


CACHE_SECONDS = 300


def cached_reuse_rate(*, since: dt.date | None = None) -> ReuseRate:
    """The reuse rate counts every tracked delivery since `since` (a scan of the issue movements);
    on the dashboard it is cached for five minutes."""
    from django.core.cache import cache

    key = f"lyfta:reuse_rate:{since or 'all'}"
    value = cache.get(key)
    if value is None:
        value = reuse_rate(since=since)
        cache.set(key, value, CACHE_SECONDS)
    return value


def dashboard() -> dict:
    """The dashboard figures. Scans (reuse rate over all/12 months, open counts, devices in the
    refurbishment flow) are cached for 5 min / 60 s; the month's reuse rate is always fresh."""
    from django.core.cache import cache

    from ordering.models import OrderStatus
    from stock.models import Device

    from .selectors import open_service_counts

    today = timezone.localdate()
    year_ago = today - dt.timedelta(days=365)
    month_start = today.replace(day=1)
    statuses = cache.get("lyfta:refurb_counts")
    if statuses is None:  # a scan of the devices: cached like the reuse figures
        statuses = dict(Device.objects.filter(status__in=(Device.Status.IN_TRANSIT,
                                                          Device.Status.AWAITING_REFURBISHMENT,
                                                          Device.Status.IN_REPAIR))
                        .values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
        cache.set("lyfta:refurb_counts", statuses, 60)
    open_counts = cache.get("lyfta:open_service_counts")
    if open_counts is None:
        open_counts = open_service_counts()
        cache.set("lyfta:open_service_counts", open_counts, 60)
    return {
        "reuse_all": cached_reuse_rate(),
        "reuse_year": cached_reuse_rate(since=year_ago),
        "reuse_month": reuse_rate(since=month_start),
        "open": {t: {str(OrderStatus(k).label): v for k, v in rows.items()}
                 for t, rows in open_counts.items()},
        "in_transit": statuses.get(Device.Status.IN_TRANSIT, 0),
        "awaiting_refurbishment": statuses.get(Device.Status.AWAITING_REFURBISHMENT, 0)
        + statuses.get(Device.Status.IN_REPAIR, 0),
    }
