"""Buffer stores on the API (docs/buffer-stores.md): stores, stock on hand, reorder rules,
withdrawals and manual buffer orders. A customer sees only its own stores (404 otherwise); the
supply centre sees all and sets the rules. POSTs honour `Idempotency-Key`; bad input is a
problem document (422), never a 500."""
from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from access.decorators import api_perm
from access.roles import Perm
from core.errors import NotFound, PermissionDenied
from core.idempotency import idempotent
from stock.buffer import selectors as store_selectors
from stock.buffer import services as buffer_stock

from ..flows import buffer
from .core import OrdererIn
from .customer import OrderOut, order_out

router = Router(tags=["buffer stores"])


class StoreOut(Schema):
    id: int
    code: str
    name: str
    unit_id: int
    unit_name: str
    customer_id: int
    is_active: bool


class StockLineOut(Schema):
    article_number: str
    article_name: str
    tracked: bool
    on_hand: int
    reserved: int
    serials: list[str] = []


class StoreStockOut(StoreOut):
    stock: list[StockLineOut]


class RuleOut(Schema):
    id: int
    article_number: str
    article_name: str
    safety_level: int
    refill_level: int
    automatic: bool
    on_hand: int
    on_order: int
    below_safety: bool


class RuleIn(Schema):
    article_number: str = Field(..., min_length=1, max_length=35)
    safety_level: int = Field(..., description="0 or more")
    refill_level: int = Field(..., description="Higher than safety_level")
    automatic: bool = True


class WithdrawalIn(OrdererIn):
    article_number: str = Field(..., min_length=1, max_length=35)
    patient_id: int
    quantity: int = Field(1, description="Tracked articles: 1 (one device per withdrawal)")
    serial: str = Field("", max_length=60, description="The device's serial (tracked articles): a device in the store")
    withdrawn_at: dt.datetime | None = Field(None, description="When the goods left the store: at most 24 h back, "
                                                               "never in the future (default: now)")
    note: str = Field("", max_length=2000)


class BufferLineIn(Schema):
    article_number: str = Field(..., min_length=1, max_length=35)
    quantity: int = 1


class BufferOrderIn(OrdererIn):
    lines: list[BufferLineIn] = Field(..., max_length=buffer.MAX_LINES)
    requested_date: dt.date | None = None
    note: str = Field("", max_length=2000)
    submit: bool = Field(False, description="Submit at once (otherwise a draft)")


def _store_out(s) -> dict:
    return {"id": s.pk, "code": s.code, "name": s.name, "unit_id": s.unit_id, "unit_name": s.unit.name,
            "customer_id": s.unit.organisation_id, "is_active": s.is_active}


def _store(principal, store_id):
    store = store_selectors.store_get(principal, store_id)
    if store is None:
        raise NotFound(_("Förrådet finns inte."))
    return store


@router.get("/buffer-stores", response=list[StoreOut], summary="Buffer stores the caller sees",
            operation_id="buffer_store_list")
@api_perm(Perm.ORDER_VIEW)
def store_list(request):
    return [_store_out(s) for s in store_selectors.stores_visible(request.auth).order_by("name")[:1000]]


@router.get("/buffer-stores/{store_id}", response=StoreStockOut, summary="One buffer store with its stock on "
            "hand (counted articles, and tracked devices with serial)", operation_id="buffer_store_get")
@api_perm(Perm.ORDER_VIEW)
def store_get(request, store_id: int):
    store = _store(request.auth, store_id)
    serials: dict[int, list[str]] = {}
    for d in store_selectors.store_devices(store):
        serials.setdefault(d.article_id, []).append(d.serial)
    out = _store_out(store)
    out["stock"] = [{"article_number": lv.article.article_number, "article_name": lv.article.name,
                     "tracked": lv.article.is_tracked, "on_hand": lv.on_hand, "reserved": lv.reserved,
                     "serials": serials.get(lv.article_id, [])} for lv in store_selectors.store_levels(store)]
    return out


def _rules_out(store) -> list[dict]:
    rules = store_selectors.store_rules(store)
    held = store_selectors.on_hand(store, [r.article_id for r in rules])
    ordered = buffer.on_order(store.pk, [r.article_id for r in rules])
    return [{"id": r.pk, "article_number": r.article.article_number, "article_name": r.article.name,
             "safety_level": r.safety_level, "refill_level": r.refill_level, "automatic": r.automatic,
             "on_hand": held.get(r.article_id, 0), "on_order": ordered.get(r.article_id, 0),
             "below_safety": held.get(r.article_id, 0) < r.safety_level} for r in rules]


@router.get("/buffer-stores/{store_id}/rules", response=list[RuleOut], summary="The store's reorder rules with "
            "on hand and on order", operation_id="buffer_rule_list")
@api_perm(Perm.ORDER_VIEW)
def rule_list(request, store_id: int):
    return _rules_out(_store(request.auth, store_id))


@router.post("/buffer-stores/{store_id}/rules", response={200: list[RuleOut]}, summary="Set (create or change) "
             "the reorder rule of one article (supply centre)", operation_id="buffer_rule_set")
@api_perm(Perm.STOCK_MANAGE)
def rule_set(request, store_id: int, payload: RuleIn):
    principal = request.auth

    def work():
        if not principal.is_supply:
            raise PermissionDenied(_("Endast Hjälpmedelscentralen sätter beställningspunkter."))
        store = _store(principal, store_id)
        buffer_stock.reorder_rule_set(store=store, article_number=payload.article_number,
                                      safety_level=payload.safety_level, refill_level=payload.refill_level,
                                      automatic=payload.automatic, actor=principal)
        return 200, _rules_out(store)

    return idempotent(request, work)


@router.post("/buffer-stores/{store_id}/withdrawals", response={201: OrderOut, 200: OrderOut},
             summary="Withdraw an article from the store for a patient (a withdrawal order, born delivered; the "
             "replenishment check runs)", operation_id="buffer_withdrawal_create")
@api_perm(Perm.STORE_KEEP)
def withdrawal_create(request, store_id: int, payload: WithdrawalIn):
    principal = request.auth

    def work():
        order = buffer.withdrawal_create(principal, buffer.WithdrawalInput(
            store_id=store_id, article_number=payload.article_number, patient_id=payload.patient_id,
            quantity=payload.quantity, serial=payload.serial, withdrawn_at=payload.withdrawn_at, note=payload.note,
            orderer_hsa_id=payload.orderer_hsa_id, orderer_username=payload.orderer_username))
        return 201, order_out(order)

    return idempotent(request, work)


@router.post("/buffer-stores/{store_id}/orders", response={201: OrderOut, 200: OrderOut},
             summary="A manual buffer order to the store (draft, or submitted with submit=true)",
             operation_id="buffer_order_create")
@api_perm(Perm.STORE_KEEP)
def buffer_order_create(request, store_id: int, payload: BufferOrderIn):
    principal = request.auth

    def work():
        order = buffer.buffer_order_create(principal, buffer.BufferOrderInput(
            store_id=store_id, lines=[buffer.BufferLineInput(ln.article_number, ln.quantity) for ln in payload.lines],
            requested_date=payload.requested_date, note=payload.note, submit=payload.submit,
            orderer_hsa_id=payload.orderer_hsa_id, orderer_username=payload.orderer_username))
        return 201, order_out(order)

    return idempotent(request, work)


@router.post("/buffer-orders/{order_id}/submit", response=OrderOut, summary="Submit a manual buffer order "
             "(idempotent)", operation_id="buffer_order_submit")
@api_perm(Perm.STORE_KEEP)
def buffer_order_submit(request, order_id: int):
    principal = request.auth

    def work():
        return 200, order_out(buffer.buffer_order_submit(principal, order_id))

    return idempotent(request, work)
