"""Buffer stores (DESIGN.md §4 "Withdrawal", "Automatic replenishment"; docs/buffer-stores.md):
withdrawals (a customer order of kind withdrawal, born delivered), automatic replenishment
(kind replenishment, born submitted, one open per reorder rule) with its nightly sweep, and
manual buffer orders (kind buffer_manual: draft → submitted, then the usual supply moves).

Locks, all at once in one fixed order (the same in every path that touches a store):
1. the store's stock rows (`stock.buffer.services.buffer_lock`: projection rows by pk, then
   devices by pk),
2. the reorder rules (`rules_lock`, by pk),
3. then the writes. The replenishment decision is made holding the rule row, and the partial
   unique index `uniq_open_replenishment` on `Order.replenishes_rule` refuses a second open
   replenishment order for the rule even if a path forgot the lock."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from access.models import RoleAssignment
from access.roles import Perm, Role
from audit.services import audit_record
from core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from core.transactions import entry_point

from .. import pricing
from ..models import (
    OPEN_CUSTOMER_STATUSES,
    CustomerOrderKind,
    Delivery,
    DeliveryLine,
    Order,
    OrderLine,
    OrderStatus,
    OrderType,
)
from ..transitions import apply_transition
from .core import (
    NOTE_MAX,
    clean_future_date,
    clean_quantity,
    clean_text,
    fail,
    order_create,
    order_for_customer,
    order_header,
)

S = OrderStatus
K = CustomerOrderKind
BUFFER_KINDS = (K.BUFFER_MANUAL, K.REPLENISHMENT)
# Open orders that count as "on order" for a store (drafts are not on order yet).
ON_ORDER_STATUSES = tuple(s for s in OPEN_CUSTOMER_STATUSES if s != S.DRAFT)
WITHDRAWAL_MAX_AGE = dt.timedelta(hours=24)
# What the buffer flows read of an article (checks, lines, the ledger's unit).
ARTICLE_COLUMNS = ("id", "article_number", "name", "kind", "unit", "charging", "monthly_rent", "purchase_price",
                   "is_orderable", "is_tracked", "purchasing", "lead_time_days")
MAX_LINES = 100


# --------------------------------------------------------------------------- stores and who may act


def store_for(principal, store_id, *, act: bool = False):
    """A buffer store the principal sees (404 otherwise). `act` (withdraw, order to the store):
    a customer-side principal — a store keeper or prescriber at the store's unit, or the
    customer's system client."""
    from stock.buffer.selectors import store_get

    store = store_get(principal, store_id)
    if store is None:
        raise NotFound(_("Förrådet finns inte."))
    if not act:
        return store
    principal.require(Perm.STORE_KEEP)
    if principal.is_supply:
        raise PermissionDenied(_("Uttag och beställningar till förrådet görs av kundens förrådsansvariga."))
    if not store.is_active:
        raise Conflict(_("Förrådet är inte aktivt."), code="store_inactive")
    if principal.user is not None and not RoleAssignment.objects.filter(
            user=principal.user, unit_id=store.unit_id, role__in=(Role.STORE_KEEPER, Role.PRESCRIBER)).exists():
        raise PermissionDenied(_("Endast förrådsansvariga och förskrivare vid enheten kan ta ut ur förrådet."))
    return store


def _article(number: str, field_name: str = "article_number"):
    from catalogue.models import Article

    number = (number or "").strip()
    if not number or len(number) > 35:
        fail(field_name, _("Ange ett giltigt artikelnummer."))
    article = Article.objects.filter(article_number=number).only(*ARTICLE_COLUMNS).first()
    if article is None:
        fail(field_name, _("Artikeln %(number)s finns inte.") % {"number": number})
    if article.kind == Article.Kind.SERVICE:
        fail(field_name, _("Artikeln %(number)s är en tjänst och lagerförs inte.") % {"number": number})
    return article


def _lines_for(order: Order, article, quantity: int, *, delivered: bool = False, device=None, start: int = 1):
    """Unsaved lines: a tracked article one line per device (quantity 1), otherwise one line."""
    per_line = [1] * quantity if article.is_tracked else [quantity]
    return [OrderLine(order=order, line_no=start + i, article=article, quantity=q, charging=article.charging,
                      monthly_rent=article.monthly_rent, unit_price=article.purchase_price,
                      delivered_quantity=q if delivered else 0, allocated_quantity=q if delivered else 0,
                      device=device if delivered else None)
            for i, q in enumerate(per_line)]


def _delivery_point(store):
    from access.models import DeliveryPoint

    return DeliveryPoint.objects.filter(unit_id=store.unit_id, is_active=True).order_by("pk").first()


_UNREAD = object()


def _deliver_to_store(order: Order, store, *, point=_UNREAD) -> None:
    """A buffer order is delivered to the store: its unit's first delivery point, else the store."""
    order.buffer_store = store
    point = _delivery_point(store) if point is _UNREAD else point
    if point is not None:
        order.delivery_to = "delivery_point"
        order.delivery_point = point
        order.delivery_street, order.delivery_postal_code, order.delivery_city = (
            point.street, point.postal_code, point.city)
    else:
        order.delivery_to = ""
        order.delivery_street = f"Förråd {store.name}"[:200]


# --------------------------------------------------------------------------- withdrawal


@dataclass
class WithdrawalInput:
    store_id: int
    article_number: str
    patient_id: int | None
    quantity: int = 1
    serial: str = ""
    withdrawn_at: dt.datetime | str | None = None
    note: str = ""
    orderer_hsa_id: str = ""
    orderer_username: str = ""


def clean_withdrawn_at(value, field_name: str = "withdrawn_at") -> dt.datetime:
    """When the goods left the store: at most 24 hours back, never in the future (now if empty)."""
    now = timezone.now()
    if value in (None, ""):
        return now
    if isinstance(value, str):
        parsed = parse_datetime(value.strip())
        if parsed is None:
            fail(field_name, _("Ange datum och klockslag för uttaget (ÅÅÅÅ-MM-DD TT:MM)."))
        value = parsed
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        fail(field_name, _("Ange datum och klockslag för uttaget (ÅÅÅÅ-MM-DD TT:MM)."))
    if not isinstance(value, dt.datetime):
        fail(field_name, _("Ange datum och klockslag för uttaget (ÅÅÅÅ-MM-DD TT:MM)."))
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > now + dt.timedelta(seconds=60):  # a minute for clocks that differ
        fail(field_name, _("Uttaget kan inte ligga i framtiden."))
    if value < now - WITHDRAWAL_MAX_AGE:
        fail(field_name, _("Uttaget får registreras högst 24 timmar i efterhand."))
    return min(value, now)


@entry_point
def withdrawal_create(principal, data: WithdrawalInput) -> Order:
    """Take an article out of a buffer store and register it on a patient: a customer order of
    kind withdrawal, born delivered (one event, one delivery), the loan of a tracked device
    starting at the withdrawal date, the store's stock down through the ledger, a patient-access
    row; then the replenishment check. Everything is checked before the first write."""
    from patients.selectors import patient_get_for_view
    from stock.buffer import services as buffer_stock
    from stock.models import Device

    store = store_for(principal, data.store_id, act=True)
    article = _article(data.article_number)
    withdrawn_at = clean_withdrawn_at(data.withdrawn_at)
    note = clean_text(data.note, "note", NOTE_MAX, _("Meddelandet"))
    device = None
    if article.is_tracked:
        if data.quantity not in (None, "", 1, "1"):
            fail("quantity", _("En individmärkt artikel tas ut en individ i taget."))
        quantity = 1
        serial = (data.serial or "").strip()
        if not serial:
            fail("serial", _("Välj individnummer för den individmärkta artikeln."))
        device = Device.objects.filter(serial=serial[:60]).first()
        if device is None or device.article_id != article.pk or device.location_id != store.pk \
                or device.status != Device.Status.IN_BUFFER_STORE:
            fail("serial", _("Individ %(serial)s av artikeln %(article_number)s finns inte i förrådet.") % {"serial": serial, "article_number": article.article_number})
    else:
        if data.serial:
            fail("serial", _("Artikeln är inte individmärkt; ange antal i stället för individnummer."))
        quantity = clean_quantity(data.quantity)
    if not data.patient_id:
        fail("patient_id", _("Välj en patient."))
    patient = patient_get_for_view(principal, data.patient_id, "buffer_withdrawal", purpose=f"uttag {store.code}")
    order = order_header(principal, OrderType.CUSTOMER, kind=K.WITHDRAWAL, status=S.DELIVERED, patient=patient,
                         unit=store.unit, delivery_from_patient=False, note=note,
                         orderer_hsa_id=data.orderer_hsa_id, orderer_username=data.orderer_username)

    # Locks: the store's stock rows and the device, then the rule (module docstring).
    levels = buffer_stock.buffer_lock(store=store, articles=[article], device_ids=[device.pk] if device else [])
    rules = buffer_stock.rules_lock(store_ids=[store.pk], article_ids=[article.pk])

    order.buffer_store = store
    order.delivery_to = ""
    order.submitted_at = order.confirmed_at = order.delivered_at = withdrawn_at
    order.confirmed_by_label = "uttag ur förråd"
    order_create(order, principal, event_data={"withdrawal": True, "store": store.code,
                                               "withdrawn_at": withdrawn_at.isoformat()},
                 audit_action="order.withdrawal_created",
                 audit_data={"store": store.code, "article": article.article_number, "quantity": quantity,
                             "serial": device.serial if device else None})
    lines = _lines_for(order, article, quantity, delivered=True, device=device)
    OrderLine.objects.bulk_create(lines)
    on = timezone.localtime(withdrawn_at).date()
    buffer_stock.store_withdraw(store=store, article=article, quantity=quantity, device=device, patient=patient,
                                customer=order.customer if device else None,
                                cost_centre=order.cost_centre if device else None, on=on,
                                ref=f"{order.number}:1", actor=principal, level=levels[article.pk])
    delivery = Delivery.objects.create(order=order, delivered_on=on, receiver_name=principal.label[:120] or "–",
                                       place=Delivery.Place.HOSPITAL_OR_UNIT, actor_label=principal.label[:200])
    DeliveryLine.objects.create(delivery=delivery, order_line=lines[0], quantity=quantity, device=device)
    # The free units after the withdrawal, from the projection row read under its lock (a tracked
    # device is in it too): the check needs no second read of it.
    level = levels[article.pk]
    replenishment_check(store=store, rules=rules, actor=principal,
                        held={article.pk: level.on_hand - level.reserved - quantity})
    return order


# --------------------------------------------------------------------------- automatic replenishment


def on_order(store_id: int, article_ids) -> dict[int, int]:
    """Units on open buffer orders (manual and replenishment, submitted or later) per article."""
    rows = (OrderLine.objects.filter(order__buffer_store_id=store_id, order__kind__in=BUFFER_KINDS,
                                     order__status__in=ON_ORDER_STATUSES, article_id__in=list(article_ids))
            .values("article_id").annotate(n=Sum(F("quantity") - F("delivered_quantity"))).order_by())
    return {r["article_id"]: r["n"] or 0 for r in rows}


def _open_buffer_orders(store_id: int, rules) -> tuple[dict[int, int], set[int]]:
    """One statement for what the check needs of the store's open buffer orders: the units on
    order per article (`on_order`: submitted or later) and the rules that already have an open
    replenishment order. A replenishment order is written with its store, its rule and lines of
    the rule's article only (`_replenishment_create`), so its lines are among these rows; the
    partial unique index stays the backstop."""
    rule_of = {r.pk for r in rules}
    rows = (OrderLine.objects.filter(order__buffer_store_id=store_id, order__kind__in=BUFFER_KINDS,
                                     order__status__in=OPEN_CUSTOMER_STATUSES,
                                     article_id__in=[r.article_id for r in rules])
            .values("article_id", "order__status", "order__replenishes_rule_id")
            .annotate(n=Sum(F("quantity") - F("delivered_quantity"))).order_by())
    ordered: dict[int, int] = {}
    open_rules: set[int] = set()
    for r in rows:
        if r["order__status"] in ON_ORDER_STATUSES:
            ordered[r["article_id"]] = ordered.get(r["article_id"], 0) + (r["n"] or 0)
        if r["order__replenishes_rule_id"] in rule_of:
            open_rules.add(r["order__replenishes_rule_id"])
    return ordered, open_rules


def replenishment_check(*, store, rules, actor=None, held: dict[int, int] | None = None) -> list[Order]:
    """For each locked rule (`rules_lock`) with automatic on and the store below its safety
    level: a replenishment order for refill − (on hand + on order), unless the rule already has
    an open one. Runs inside the caller's transaction, after its stock change. `held`: the free
    units on hand per article when the caller knows them (a withdrawal computes them from the
    projection row it locked, saving the read); articles missing from it are read."""
    from stock.buffer.selectors import on_hand

    rules = [r for r in rules if r.automatic]
    if not rules:
        return []
    held = dict(held or {})
    unknown = [r.article_id for r in rules if r.article_id not in held]
    if unknown:
        held.update(on_hand(store, unknown))
    rules = [r for r in rules if held.get(r.article_id, 0) < r.safety_level]
    if not rules:  # the common case: nothing below safety, nothing more to read
        return []
    ordered, open_rules = _open_buffer_orders(store.pk, rules)
    created = []
    header = None
    for rule in rules:
        have = held.get(rule.article_id, 0)
        if rule.pk in open_rules:
            continue
        quantity = rule.refill_level - (have + ordered.get(rule.article_id, 0))
        if quantity <= 0:
            continue
        header = header or _store_header(store)
        order = _replenishment_create(store, rule, min(quantity, MAX_LINES if rule.article.is_tracked else 999_999),
                                      held=have, on_order=ordered.get(rule.article_id, 0), actor=actor, header=header)
        if order is not None:
            created.append(order)
    return created


def _store_header(store) -> dict:
    """What every replenishment order of a store shares, in one statement: the unit's customer
    and cost centre, the orderer (the first active store keeper of the unit) and the unit's
    first active delivery point."""
    from django.db.models import OuterRef, Subquery

    from access.models import DeliveryPoint, Unit

    keeper = (RoleAssignment.objects.filter(unit_id=OuterRef("pk"), role=Role.STORE_KEEPER, user__is_active=True)
              .order_by("pk").values("user_id")[:1])
    points = DeliveryPoint.objects.filter(unit_id=OuterRef("pk"), is_active=True).order_by("pk")
    point_fields = ("id", "street", "postal_code", "city")
    row = (Unit.objects.filter(pk=store.unit_id)
           .annotate(orderer_user_id=Subquery(keeper),
                     **{f"point_{f}": Subquery(points.values(f)[:1]) for f in point_fields})
           .values("id", "organisation_id", "default_cost_centre_id", "orderer_user_id",
                   *(f"point_{f}" for f in point_fields)).get())
    unit = Unit(id=row["id"], organisation_id=row["organisation_id"],
                default_cost_centre_id=row["default_cost_centre_id"])
    point = None
    if row["point_id"] is not None:
        point = DeliveryPoint(id=row["point_id"], unit_id=row["id"], street=row["point_street"],
                              postal_code=row["point_postal_code"], city=row["point_city"])
    return {"unit": unit, "orderer_id": row["orderer_user_id"], "point": point}


def _replenishment_create(store, rule, quantity: int, *, held: int, on_order: int, actor, header) -> Order | None:
    unit = header["unit"]
    order = Order(order_type=OrderType.CUSTOMER, kind=K.REPLENISHMENT, status=S.SUBMITTED,
                  customer_id=unit.organisation_id, unit=unit, cost_centre_id=unit.default_cost_centre_id,
                  orderer_id=header["orderer_id"], replenishes_rule=rule,
                  note=f"Automatisk påfyllnad av {rule.article.article_number} {rule.article.name}: "
                       f"{held} i förrådet, {on_order} beställda, säkerhetsnivå {rule.safety_level}, "
                       f"påfyllnadsnivå {rule.refill_level}."[:NOTE_MAX])
    _deliver_to_store(order, store, point=header["point"])
    order.promised_date = pricing.promised_date([rule.article], urgent=False)
    data = {"rule_id": rule.pk, "store": store.code, "article": rule.article.article_number, "on_hand": held,
            "on_order": on_order, "safety_level": rule.safety_level, "refill_level": rule.refill_level,
            "quantity": quantity}
    try:
        with transaction.atomic():  # the partial unique index is the backstop of the rule lock
            order_create(order, actor, event_data=data, audit_action="order.replenishment_created", audit_data=data)
            OrderLine.objects.bulk_create(_lines_for(order, rule.article, quantity))
    except IntegrityError:
        return None
    return order


@entry_point
def replenishment_sweep_store(store_id: int, rule_ids: list[int]) -> list[str]:
    """The nightly check of one store's rules that look due (below safety): the same locked
    check a withdrawal runs. Returns the numbers of the orders created."""
    from stock.buffer import services as buffer_stock
    from stock.models import Location

    store = Location.objects.get(pk=store_id)
    rules = [r for r in buffer_stock.rules_lock(store_ids=[store_id]) if r.pk in set(rule_ids)]
    return [o.number for o in replenishment_check(store=store, rules=rules, actor=None)]


def replenishment_sweep() -> dict:
    """Every automatic rule, nightly (rules changed, stock adjusted outside a withdrawal): one
    query finds the rules below safety; each store's candidates are then checked under the rule
    lock in its own short transaction. Records what it created (audit row `buffer.sweep`)."""
    from stock.buffer.selectors import rules_below_safety

    by_store: dict[int, list[int]] = {}
    for store_id, rule_id in rules_below_safety().values_list("store_id", "pk"):
        by_store.setdefault(store_id, []).append(rule_id)
    created: list[str] = []
    for store_id in sorted(by_store):
        created += replenishment_sweep_store(store_id, by_store[store_id])
    result = {"stores": len(by_store), "rules_below_safety": sum(len(v) for v in by_store.values()),
              "created": created}
    with transaction.atomic():
        audit_record(None, "buffer.sweep", None, result, object_type="stock.reorderrule")
    return result


# --------------------------------------------------------------------------- stock count


@entry_point
def store_count_post(principal, store_id, *, article_number: str, counted, reason: str) -> int:
    """A store keeper's count of a counted article: an adjustment movement (with the reason)
    for the difference; then the replenishment check. Returns the delta."""
    from stock.buffer import services as buffer_stock

    store = store_for(principal, store_id, act=True)
    article = _article(article_number)
    buffer_stock.buffer_lock(store=store, articles=[article])
    rules = buffer_stock.rules_lock(store_ids=[store.pk], article_ids=[article.pk])
    delta = buffer_stock.store_count(store=store, article=article, counted=counted, reason=reason, actor=principal)
    replenishment_check(store=store, rules=rules, actor=principal)
    return delta


@entry_point
def store_count_devices_post(principal, store_id, *, article_number: str, present=(), scanned="",
                             reason: str):
    """A store keeper's count of a tracked article by serial (`stock.buffer.services.
    store_count_devices`: missing devices out, devices booked elsewhere in, through the ledger);
    then the replenishment check. Locks: the count's (levels, availability, devices), then the
    rule."""
    from stock.buffer import services as buffer_stock

    store = store_for(principal, store_id, act=True)
    article = _article(article_number)
    serials = buffer_stock.parse_serials(scanned) if isinstance(scanned, str) else [
        str(s).strip() for s in scanned or () if str(s).strip()]
    result = buffer_stock.store_count_devices(store=store, article=article, present=present, scanned=serials,
                                              reason=reason, actor=principal)
    rules = buffer_stock.rules_lock(store_ids=[store.pk], article_ids=[article.pk])
    replenishment_check(store=store, rules=rules, actor=principal)
    return result


# --------------------------------------------------------------------------- manual buffer orders


@dataclass
class BufferLineInput:
    article_number: str
    quantity: int = 1


@dataclass
class BufferOrderInput:
    store_id: int
    lines: list[BufferLineInput] = field(default_factory=list)
    note: str = ""
    requested_date: dt.date | str | None = None
    submit: bool = False
    orderer_hsa_id: str = ""
    orderer_username: str = ""


@entry_point
def buffer_order_create(principal, data: BufferOrderInput) -> Order:
    """A manual order to a buffer store (articles without automatic refill, extra quantities):
    a draft, or submitted at once (`submit`). The supply centre confirms, dispatches and delivers
    it like any order; delivery books the goods into the store."""
    store = store_for(principal, data.store_id, act=True)
    if not data.lines:
        fail("lines", _("Ange minst en artikel."))
    if len(data.lines) > MAX_LINES:
        fail("lines", _("En order får ha högst %(max_lines)s rader.") % {"max_lines": MAX_LINES})
    cleaned = []
    for i, ln in enumerate(data.lines):
        article = _article(ln.article_number, f"lines.{i}.article_number")
        if not article.is_orderable:
            fail(f"lines.{i}.article_number", _("Artikeln %(article_number)s går inte att beställa.") % {"article_number": article.article_number})
        cleaned.append((article, clean_quantity(ln.quantity, f"lines.{i}.quantity")))
    order = order_header(principal, OrderType.CUSTOMER, kind=K.BUFFER_MANUAL, status=S.DRAFT, unit=store.unit,
                         delivery_from_patient=False, note=data.note, orderer_hsa_id=data.orderer_hsa_id,
                         orderer_username=data.orderer_username)
    order.prescriber = None
    order.prescriber_id = None
    order.requested_date = clean_future_date(data.requested_date)
    _deliver_to_store(order, store)
    lines = []
    for article, qty in cleaned:
        lines += _lines_for(order, article, qty, start=len(lines) + 1)
    if len(lines) > MAX_LINES:
        fail("lines", _("En order får ha högst %(max_lines)s rader.") % {"max_lines": MAX_LINES})
    order.promised_date = pricing.promised_date([ln.article for ln in lines], urgent=False)
    moves = [(S.SUBMITTED, {"promised_date": str(order.promised_date)})] if data.submit else []
    order_create(order, principal, moves=moves, event_data={"store": store.code},
                 audit_action="order.buffer_order_created", audit_data={"store": store.code})
    OrderLine.objects.bulk_create(lines)
    return order


def _buffer_order(principal, order_id) -> Order:
    order = order_for_customer(principal, order_id, lock=True)
    if order.kind != K.BUFFER_MANUAL or order.buffer_store_id is None:
        raise NotFound(_("Ordern finns inte."))
    store_for(principal, order.buffer_store_id, act=True)
    return order


@entry_point
def buffer_order_submit(principal, order_id) -> Order:
    """draft → submitted (idempotent: an already submitted order is returned as it is)."""
    order = _buffer_order(principal, order_id)
    if order.status == S.SUBMITTED:
        return order
    if not order.lines.exists():
        fail("lines", _("Ordern har inga rader."))
    order.submitted_at = timezone.now()
    apply_transition(order, S.SUBMITTED, principal, update_fields=["submitted_at"])
    return order


@entry_point
def buffer_order_withdraw(principal, order_id, reason: str = "") -> Order:
    order = _buffer_order(principal, order_id)
    if order.status == S.WITHDRAWN:
        return order
    order.closed_reason = clean_text(reason, "reason", 1000, _("Orsaken"))
    apply_transition(order, S.WITHDRAWN, principal, reason=order.closed_reason, update_fields=["closed_reason"])
    return order


def check_buffer_delivery(order: Order) -> None:
    """Supply's delivery of a buffer order goes to its store (no patient to register devices on)."""
    if order.kind in BUFFER_KINDS and order.buffer_store_id is None:
        raise ValidationFailed(_("Förrådsordern saknar förråd."), code="no_store")


def store_stock_changed(*, store, article_ids, actor=None) -> list[Order]:
    """After any stock change in a store inside the caller's transaction (a delivery into it):
    the rules locked, then the replenishment check."""
    from stock.buffer import services as buffer_stock

    rules = buffer_stock.rules_lock(store_ids=[store.pk], article_ids=sorted(set(article_ids)))
    return replenishment_check(store=store, rules=rules, actor=actor)
