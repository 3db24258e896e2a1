"""The straightforward reference of the statistics: every figure counted in Python from the
order events' rows, as the first version of `operations.statistics.selectors` did (before the
figures moved into SQL aggregation). Tests only: `test_statistics_sql.py` computes both on
generated data and compares them; the page never calls this."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from operations.statistics import figures as fig
from operations.statistics.selectors import _SUBMITTED, DELIVERY_KINDS, REPAIR_KINDS, _bounds, _parse_at

_CHUNK = 2000


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


def submissions(start: dt.datetime, end: dt.datetime) -> list[tuple]:
    """(month, order type, customer id, order id) per order submission event in [start, end)."""
    from ordering.models import OrderEvent

    rows = (_events().filter(_SUBMITTED, event_type=OrderEvent.Type.TRANSITION, at__gte=start, at__lt=end)
            .values_list("at", "order__order_type", "order__customer_id", "order_id"))
    return [(fig.month_of(at), otype, cid, oid) for at, otype, cid, oid in rows]


def iso_codes(order_ids) -> dict[int, set[str]]:
    """order id -> ISO classes (level 1) of its lines' articles, or of a work order's device."""
    from ordering.models import OrderLine, WorkOrderDetail

    out: dict[int, set[str]] = defaultdict(set)
    for oid, code in OrderLine.objects.filter(order_id__in=order_ids).values_list(
            "order_id", "article__product__iso_class__code"):
        if code:
            out[oid].add(code[:2])
    for oid, code in WorkOrderDetail.objects.filter(order_id__in=order_ids).values_list(
            "order_id", "device__article__product__iso_class__code"):
        if code:
            out[oid].add(code[:2])
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
    """Every month of first..last computed row by row (the reference)."""
    months = {m: fig.MonthFigures(m) for m in fig.months_between(first, last)}
    start, end = _bounds(first, last)

    measured: dict[dt.date, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for key, rows in measured_rows(start, end).items():
        for row in rows:
            measured[fig.month_of(row[4])][key].append(row)
    for month, per_key in measured.items():
        if month in months:
            months[month].sla, months[month].worst = fig.service_levels(month, per_key)

    volumes: dict = defaultdict(set)
    iso: dict = defaultdict(set)
    subs = submissions(start, end)
    codes = iso_codes({oid for *_, oid in subs})
    for month, otype, cid, oid in subs:
        volumes[(month, otype, cid)].add(oid)
        if otype in ("customer", "work"):
            for code in codes.get(oid, ()):
                iso[(month, otype, code, cid)].add(oid)
    for (month, otype, cid), oids in volumes.items():
        if month in months:
            months[month].volumes[(otype, cid)] = len(oids)
    for (month, otype, code, cid), oids in iso.items():
        if month in months:
            months[month].iso[(otype, code, cid)] = len(oids)

    per_month = defaultdict(list)
    for month, code, cid, condition in reuse_rows(start, end):
        per_month[month].append((code, cid, condition))
    for month, rows in per_month.items():
        if month in months:
            months[month].reuse = fig.reuse_counts(rows)
    return months
