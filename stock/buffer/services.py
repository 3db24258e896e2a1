"""Every write of buffer-store data in stock: stores, reorder rules, and the stock moves of a
store (withdrawal to a patient, goods booked in on delivery, stock count). Pages and tasks reach
these through `ordering.flows.buffer` where an order is involved; the supply admin's pages call
the store and rule services directly.

Locks: `buffer_lock` takes every stock row a store operation updates at once — the projection
rows of (store, article) by primary key, then the devices by primary key — and `rules_lock`
the reorder rules by primary key. Callers take them in that order (levels, devices, rules), so
two withdrawals, a delivery into the store and the nightly sweep never wait on each other in a
cycle."""
from __future__ import annotations

import datetime as dt
import re

from django.db import transaction

from access.models import Unit
from audit.services import audit_record
from catalogue.models import Article
from core.errors import Conflict, ValidationFailed, field_error
from core.transactions import entry_point

from .. import services as stock
from ..models import Condition, Device, Location, ReorderRule, StockLevel

S = Device.Status
K = stock.K
MAX_LEVEL = 100_000


# --------------------------------------------------------------------------- stores


def _store_code() -> str:
    numbers = [int(m.group(1)) for c in Location.objects.filter(code__startswith="BUF-").values_list("code", flat=True)
               if (m := re.fullmatch(r"BUF-(\d+)", c))]
    return f"BUF-{(max(numbers) if numbers else 0) + 1:04d}"


@entry_point
def store_create(*, name: str, unit_id, code: str = "", actor=None) -> Location:
    """A buffer store kept at a customer's unit."""
    name = (name or "").strip()
    if not name:
        field_error("name", "Ange förrådets namn.")
    if len(name) > 200:
        field_error("name", "Namnet får vara högst 200 tecken.")
    try:
        unit = Unit.objects.select_related("organisation").get(pk=int(unit_id), is_active=True)
    except (Unit.DoesNotExist, TypeError, ValueError):
        field_error("unit", "Välj kundens enhet.")
    if not unit.organisation.is_customer:
        field_error("unit", "Ett buffertförråd hålls vid en kunds enhet.")
    code = (code or "").strip().upper() or _store_code()
    if len(code) > 30 or not re.fullmatch(r"[A-Z0-9_-]+", code):
        field_error("code", "Koden får bara innehålla A–Z, 0–9, - och _ (högst 30 tecken).")
    return stock.location_create(code=code, name=name, kind=Location.Kind.BUFFER_STORE, unit=unit, actor=actor)


# --------------------------------------------------------------------------- reorder rules


def clean_level(value, field_name: str, label: str) -> int:
    if isinstance(value, bool):
        field_error(field_name, f"{label} måste vara ett heltal.")
    if isinstance(value, float) and value != int(value):
        field_error(field_name, f"{label} måste vara ett heltal.")
    try:
        level = int(str(value).strip()) if not isinstance(value, (int, float)) else int(value)
    except (TypeError, ValueError):
        field_error(field_name, f"{label} måste vara ett heltal.")
    if level < 0:
        field_error(field_name, f"{label} får inte vara negativ.")
    if level > MAX_LEVEL:
        field_error(field_name, f"{label} får vara högst {MAX_LEVEL}.")
    return level


def check_rule(store: Location, article: Article | None, safety, refill, *, prefix: str = "") -> tuple[int, int]:
    """The checks of a rule (shared by the form, the API and the spreadsheet upload)."""
    if store.kind != Location.Kind.BUFFER_STORE or not store.is_active:
        field_error(prefix + "store", "Lagerplatsen är inget aktivt buffertförråd.")
    if article is None:
        field_error(prefix + "article_number", "Artikeln finns inte.")
    if article.kind == Article.Kind.SERVICE:
        field_error(prefix + "article_number", f"Artikeln {article.article_number} är en tjänst och lagerförs inte.")
    safety = clean_level(safety, prefix + "safety_level", "Säkerhetsnivån")
    refill = clean_level(refill, prefix + "refill_level", "Påfyllnadsnivån")
    if refill <= safety:
        field_error(prefix + "refill_level", "Påfyllnadsnivån måste vara högre än säkerhetsnivån.")
    return safety, refill


def _article(article_number) -> Article | None:
    number = (str(article_number or "")).strip()
    if not number or len(number) > 35:
        return None
    return Article.objects.filter(article_number=number).first()


@entry_point
def reorder_rule_set(*, store: Location, article_number: str, safety_level, refill_level, automatic: bool = True,
                     actor=None) -> ReorderRule:
    """Create or change the rule of (store, article)."""
    article = _article(article_number)
    safety, refill = check_rule(store, article, safety_level, refill_level)
    rule = ReorderRule.objects.select_for_update().filter(store=store, article=article).first()
    before = None
    if rule is None:
        rule = ReorderRule.objects.create(store=store, article=article, safety_level=safety, refill_level=refill,
                                          automatic=bool(automatic))
    else:
        before = {"safety": rule.safety_level, "refill": rule.refill_level, "automatic": rule.automatic}
        rule.safety_level, rule.refill_level, rule.automatic = safety, refill, bool(automatic)
        rule.save(update_fields=["safety_level", "refill_level", "automatic", "updated_at"])
    audit_record(actor, "stock.reorder_rule_set", rule, {
        "store": store.code, "article": article.article_number, "before": before,
        "after": {"safety": safety, "refill": refill, "automatic": bool(automatic)}})
    return rule


@entry_point
def reorder_rules_import(*, rows: list[dict], actor=None) -> list[ReorderRule]:
    """Write every checked row of an uploaded rule sheet (`rules_import.parse` checked them all;
    nothing reaches here when any row was wrong). One transaction: all or nothing."""
    written = []
    for row in rows:
        written.append(reorder_rule_set(store=row["store"], article_number=row["article"].article_number,
                                        safety_level=row["safety_level"], refill_level=row["refill_level"],
                                        automatic=row["automatic"], actor=actor))
    audit_record(actor, "stock.reorder_rules_imported", None, {"rows": len(written)}, object_type="stock.reorderrule")
    return written


def rules_lock(*, store_ids, article_ids=None) -> list[ReorderRule]:
    """The reorder rules of these stores (and articles), row-locked in primary-key order for the
    rest of the caller's transaction: whoever decides whether a replenishment order is due holds
    the rule, so two withdrawals crossing the safety level decide one after the other."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("rules_lock must run inside a transaction")
    qs = ReorderRule.objects.select_for_update(of=("self",)).filter(store_id__in=list(store_ids))
    if article_ids is not None:
        qs = qs.filter(article_id__in=list(article_ids))
    return list(qs.select_related("article").order_by("pk"))


# --------------------------------------------------------------------------- stock in and out of a store


def buffer_lock(*, store: Location, articles, device_ids=()) -> dict[int, StockLevel]:
    """Every stock row a store operation will update, locked at once in a fixed order: the
    projection rows of (store, article) by primary key (created first when missing), then the
    devices by primary key. Returns the locked levels by article id. Only this store's rows are
    locked, so withdrawals in different stores never wait for each other."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("buffer_lock must run inside a transaction")
    articles = {a.pk: a for a in articles}
    ids = sorted(articles)
    levels = list(StockLevel.objects.select_for_update().filter(location=store, article_id__in=ids).order_by("pk"))
    if len(levels) < len(ids):  # rows missing: create them, then lock them all again in order
        for article_id in set(ids) - {lv.article_id for lv in levels}:
            stock._level(store, articles[article_id])
        levels = list(StockLevel.objects.select_for_update().filter(location=store, article_id__in=ids)
                      .order_by("pk"))
    if device_ids:
        list(Device.objects.select_for_update(of=("self",)).filter(pk__in=sorted(set(device_ids)))
             .order_by("pk").values_list("pk", flat=True))
    return {lv.article_id: lv for lv in levels}


def store_withdraw(*, store: Location, article: Article, quantity: int, device: Device | None, patient, customer,
                   cost_centre, on: dt.date, ref: str, actor=None, level: StockLevel | None = None):
    """Take goods out of a store for a patient (the caller holds `buffer_lock`). A tracked
    article: that device, which must still be in this store; its loan starts `on`. Otherwise
    `quantity` units, which must be on hand in the store. Conflict when a concurrent withdrawal
    took them first."""
    if article.is_tracked:
        device = Device.objects.get(pk=device.pk)
        if device.location_id != store.pk or device.status != S.IN_BUFFER_STORE:
            raise Conflict(f"Individ {device.serial} finns inte längre i förrådet; någon annan har just tagit ut den.",
                           code="device_not_in_store", errors={"serial": ["Finns inte längre i förrådet."]})
        return stock.deliver_to_patient(device=device, patient=patient, customer=customer, cost_centre=cost_centre,
                                        ref=ref, actor=actor, on=on, level=level)
    if level is None:  # the row `buffer_lock` returned (locked), else read under that lock
        level = StockLevel.objects.get(location=store, article=article)
    free = level.on_hand - level.reserved
    if free < quantity:
        raise Conflict(f"Det finns bara {max(free, 0)} {article.unit} av {article.name} i förrådet; någon kan just "
                       "ha tagit ut dem.", code="insufficient_stock",
                       errors={"quantity": [f"Bara {max(free, 0)} {article.unit} kvar i förrådet."]})
    # Issued here on the row `buffer_lock` holds (no second look-up), rather than through
    # `stock.issue`, which also locks the article's rows at central stock.
    take_new = min(quantity, max(level.on_hand_new - level.reserved_new, 0))
    if take_new:
        stock._apply(kind=K.ISSUE, article=article, location=store, condition=Condition.NEW, quantity=-take_new,
                     ref=ref, actor=actor, note=f"patient {patient.pk}", level=level)
    if quantity - take_new:
        stock._apply(kind=K.ISSUE, article=article, location=store, condition=Condition.REFURBISHED,
                     quantity=-(quantity - take_new), ref=ref, actor=actor, note=f"patient {patient.pk}", level=level)
    audit_record(actor, "stock.store_withdraw", article, {"store": store.code, "ref": ref, "quantity": quantity,
                                                          "patient_id": patient.pk})
    return quantity


def store_receive(*, store: Location, article: Article, quantity: int, device: Device | None, ref: str,
                  actor=None) -> None:
    """Goods delivered to a store are booked in: a device reserved at central stock for `ref`
    moves into the store (`in_buffer_store`); counted units reserved for `ref` leave central
    stock and are received at the store."""
    if store.kind != Location.Kind.BUFFER_STORE:
        raise ValidationFailed("Leveransen går inte till ett buffertförråd.")
    if device is not None:
        device = stock._lock_device(device)
        if device.status != S.RESERVED or device.location is None:
            raise Conflict(f"Individ {device.serial} är inte reserverad för leveransen.", code="not_reserved")
        stock._apply(kind=K.TRANSFER_OUT, article=device.article, location=device.location, condition=device.condition,
                     quantity=-1, reserved=-1, device=device, ref=ref, actor=actor)
        device.location, device.status, device.reserved_ref = store, S.IN_BUFFER_STORE, ""
        device.available_since = stock.timezone.now()
        stock._apply(kind=K.TRANSFER_IN, article=device.article, location=store, condition=device.condition,
                     quantity=1, device=device, ref=ref, actor=actor)
        device.save(update_fields=["location", "status", "reserved_ref", "available_since", "updated_at"])
        audit_record(actor, "stock.store_receive", device, {"store": store.code, "ref": ref})
        return
    stock.issue(article=article, quantity=quantity, ref=ref, actor=actor)
    stock._apply(kind=K.TRANSFER_IN, article=article, location=store, condition=Condition.NEW, quantity=quantity,
                 ref=ref, actor=actor)
    audit_record(actor, "stock.store_receive", article, {"store": store.code, "ref": ref, "quantity": quantity})


def store_count(*, store: Location, article: Article, counted, reason: str, actor=None) -> int:
    """A stock count of a counted article in a store: an adjustment movement for the difference,
    with the reason (never an overwrite). Returns the delta."""
    reason = (reason or "").strip()
    if not reason:
        field_error("reason", "Ange orsak till justeringen (t.ex. inventering).")
    if len(reason) > 300:
        field_error("reason", "Orsaken får vara högst 300 tecken.")
    if article.is_tracked:
        field_error("article_number", "Individmärkta artiklar inventeras per individ (saknad individ kasseras).")
    counted = clean_level(counted, "counted", "Räknat antal")
    return stock.adjust(location=store, article=article, counted=counted, actor=actor, note=reason,
                        ref=f"inventering {store.code}")

