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
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext

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
        field_error("name", gettext("Ange förrådets namn."))
    if len(name) > 200:
        field_error("name", gettext("Namnet får vara högst 200 tecken."))
    try:
        unit = Unit.objects.select_related("organisation").get(pk=int(unit_id), is_active=True)
    except (Unit.DoesNotExist, TypeError, ValueError):
        field_error("unit", gettext("Välj kundens enhet."))
    if not unit.organisation.is_customer:
        field_error("unit", gettext("Ett buffertförråd hålls vid en kunds enhet."))
    code = (code or "").strip().upper() or _store_code()
    if len(code) > 30 or not re.fullmatch(r"[A-Z0-9_-]+", code):
        field_error("code", gettext("Koden får bara innehålla A–Z, 0–9, - och _ (högst 30 tecken)."))
    return stock.location_create(code=code, name=name, kind=Location.Kind.BUFFER_STORE, unit=unit, actor=actor)


# --------------------------------------------------------------------------- reorder rules


def clean_level(value, field_name: str, label: str) -> int:
    if isinstance(value, bool):
        field_error(field_name, gettext("%(label)s måste vara ett heltal.") % {"label": label})
    if isinstance(value, float) and value != int(value):
        field_error(field_name, gettext("%(label)s måste vara ett heltal.") % {"label": label})
    try:
        level = int(str(value).strip()) if not isinstance(value, (int, float)) else int(value)
    except (TypeError, ValueError):
        field_error(field_name, gettext("%(label)s måste vara ett heltal.") % {"label": label})
    if level < 0:
        field_error(field_name, gettext("%(label)s får inte vara negativ.") % {"label": label})
    if level > MAX_LEVEL:
        field_error(field_name, gettext("%(label)s får vara högst %(max_level)s.") % {"label": label, "max_level": MAX_LEVEL})
    return level


def check_rule(store: Location, article: Article | None, safety, refill, *, prefix: str = "") -> tuple[int, int]:
    """The checks of a rule (shared by the form, the API and the spreadsheet upload)."""
    if store.kind != Location.Kind.BUFFER_STORE or not store.is_active:
        field_error(prefix + "store", gettext("Lagerplatsen är inget aktivt buffertförråd."))
    if article is None:
        field_error(prefix + "article_number", gettext("Artikeln finns inte."))
    if article.kind == Article.Kind.SERVICE:
        field_error(prefix + "article_number", gettext("Artikeln %(article_number)s är en tjänst och lagerförs inte.") % {"article_number": article.article_number})
    safety = clean_level(safety, prefix + "safety_level", "Säkerhetsnivån")
    refill = clean_level(refill, prefix + "refill_level", "Påfyllnadsnivån")
    if refill <= safety:
        field_error(prefix + "refill_level", gettext("Påfyllnadsnivån måste vara högre än säkerhetsnivån."))
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
            raise Conflict(gettext("Individ %(serial)s finns inte längre i förrådet; någon annan har just tagit ut den.") % {"serial": device.serial},
                           code="device_not_in_store", errors={"serial": [gettext("Finns inte längre i förrådet.")]})
        return stock.deliver_to_patient(device=device, patient=patient, customer=customer, cost_centre=cost_centre,
                                        ref=ref, actor=actor, on=on, level=level)
    if level is None:  # the row `buffer_lock` returned (locked), else read under that lock
        level = StockLevel.objects.get(location=store, article=article)
    free = level.on_hand - level.reserved
    if free < quantity:
        raise Conflict(gettext("Det finns bara %(max)s %(unit)s av %(name)s i förrådet; någon kan just ha tagit ut dem.") % {"max": max(free, 0), "unit": article.unit, "name": article.name}, code="insufficient_stock",
                       errors={"quantity": [gettext("Bara %(max)s %(unit)s kvar i förrådet.") % {"max": max(free, 0), "unit": article.unit}]})
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
        raise ValidationFailed(gettext("Leveransen går inte till ett buffertförråd."))
    if device is not None:
        device = stock._lock_device(device)
        if device.status != S.RESERVED or device.location is None:
            raise Conflict(gettext("Individ %(serial)s är inte reserverad för leveransen.") % {"serial": device.serial}, code="not_reserved")
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
        field_error("reason", gettext("Ange orsak till justeringen (t.ex. inventering)."))
    if len(reason) > 300:
        field_error("reason", gettext("Orsaken får vara högst 300 tecken."))
    if article.is_tracked:
        field_error("article_number", gettext("Individmärkta artiklar inventeras per individnummer (Inventering per individ)."))
    counted = clean_level(counted, "counted", "Räknat antal")
    return stock.adjust(location=store, article=article, counted=counted, actor=actor, note=reason,
                        ref=f"inventering {store.code}")



# --------------------------------------------------------------------------- stock count of tracked devices

MAX_SERIALS = 500


@dataclass
class DeviceCount:
    """What a count by serial found (serials, sorted): present as booked, missing (expected in the
    store but not found: out through an adjustment, status `missing`), found again (a missing
    device back in the store: an adjustment in) and moved in (booked at another location: a
    transfer out there and in here), each with where the ledger had it."""
    present: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    found_again: list[str] = field(default_factory=list)
    moved_in: list[tuple[str, str]] = field(default_factory=list)

    @property
    def delta(self) -> int:
        return len(self.found_again) + len(self.moved_in) - len(self.missing)


def parse_serials(text) -> list[str]:
    """Serials typed or scanned into one field: separated by new lines, spaces, commas or
    semicolons; duplicates dropped, order kept."""
    seen: dict[str, None] = {}
    for part in re.split(r"[\s,;]+", str(text or "")):
        if part.strip():
            seen.setdefault(part.strip(), None)
    return list(seen)


# Devices that a store keeper's count may book into the store although the ledger has them
# elsewhere: not on a patient, not reserved for an order, not scrapped.
_MOVABLE = (S.IN_STOCK, S.IN_BUFFER_STORE, S.IN_TRANSIT, S.AWAITING_REFURBISHMENT, S.IN_REPAIR, S.MISSING)


def _serial_errors(store: Location, article: Article, serials: dict[str, str], devices: dict[str, Device]) -> dict:
    """The refusals of a count by serial, per field (`present`, `scanned`); empty when it may be
    booked. `serials`: serial → the field it came from."""
    errors: dict[str, list[str]] = {}
    for serial, field_name in serials.items():
        device = devices.get(serial)
        if device is None:
            msg = gettext("Individnummer {serial} finns inte i registret. Kontrollera numret; en okänd individ "
                          "kan inte bokas in vid inventering.").format(serial=serial)
        elif device.article_id != article.pk:
            msg = gettext("Individ {serial} är av en annan artikel ({other}), inte {article}; inventera den under "
                          "sin artikel.").format(serial=serial, other=device.article.article_number,
                                                  article=article.article_number)
        elif device.location_id == store.pk and device.status == S.IN_BUFFER_STORE:
            continue
        elif device.status == S.ON_LOAN:
            msg = gettext("Individ {serial} är enligt registret utlånad till en patient och kan inte bokas in i "
                          "förrådet. Kontakta Hjälpmedelscentralen.").format(serial=serial)
        elif device.status == S.RESERVED:
            msg = gettext("Individ {serial} är reserverad för en order och kan inte bokas in i förrådet. Kontakta "
                          "Hjälpmedelscentralen.").format(serial=serial)
        elif device.status == S.SCRAPPED:
            msg = gettext("Individ {serial} är kasserad och kan inte bokas in i förrådet. Kontakta "
                          "Hjälpmedelscentralen.").format(serial=serial)
        elif device.status in _MOVABLE:
            continue
        else:  # pragma: no cover - a status added later
            msg = gettext("Individ {serial} kan inte bokas in i förrådet.").format(serial=serial)
        errors.setdefault(field_name, []).append(msg)
    return errors


def count_lock(*, store: Location, article: Article, serials) -> tuple[StockLevel, dict[int, StockLevel],
                                                                      list[Device], dict[str, Device]]:
    """The locks of a count by serial, in the order every stock path takes them: the article's
    projection rows at the store and at the other locations the named devices are booked at
    (article, location, pk — as `stock_lock_for_allocation`), the article's availability row when
    central stock is among them, then the devices (the store's and the named ones) by primary
    key. Returns the store's level, the other levels by location, the store's devices of the
    article and the named devices by serial (all read under the locks)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("count_lock must run inside a transaction")
    serials = list(serials)
    named = {d.serial: d for d in Device.objects.filter(serial__in=serials).only("id", "location_id")}
    expected_ids = list(Device.objects.filter(location=store, article=article).values_list("pk", flat=True))
    location_ids = {store.pk} | {d.location_id for d in named.values() if d.location_id is not None}
    stock._level(store, article)
    levels = list(StockLevel.objects.select_for_update().filter(article=article, location_id__in=location_ids)
                  .select_related("location").order_by("article_id", "location_id", "pk"))
    if any(lv.location.kind == Location.Kind.CENTRAL for lv in levels):
        list(stock.ArticleAvailability.objects.select_for_update().filter(article=article).values_list("pk", flat=True))
    ids = sorted(set(expected_ids) | {d.pk for d in named.values()})
    locked = list(Device.objects.select_for_update(of=("self",)).filter(pk__in=ids)
                  .select_related("article", "location").order_by("pk"))
    by_loc = {lv.location_id: lv for lv in levels}
    for d in locked:  # moved between the first read and the lock: its level is not held
        if d.serial in named and d.location_id is not None and d.location_id not in by_loc:
            raise Conflict(gettext("Individ {serial} flyttades just; gör om inventeringen.").format(serial=d.serial),
                           code="device_moved")
    devices_in_store = [d for d in locked if d.location_id == store.pk and d.status == S.IN_BUFFER_STORE
                        and d.article_id == article.pk]
    return by_loc.pop(store.pk), by_loc, devices_in_store, {d.serial: d for d in locked if d.serial in named}


def clean_count_reason(reason) -> str:
    reason = (reason or "").strip()
    if not reason:
        field_error("reason", gettext("Ange orsak till justeringen (t.ex. inventering)."))
    if len(reason) > 300:
        field_error("reason", gettext("Orsaken får vara högst 300 tecken."))
    return reason


def store_count_devices(*, store: Location, article: Article, present=(), scanned=(), reason: str,
                        actor=None) -> DeviceCount:
    """A stock count of a tracked article in a store, by serial (the caller's transaction; it takes
    `count_lock`, then the caller may lock the rules). `present`: the serials the keeper ticked
    of those booked in the store; `scanned`: serials typed or scanned. Every device booked in the
    store and not named is missing; a named device booked elsewhere is booked in here. Refused
    as a whole (errors per field, nothing written) for an unknown serial, a device of another
    article, and one on loan, reserved or scrapped. Everything goes through the ledger, with the
    reason, one audit row per device and one for the count (reason `stock_count`)."""
    reason = clean_count_reason(reason)
    if store.kind != Location.Kind.BUFFER_STORE:
        raise ValidationFailed(gettext("Lagerplatsen är inget buffertförråd."))
    if not article.is_tracked:
        field_error("article_number", gettext("Artikeln är inte individmärkt; ange räknat antal i stället."))
    present, scanned = [str(s).strip()[:61] for s in present if str(s).strip()], list(scanned)
    if len(present) + len(scanned) > MAX_SERIALS:
        field_error("scanned", gettext("Högst {n} individnummer per inventering.").format(n=MAX_SERIALS))
    origin = {s: "scanned" for s in scanned}
    origin.update({s: "present" for s in present if s not in origin})
    level, others, in_store, named = count_lock(store=store, article=article, serials=origin)
    errors = _serial_errors(store, article, origin, named)
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(first if sum(map(len, errors.values())) == 1 else
                               gettext("Inventeringen kan inte bokföras: {n} individnummer behöver rättas.")
                               .format(n=sum(map(len, errors.values()))), errors=errors)
    ref = f"inventering {store.code}"
    result = DeviceCount()
    now = stock.timezone.now()
    for device in in_store:
        if device.serial in origin:
            result.present.append(device.serial)
            continue
        stock._apply(kind=K.ADJUSTMENT, article=article, location=store, condition=device.condition, quantity=-1,
                     device=device, ref=ref, actor=actor, note=reason, level=level)
        device.status, device.location = S.MISSING, None
        device.save(update_fields=["status", "location", "updated_at"])
        audit_record(actor, "stock.device_missing", device, {"store": store.code, "reason": "stock_count",
                                                             "note": reason})
        result.missing.append(device.serial)
    for serial in sorted(s for s, d in named.items() if not (d.location_id == store.pk
                                                           and d.status == S.IN_BUFFER_STORE)):
        device = named[serial]
        was = {"status": device.status, "location": device.location.code if device.location_id else ""}
        if device.location_id is None:  # missing (or nowhere): back in through an adjustment
            stock._apply(kind=K.ADJUSTMENT, article=article, location=store, condition=device.condition, quantity=1,
                         device=device, ref=ref, actor=actor, note=reason, level=level)
            result.found_again.append(serial)
        else:
            stock._apply(kind=K.TRANSFER_OUT, article=article, location=device.location, condition=device.condition,
                         quantity=-1, device=device, ref=ref, actor=actor, note=reason,
                         level=others[device.location_id])
            stock._apply(kind=K.TRANSFER_IN, article=article, location=store, condition=device.condition, quantity=1,
                         device=device, ref=ref, actor=actor, note=reason, level=level)
            result.moved_in.append((serial, str(device.location.name)))
        device.status, device.location, device.available_since = S.IN_BUFFER_STORE, store, now
        device.save(update_fields=["status", "location", "available_since", "updated_at"])
        audit_record(actor, "stock.device_found", device, {"store": store.code, "reason": "stock_count",
                                                           "note": reason, "was": was})
    result.present.sort()
    result.missing.sort()
    audit_record(actor, "stock.store_count_devices", article, {
        "store": store.code, "reason": "stock_count", "note": reason, "present": result.present,
        "missing": result.missing, "found_again": result.found_again, "moved_in": [s for s, _ in result.moved_in]})
    return result
