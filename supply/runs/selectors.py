"""Reads for runs: the runs of a day, one run with its stops as the reader may see them, the
orders that can still be put on a run, and the load list. Every read that shows patient data
writes one patient-access row per patient shown (`patient_access_record_many`).

A protected address (skyddad adress) is shown only to the run's own driver; everyone else,
the planners included, sees it masked."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import quote

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.services import patient_access_record_many
from core.errors import NotFound
from ordering.models import Order, OrderLine, OrderStatus, OrderType, PickupLine

from .models import Run, RunStatus, RunStop, StopKind
from .services import COLLECTABLE, DELIVERABLE, HOME_WORK_KINDS, NOT_DRIVEN, VISITABLE

S = OrderStatus
MASKED = gettext_lazy("Skyddad adress")
CANDIDATE_LIMIT = 100


@dataclass
class StopView:
    stop: RunStop
    order: Order
    masked: bool
    address_lines: list[str]
    postcode: str
    phone: str
    instructions: str
    geo_url: str = ""
    maps_url: str = ""
    tel_url: str = ""
    bring: list = field(default_factory=list)   # (article number, name, quantity, serial)
    bring_lines: list = field(default_factory=list)  # the same with the order line's id last
    collect: list = field(default_factory=list)  # (serial, article number, name)


def runs_from(day: dt.date, *, limit: int = 100) -> list[Run]:
    return list(Run.objects.filter(date__gte=day).select_related("driver")
                .annotate(n_stops=Count("stops"), n_done=Count("stops", filter=~Q(stops__outcome="")))
                .order_by("date", "id")[:limit])


def run_get(run_id) -> Run:
    try:
        return Run.objects.select_related("driver").get(pk=int(run_id))
    except (TypeError, ValueError, Run.DoesNotExist):
        raise NotFound(_("Körningen finns inte.")) from None


def driver_runs(user, day: dt.date | None = None) -> list[Run]:
    """The user's runs of the day (today by default), not yet done first."""
    day = day or timezone.localdate()
    return list(Run.objects.filter(driver=user, date=day).select_related("driver")
                .annotate(n_stops=Count("stops"), n_done=Count("stops", filter=~Q(stops__outcome="")))
                .order_by("status", "id"))


def run_for_driver(principal, run_id) -> Run:
    """A run of the principal's own (404 for anyone else's)."""
    run = run_get(run_id)
    if principal.user is None or run.driver_id != principal.user.pk:
        raise NotFound(_("Körningen finns inte."))
    return run


def stop_for_driver(principal, stop_id) -> RunStop:
    try:
        stop = RunStop.objects.select_related("run", "order").get(pk=int(stop_id))
    except (TypeError, ValueError, RunStop.DoesNotExist):
        raise NotFound(_("Stoppet finns inte.")) from None
    if principal.user is None or stop.run.driver_id != principal.user.pk:
        raise NotFound(_("Stoppet finns inte."))
    return stop


def _maps(lines: list[str]) -> tuple[str, str]:
    q = quote(", ".join(lines))
    return f"geo:0,0?q={q}", f"https://www.google.com/maps/search/?api=1&query={q}"


def _tel(phone: str) -> str:
    digits = "".join(ch for ch in phone if ch.isdigit() or ch == "+")
    return f"tel:{digits}" if digits else ""


def stop_views(run: Run, principal, *, view: str, stops=None) -> list[StopView]:
    """The run's stops as `principal` may see them, with what to bring and collect; one
    patient-access row per patient shown, for `view`."""
    stops = list(stops if stops is not None else run.stops.order_by("position", "id"))
    orders = {o.pk: o for o in Order.objects.filter(pk__in=[s.order_id for s in stops])
              .select_related("patient", "delivery_point", "work_detail__device__article")}
    lines: dict[int, list] = {}
    for ln in (OrderLine.objects.filter(order_id__in=orders).select_related("article", "device")
               .order_by("order_id", "line_no")):
        lines.setdefault(ln.order_id, []).append(ln)
    picks: dict[int, list] = {}
    for pl in PickupLine.objects.filter(order_id__in=orders).select_related("device__article").order_by("id"):
        picks.setdefault(pl.order_id, []).append(pl)
    own = principal.user is not None and principal.user.pk == run.driver_id
    views = []
    for stop in stops:
        order = orders[stop.order_id]
        stop.order = order
        patient = order.patient
        masked = order.delivery_protected and not own
        if masked:
            address = [str(MASKED)]
        else:
            address = [x for x in ([order.delivery_point.name] if order.delivery_point_id else [])
                       + [order.delivery_street, f"{order.delivery_postal_code} {order.delivery_city}".strip()] if x]
        phone = order.contact_phone or (patient.phone if patient is not None else "")
        if masked:
            phone = ""
        instructions = [x for x in ((patient.delivery_instructions if patient is not None else ""), order.note) if x]
        v = StopView(stop=stop, order=order, masked=masked, address_lines=address,
                     postcode="" if masked else order.delivery_postal_code, phone=phone,
                     instructions="" if masked and not own else " · ".join(instructions), tel_url=_tel(phone))
        if not masked and address:
            v.geo_url, v.maps_url = _maps(address)
        if stop.kind == StopKind.DELIVERY:
            v.bring_lines = [(ln.article.article_number, ln.article.name, ln.remaining_quantity,
                              ln.device.serial if ln.device_id else "", ln.pk) for ln in lines.get(order.pk, [])
                             if ln.remaining_quantity > 0]
            v.bring = [row[:4] for row in v.bring_lines]
        elif stop.kind == StopKind.PICKUP:
            # a stop still to do collects what is left (a partial pickup collected the rest before)
            v.collect = [(pl.device.serial, pl.device.article.article_number, pl.device.article.name)
                         for pl in picks.get(order.pk, []) if stop.is_done or not pl.outcome]
        views.append(v)
    patient_ids = sorted({o.patient_id for o in orders.values() if o.patient_id})
    if patient_ids:
        patient_access_record_many(principal, patient_ids, view)
    return views


def load_list(views: list[StopView]) -> dict:
    """What to bring (delivery lines, per article) and what to collect (devices), in stop order."""
    bring, collect = [], []
    for v in views:
        if v.stop.is_done:
            continue
        for number, name, qty, serial in v.bring:
            bring.append({"position": v.stop.position, "order": v.order.number, "article_number": number,
                          "name": name, "quantity": qty, "serial": serial})
        for serial, number, name in v.collect:
            collect.append({"position": v.stop.position, "order": v.order.number, "article_number": number,
                            "name": name, "serial": serial})
    return {"bring": bring, "collect": collect}


def _pending_order_ids():
    return RunStop.objects.filter(outcome="").values("order_id")


def candidates(run: Run) -> dict[str, list[Order]]:
    """Orders that can still be put on this run, by stop kind (no patient data: number, date,
    postcode and city; protected addresses masked)."""
    base = Order.objects.exclude(pk__in=_pending_order_ids()).order_by("planned_date", "id")
    deliveries = list(base.filter(order_type=OrderType.CUSTOMER, status__in=DELIVERABLE)
                      .exclude(kind__in=NOT_DRIVEN)[:CANDIDATE_LIMIT])
    pickups = list(base.filter(order_type=OrderType.PICKUP, status__in=COLLECTABLE)[:CANDIDATE_LIMIT])
    visits = list(base.filter(order_type=OrderType.WORK, status__in=VISITABLE, kind__in=HOME_WORK_KINDS,
                              work_detail__technician_id=run.driver_id)[:CANDIDATE_LIMIT])
    return {StopKind.DELIVERY: deliveries, StopKind.PICKUP: pickups, StopKind.VISIT: visits}


def candidate_label(order: Order) -> str:
    where = _("skyddad adress") if order.delivery_protected else \
        f"{order.delivery_postal_code} {order.delivery_city}".strip() or "–"
    day = order.planned_date.isoformat() if order.planned_date else "–"
    return f"{order.number} · {day} · {where}"


def open_runs_count(user) -> int:
    return Run.objects.filter(driver=user, date=timezone.localdate()).exclude(status=RunStatus.DONE).count()


def stop_of_run(run_id, stop_id) -> RunStop:
    stop = RunStop.objects.filter(pk=stop_id, run_id=run_id).first()
    if stop is None:
        raise NotFound(_("Stoppet finns inte."))
    return stop
