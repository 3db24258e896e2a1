"""Supply-side API for refurbishment (receive, refurbished, scrap) and the reuse rate."""

import datetime as dt

from ninja import Field, Router, Schema

from access.decorators import api_perm
from access.roles import Perm
from core.idempotency import idempotent

from .. import dashboard, refurbishment

router = Router(tags=["supply service"])


class RefurbishmentDeviceOut(Schema):
    serial: str
    status: str
    condition: str
    location: str | None


def _device_out(d) -> dict:
    return {"serial": d.serial, "status": d.status, "condition": d.condition,
            "location": d.location.code if d.location_id else None}


def _device_run(request, fn):
    def work():
        return 200, _device_out(fn())

    return idempotent(request, work)


class ScrapIn(Schema):
    reason: str = Field(..., min_length=1, max_length=300)


@router.post("/supply/refurbishment/{serial}/receive", response=RefurbishmentDeviceOut, operation_id="refurbishment_receive",
             summary="A returned device arrived: awaiting refurbishment")
@api_perm(Perm.STOCK_MANAGE)
def refurb_receive(request, serial: str):
    return _device_run(request, lambda: refurbishment.device_receive(request.auth, serial))


@router.post("/supply/refurbishment/{serial}/refurbished", response=RefurbishmentDeviceOut,
             operation_id="refurbishment_done", summary="Inspected: back in central stock as refurbished")
@api_perm(Perm.STOCK_MANAGE)
def refurb_done(request, serial: str):
    return _device_run(request, lambda: refurbishment.device_refurbished(request.auth, serial))


@router.post("/supply/refurbishment/{serial}/scrap", response=RefurbishmentDeviceOut, operation_id="refurbishment_scrap",
             summary="Inspected: scrapped with a reason")
@api_perm(Perm.STOCK_MANAGE)
def refurb_scrap(request, serial: str, payload: ScrapIn):
    return _device_run(request, lambda: refurbishment.device_scrapped(request.auth, serial, reason=payload.reason))


class ReuseOut(Schema):
    refurbished: int
    new: int
    percent: float | None


@router.get("/supply/reuse-rate", response=ReuseOut, operation_id="reuse_rate",
            summary="Share of tracked deliveries served from refurbished stock")
@api_perm(Perm.ORDER_HANDLE)
def reuse_rate(request, since: dt.date | None = None):
    r = dashboard.reuse_rate(since=since)
    return {"refurbished": r.refurbished, "new": r.new, "percent": r.percent}
