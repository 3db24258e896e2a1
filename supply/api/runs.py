"""Runs over the API: the handler plans (create, add a stop, move, reorder, sort by postcode, remove),
the driver reads today's run and records outcomes (done with the receiver's signature as a PNG
data URL, or nobody home). Thin: one service call per operation, every error a problem document
(the services' `DomainError`s, through `integration.api`). POSTs honour `Idempotency-Key`."""

import datetime as dt

from django.utils import timezone
from ninja import Field, Query, Router, Schema

from access.decorators import api_perm
from access.roles import Perm
from core.idempotency import idempotent

from ..runs import outcomes, selectors, services

router = Router(tags=["supply runs"])


class RunIn(Schema):
    date: dt.date
    driver_id: int
    vehicle: str = Field("", max_length=40)


class StopIn(Schema):
    order_id: int


class MoveIn(Schema):
    direction: str = Field(..., description="up or down")


class ReorderIn(Schema):
    stop_ids: list[int] = Field(..., description="Every stop still to do of the run, each once, in the new order")


class DoneIn(Schema):
    receiver_name: str = Field(..., max_length=120)
    signature: str = Field(..., description="The receiver's signature: a data:image/png;base64,… URL")
    line_ids: list[int] | None = Field(None, description="Delivery: the order lines delivered (default all)")
    collected_serials: list[str] | None = Field(None, description="Pickup: the serials collected (must be all)")


class NobodyHomeIn(Schema):
    note: str = Field("", max_length=500)


class GoodsOut(Schema):
    article_number: str
    name: str
    quantity: int = 1
    serial: str = ""


class StopOut(Schema):
    id: int
    position: int
    kind: str
    order_id: int
    order_number: str
    outcome: str
    receiver_name: str
    recorded_at: dt.datetime | None
    address_lines: list[str]
    address_masked: bool
    phone: str
    instructions: str
    geo_url: str
    maps_url: str
    bring: list[GoodsOut]
    collect: list[GoodsOut]


class RunOut(Schema):
    id: int
    date: dt.date
    driver_id: int
    driver_name: str
    vehicle: str
    status: str
    stops: list[StopOut]


class RunSummaryOut(Schema):
    id: int
    date: dt.date
    driver_id: int
    vehicle: str
    status: str


class RunsQuery(Schema):
    date_from: dt.date | None = None


def _stop_out(v) -> dict:
    s = v.stop
    return {"id": s.pk, "position": s.position, "kind": s.kind, "order_id": v.order.pk, "order_number": v.order.number,
            "outcome": s.outcome, "receiver_name": s.receiver_name, "recorded_at": s.recorded_at,
            "address_lines": v.address_lines, "address_masked": v.masked, "phone": v.phone,
            "instructions": v.instructions, "geo_url": v.geo_url, "maps_url": v.maps_url,
            "bring": [{"article_number": n, "name": name, "quantity": q, "serial": sr} for n, name, q, sr in v.bring],
            "collect": [{"article_number": n, "name": name, "serial": sr} for sr, n, name in v.collect]}


def _run_out(principal, run, view: str) -> dict:
    views = selectors.stop_views(run, principal, view=view)
    return {"id": run.pk, "date": run.date, "driver_id": run.driver_id,
            "driver_name": run.driver.get_full_name() or run.driver.get_username(), "vehicle": run.vehicle,
            "status": run.status, "stops": [_stop_out(v) for v in views]}


def _plan(request, run_id_fn, fn):
    def work():
        result = fn()
        run = selectors.run_get(run_id_fn(result))
        return 200, _run_out(request.auth, run, "api_run_plan")

    return idempotent(request, work)


# --------------------------------------------------------------------------- planning


@router.get("/supply/runs", response=list[RunSummaryOut], summary="Runs from a date (default today)",
            operation_id="supply_run_list")
@api_perm(Perm.ORDER_HANDLE)
def run_list(request, q: Query[RunsQuery]):
    return selectors.runs_from(q.date_from or timezone.localdate())


@router.post("/supply/runs", response=RunOut, summary="Plan a new run (date, driver, vehicle)",
             operation_id="supply_run_create")
@api_perm(Perm.ORDER_HANDLE)
def run_create(request, payload: RunIn):
    return _plan(request, lambda run: run.pk, lambda: services.run_create(
        request.auth, date=payload.date, driver_id=payload.driver_id, vehicle=payload.vehicle))


@router.get("/supply/runs/{run_id}", response=RunOut, summary="One run with its stops",
            operation_id="supply_run_get")
@api_perm(Perm.ORDER_HANDLE)
def run_get(request, run_id: int):
    return _run_out(request.auth, selectors.run_get(run_id), "api_run_plan")


@router.post("/supply/runs/{run_id}/stops", response=RunOut, summary="Add an order as the run's last stop",
             operation_id="supply_run_stop_add")
@api_perm(Perm.ORDER_HANDLE)
def run_stop_add(request, run_id: int, payload: StopIn):
    return _plan(request, lambda stop: stop.run_id, lambda: services.run_stop_add(
        request.auth, run_id, order_id=payload.order_id))


@router.post("/supply/runs/{run_id}/stops/{stop_id}/move", response=RunOut, summary="Move a stop up or down",
             operation_id="supply_run_stop_move")
@api_perm(Perm.ORDER_HANDLE)
def run_stop_move(request, run_id: int, stop_id: int, payload: MoveIn):
    return _plan(request, lambda stop: stop.run_id, lambda: services.run_stop_move(
        request.auth, _stop_of(run_id, stop_id), direction=payload.direction))


@router.post("/supply/runs/{run_id}/stops/{stop_id}/remove", response=RunOut, summary="Take a stop off the run",
             operation_id="supply_run_stop_remove")
@api_perm(Perm.ORDER_HANDLE)
def run_stop_remove(request, run_id: int, stop_id: int):
    return _plan(request, lambda _none: run_id, lambda: services.run_stop_remove(
        request.auth, _stop_of(run_id, stop_id)))


@router.post("/supply/runs/{run_id}/sort-by-postcode", response=RunOut, summary="Sort the stops by postcode",
             operation_id="supply_run_sort")
@api_perm(Perm.ORDER_HANDLE)
def run_sort(request, run_id: int):
    return _plan(request, lambda _stops: run_id, lambda: services.run_sort_by_postcode(request.auth, run_id))


@router.post("/supply/runs/{run_id}/reorder", response=RunOut, operation_id="supply_run_reorder",
             summary="Put the stops still to do in a new order (every open stop id once; done stops stay first)")
@api_perm(Perm.ORDER_HANDLE)
def run_reorder(request, run_id: int, payload: ReorderIn):
    return _plan(request, lambda _stops: run_id, lambda: services.run_stop_reorder(
        request.auth, run_id, stop_ids=payload.stop_ids))


def _stop_of(run_id: int, stop_id: int) -> int:
    """The stop id when it belongs to the run (else 404, through the selector)."""
    selectors.stop_of_run(run_id, stop_id)
    return stop_id


# --------------------------------------------------------------------------- the driver


@router.get("/supply/my-runs/today", response=list[RunOut], summary="The driver's runs of today",
            operation_id="driver_runs_today")
@api_perm(Perm.DRIVER_RUNS)
def my_runs_today(request):
    principal = request.auth
    if principal.user is None:
        return []
    return [_run_out(principal, run, "api_driver_run") for run in selectors.driver_runs(principal.user)]


def _door(request, fn):
    def work():
        stop = fn()
        run = selectors.run_get(stop.run_id)
        views = selectors.stop_views(run, request.auth, view="api_driver_stop", stops=[stop])
        return 200, _stop_out(views[0])

    return idempotent(request, work)


@router.post("/supply/run-stops/{stop_id}/done", response=StopOut, operation_id="driver_stop_done",
             summary="Delivered / picked up / visited, with the receiver's name and signature (PNG data URL)")
@api_perm(Perm.DRIVER_RUNS)
def stop_done(request, stop_id: int, payload: DoneIn):
    return _door(request, lambda: outcomes.run_stop_complete(
        request.auth, stop_id, receiver_name=payload.receiver_name, signature=payload.signature,
        line_ids=payload.line_ids, collected_serials=payload.collected_serials))


@router.post("/supply/run-stops/{stop_id}/nobody-home", response=StopOut, operation_id="driver_stop_nobody_home",
             summary="Nobody home: a delivery is cancelled as failed (the fee applies once)")
@api_perm(Perm.DRIVER_RUNS)
def stop_nobody_home(request, stop_id: int, payload: NobodyHomeIn = None):
    return _door(request, lambda: outcomes.run_stop_nobody_home(request.auth, stop_id,
                                                                note=payload.note if payload else ""))
