"""Spare parts for a device on loan over the API (komponentbeställning, issue 17,
docs/prescribing.md "Spare parts"): look a device up by its serial number with the parts that fit
it and their stock, and order parts for it. Permission `ordering.spare_parts` (the supply
centre's technicians, a customer's own technicians); a customer's technician sees only devices
lent by their own customer (others: 404, the same answer as an unknown serial). The same
services as the phone page; the POST honours `Idempotency-Key`."""
from __future__ import annotations

import datetime as dt

from ninja import Field, Router, Schema

from access.decorators import api_perm
from access.roles import Perm
from core.idempotency import idempotent

from ..flows import spare_parts as parts_flow
from ..flows.core import NOTE_MAX
from .customer import OrderOut, load_order_out
from .enums import OrderStatusValue

router = Router(tags=["spare parts"])


class PartStockOut(Schema):
    location: str
    location_kind: str
    available: int


class PartOut(Schema):
    article_number: str
    name: str
    available: int = Field(..., description="Available at the central stores (less: the line is back-ordered)")
    lead_time_days: int | None
    stock: list[PartStockOut] = Field(..., description="Available per location holding the part")


class PartOrderSummaryOut(Schema):
    id: int
    number: str
    status: OrderStatusValue
    created_at: dt.datetime
    planned_date: dt.date | None


class DevicePartsOut(Schema):
    serial: str
    article_number: str
    article_name: str
    customer_id: int
    loan_id: int
    parts: list[PartOut]
    orders: list[PartOrderSummaryOut] = Field(..., description="The device's latest spare-part orders")


@router.get("/spare-parts/devices/{serial}", response=DevicePartsOut, operation_id="spare_parts_device",
            summary="A device on loan by its serial number, with the spare parts that fit it and their stock")
@api_perm(Perm.SPARE_PARTS_ORDER)
def spare_parts_device(request, serial: str):
    device, loan = parts_flow.device_on_loan(request.auth, serial)
    parts = parts_flow.parts_for(device)
    return {"serial": device.serial, "article_number": device.article.article_number,
            "article_name": device.article.name, "customer_id": loan.customer_id, "loan_id": loan.pk,
            "parts": [{"article_number": p.article_number, "name": p.name, "available": max(p.available, 0),
                       "lead_time_days": p.lead_time_days,
                       "stock": [{"location": lv.location.name, "location_kind": lv.location.kind,
                                  "available": max(lv.available, 0)} for lv in p.levels]} for p in parts],
            "orders": [{"id": o.pk, "number": o.number, "status": o.status, "created_at": o.created_at,
                        "planned_date": o.planned_date}
                       for o in parts_flow.part_orders_for_device(device, limit=10)]}


class PartLineIn(Schema):
    article_number: str = Field(..., min_length=1, max_length=35)
    quantity: int = Field(1, description="1–999")


class SparePartOrderIn(Schema):
    device_serial: str = Field(..., min_length=1, max_length=60)
    lines: list[PartLineIn] = Field(..., min_length=1, max_length=parts_flow.MAX_PART_LINES)
    note: str = Field("", max_length=NOTE_MAX)


@router.post("/spare-part-orders", response={201: OrderOut, 200: OrderOut}, operation_id="spare_part_order_create",
             summary="Order spare parts for a device on loan (a customer order of kind spare_parts, born submitted; "
                     "parts short in stock are back-ordered)")
@api_perm(Perm.SPARE_PARTS_ORDER)
def spare_part_order_create(request, payload: SparePartOrderIn):
    principal = request.auth

    def work():
        order = parts_flow.spare_parts_order(
            principal, payload.device_serial,
            [parts_flow.PartLineInput(ln.article_number, ln.quantity) for ln in payload.lines], note=payload.note)
        return 201, load_order_out(principal, order.pk)

    return idempotent(request, work)
