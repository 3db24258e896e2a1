"""Every write to stock. Each service runs in one atomic transaction: it posts ledger
movements (`StockMovement`), applies the same deltas to the projection (`StockLevel`) and to
`catalogue.ArticleAvailability` (central locations only), and writes one audit row.

`actor` is a `Principal`, a user or None (system); it is recorded on movements as a label.
`ref` is a plain reference string (e.g. an order number and line) – stock never imports ordering.

Concurrency: devices are picked with `select_for_update(skip_locked=True)` on PostgreSQL, so
two allocations racing for the same device never both get it; projection rows are changed with
`F()` increments under the row lock the UPDATE takes. On SQLite every transaction is IMMEDIATE,
so writers are serialised anyway.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, IntegerField, Q, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext

from audit.services import actor_parts, audit_record
from catalogue.models import Article, ArticleAvailability, LoanType
from core.errors import Conflict, NotFound, ValidationFailed

from .models import Condition, Device, Loan, Location, StockLevel, StockMovement

S = Device.Status
K = StockMovement.Kind


# --------------------------------------------------------------------------- helpers

def actor_label(actor) -> str:
    """Who moved stock, as the ledger row's label: the principal's label, a user's username."""
    if actor is None:
        return "system"
    label = getattr(actor, "label", "")
    if label:
        return label[:200]
    user, _client = actor_parts(actor)
    return (user.get_username() if user is not None else str(actor))[:200]


def _apply(*, kind: str, article: Article, location: Location, condition: str, quantity: int = 0,
           reserved: int = 0, device: Device | None = None, ref: str = "", actor=None, note: str = "",
           level: StockLevel | None = None) -> StockMovement:
    """Post one ledger row and apply its deltas to the projections. `level`: the projection row of
    (location, article) when the caller already holds it (locked), saving its look-up."""
    movement = StockMovement.objects.create(
        kind=kind, article=article, location=location, device=device, condition=condition, quantity=quantity,
        reserved_delta=reserved, ref=(ref or "")[:100], actor_label=actor_label(actor), note=(note or "")[:300],
    )
    refurb = condition == Condition.REFURBISHED
    if level is None or level.location_id != location.pk or level.article_id != article.pk:
        level, _ = _level(location, article)
    StockLevel.objects.filter(pk=level.pk).update(
        on_hand=F("on_hand") + quantity,
        reserved=F("reserved") + reserved,
        on_hand_refurbished=F("on_hand_refurbished") + (quantity if refurb else 0),
        reserved_refurbished=F("reserved_refurbished") + (reserved if refurb else 0),
        updated_at=timezone.now(),
    )
    available_delta = quantity - reserved
    if location.kind == Location.Kind.CENTRAL and available_delta:
        _availability_row(article)
        ArticleAvailability.objects.filter(article=article).update(
            qty_new=F("qty_new") + (0 if refurb else available_delta),
            qty_refurbished=F("qty_refurbished") + (available_delta if refurb else 0),
        )
    return movement


def _level(location: Location, article: Article) -> tuple[StockLevel, bool]:
    try:
        with transaction.atomic():
            return StockLevel.objects.get_or_create(location=location, article=article)
    except IntegrityError:  # a concurrent transaction created it first
        return StockLevel.objects.get(location=location, article=article), False


def _availability_row(article: Article) -> None:
    try:
        with transaction.atomic():
            ArticleAvailability.objects.get_or_create(article=article)
    except IntegrityError:
        pass


def central_location() -> Location:
    loc = Location.objects.filter(kind=Location.Kind.CENTRAL, is_active=True).order_by("pk").first()
    if loc is None:
        raise Conflict(gettext("Det finns inget centrallager upplagt."), code="no_central_location")
    return loc


def _default_location(kind: str) -> Location:
    loc = Location.objects.filter(kind=kind, is_active=True).order_by("pk").first()
    if loc is None:
        names = {Location.Kind.REFURBISHMENT: ("REKOND", "Rekonditionering"),
                 Location.Kind.IN_TRANSIT: ("TRANSPORT", "Under transport"),
                 Location.Kind.CENTRAL: ("CENTRAL", "Centrallager")}
        code, name = names[kind]
        loc, _ = Location.objects.get_or_create(code=code, defaults={"name": name, "kind": kind})
    return loc


def _lock_device(device: Device) -> Device:
    try:
        return Device.objects.select_for_update(of=("self",)).select_related("article", "location").get(pk=device.pk)
    except Device.DoesNotExist:
        raise NotFound(gettext("Individen finns inte.")) from None


def device_lock(device_id: int) -> Device:
    """The device row locked for the rest of the caller's transaction (e.g. while ordering decides
    whether a scheduled inspection order is needed), so concurrent runs see each other."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("device_lock must run inside a transaction")
    return Device.objects.select_for_update(of=("self",)).select_related("article").get(pk=device_id)


def loan_lock(loan_id: int) -> Loan | None:
    """One loan row locked for the rest of the caller's transaction (None when there is none)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("loan_lock must run inside a transaction")
    return Loan.objects.select_for_update(of=("self",)).filter(pk=loan_id).first()


def loans_lock_open(patient) -> list[Loan]:
    """The patient's open loans, row-locked for the rest of the caller's transaction, so two
    concurrent pickups or return receipts for one device are serialised (the second sees the first)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("loans_lock_open must run inside a transaction")
    return list(Loan.objects.select_for_update(of=("self",)).filter(patient=patient, ended_on__isnull=True)
                .select_related("device", "device__article").order_by("pk"))


def _positive(quantity: int, field_name: str = "quantity") -> int:
    try:
        quantity = int(quantity)
    except (TypeError, ValueError):
        quantity = 0
    if quantity <= 0:
        raise ValidationFailed(gettext("Antalet måste vara minst 1."), errors={field_name: [gettext("Antalet måste vara minst 1.")]})
    return quantity


# --------------------------------------------------------------------------- locations

@transaction.atomic
def location_create(*, code: str, name: str, kind: str, unit=None, actor=None) -> Location:
    if kind not in Location.Kind.values:
        raise ValidationFailed(gettext("Okänd typ av lagerplats."), errors={"kind": [gettext("Okänd typ av lagerplats.")]})
    if kind == Location.Kind.BUFFER_STORE and unit is None:
        raise ValidationFailed(gettext("Ett buffertförråd måste höra till en enhet."), errors={"unit": [gettext("Ange enhet.")]})
    if Location.objects.filter(code=code).exists():
        raise Conflict(gettext("Det finns redan en lagerplats med den koden."), errors={"code": [gettext("Koden används redan.")]})
    loc = Location.objects.create(code=code, name=name, kind=kind, unit=unit)
    audit_record(actor, "stock.location_create", loc, {"kind": kind})
    return loc


# --------------------------------------------------------------------------- goods in

@dataclass
class DeviceIn:
    serial: str
    condition: str = Condition.NEW
    purchase_date: datetime.date | None = None
    purchase_price: Decimal | None = None
    next_inspection_date: datetime.date | None = None
    available_since: datetime.datetime | None = None


@transaction.atomic
def receive(*, article: Article, location: Location | None = None, devices: list[DeviceIn] | None = None,
            quantity: int = 0, ref: str = "", actor=None, condition: str = Condition.NEW) -> list[Device]:
    """Goods in. Tracked articles: one Device per `DeviceIn` (serials unique), each posting a
    receipt of 1. Non-tracked articles: `quantity` units. Returns the created devices."""
    location = location or central_location()
    created: list[Device] = []
    if article.is_tracked:
        if not devices:
            raise ValidationFailed(gettext("Ange individnummer för individmärkta artiklar."),
                                   errors={"devices": [gettext("Ange minst ett individnummer.")]})
        serials = [d.serial.strip() for d in devices]
        if any(not s for s in serials) or len(set(serials)) != len(serials):
            raise ValidationFailed(gettext("Individnumren måste vara ifyllda och unika."),
                                   errors={"devices": [gettext("Individnumren måste vara ifyllda och unika.")]})
        taken = list(Device.objects.filter(serial__in=serials).values_list("serial", flat=True))
        if taken:
            raise Conflict(gettext("Individnumret finns redan: %(values)s.") % {"values": ', '.join(sorted(taken))},
                           errors={"devices": [gettext("Finns redan: %(values)s") % {"values": ', '.join(sorted(taken))}]})
        status = S.IN_BUFFER_STORE if location.kind == Location.Kind.BUFFER_STORE else S.IN_STOCK
        if location.kind not in (Location.Kind.CENTRAL, Location.Kind.BUFFER_STORE):
            raise ValidationFailed(gettext("Inleverans görs till centrallager eller buffertförråd."))
        now = timezone.now()
        for d, serial in zip(devices, serials):
            if d.condition not in Condition.values:
                raise ValidationFailed(gettext("Okänt skick."), errors={"condition": [gettext("Okänt skick.")]})
            device = Device.objects.create(
                serial=serial, article=article, condition=d.condition, status=status, location=location,
                available_since=d.available_since or now, purchase_date=d.purchase_date,
                purchase_price=d.purchase_price, next_inspection_date=d.next_inspection_date,
            )
            _apply(kind=K.RECEIPT, article=article, location=location, condition=d.condition, quantity=1,
                   device=device, ref=ref, actor=actor)
            created.append(device)
        audit_record(actor, "stock.receive", article, {"location": location.code, "serials": serials, "ref": ref})
    else:
        if devices:
            raise ValidationFailed(gettext("Artikeln är inte individmärkt; ange antal i stället för individnummer."))
        quantity = _positive(quantity)
        _apply(kind=K.RECEIPT, article=article, location=location, condition=condition, quantity=quantity,
               ref=ref, actor=actor)
        audit_record(actor, "stock.receive", article, {"location": location.code, "quantity": quantity, "ref": ref})
    return created


# --------------------------------------------------------------------------- allocation

@dataclass
class Allocation:
    article: Article
    requested: int
    devices: list[Device] = field(default_factory=list)
    quantity_reserved: int = 0  # non-tracked units (tracked: == len(devices))
    back_ordered: int = 0
    ref: str = ""
    location: Location | None = None

    @property
    def reserved(self) -> int:
        return len(self.devices) if self.article.is_tracked else self.quantity_reserved

    @property
    def fully_reserved(self) -> bool:
        return self.back_ordered == 0


def stock_lock_for_allocation(article_ids) -> None:
    """Lock, in one fixed order, every stock row that allocating, releasing or issuing these
    articles at central stock will update: the projection rows (article, then location, by
    primary key) and the availability rows (article). A caller that takes several articles in one
    transaction (an order's confirm or dispatch) calls this first, so two transactions holding the
    same articles in opposite line order wait for each other instead of deadlocking (Saleor's
    allocation pattern). Devices are picked with `skip_locked` and need no ordering."""
    ids = sorted({int(a) for a in article_ids})
    if not ids:
        return
    list(StockLevel.objects.select_for_update().filter(article_id__in=ids)
         .order_by("article_id", "location_id", "pk").values_list("pk", flat=True))
    list(ArticleAvailability.objects.select_for_update().filter(article_id__in=ids)
         .order_by("article_id").values_list("pk", flat=True))


def _allocation_order():
    return Case(When(Q(condition=Condition.REFURBISHED), then=Value(0)), default=Value(1), output_field=IntegerField())


@transaction.atomic
def allocate(*, article: Article, quantity: int, ref: str, actor=None) -> Allocation:
    """Reserve `quantity` units of `article` at central stock for `ref`.

    Tracked: refurbished devices first (the one that has waited longest, i.e. the oldest
    `available_since`), then new ones (oldest first); devices locked by a concurrent allocation
    are skipped (`skip_locked`). Non-tracked: reserves what is available. The rest is
    back-ordered (`Allocation.back_ordered`)."""
    quantity = _positive(quantity)
    result = Allocation(article=article, requested=quantity, ref=ref)
    if article.is_tracked:
        qs = (
            Device.objects.filter(article=article, status=S.IN_STOCK, location__kind=Location.Kind.CENTRAL,
                                  location__is_active=True)
            .annotate(_pref=_allocation_order())
            .order_by("_pref", F("available_since").asc(nulls_last=True), "pk")
        )
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True, of=("self",))
        devices = list(qs.select_related("location")[:quantity])
        for device in devices:
            device.status = S.RESERVED
            device.reserved_ref = (ref or "")[:100]
            device.save(update_fields=["status", "reserved_ref", "updated_at"])
            _apply(kind=K.RESERVATION, article=article, location=device.location, condition=device.condition,
                   reserved=1, device=device, ref=ref, actor=actor)
        result.devices = devices
        result.quantity_reserved = len(devices)
        result.back_ordered = quantity - len(devices)
    else:
        remaining = quantity
        levels = (StockLevel.objects.select_for_update()
                  .filter(article=article, location__kind=Location.Kind.CENTRAL, location__is_active=True)
                  .select_related("location").order_by("location_id"))
        for level in levels:
            if remaining == 0:
                break
            take = min(remaining, level.on_hand - level.reserved)
            if take <= 0:
                continue
            # Non-tracked stock is reserved new-first: conditions only matter for devices.
            new_free = level.on_hand_new - level.reserved_new
            take_new = min(take, max(new_free, 0))
            if take_new:
                _apply(kind=K.RESERVATION, article=article, location=level.location, condition=Condition.NEW,
                       reserved=take_new, ref=ref, actor=actor)
            if take - take_new:
                _apply(kind=K.RESERVATION, article=article, location=level.location, condition=Condition.REFURBISHED,
                       reserved=take - take_new, ref=ref, actor=actor)
            result.location = result.location or level.location
            remaining -= take
        result.quantity_reserved = quantity - remaining
        result.back_ordered = remaining
    audit_record(actor, "stock.allocate", article, {
        "ref": ref, "requested": quantity, "reserved": result.reserved, "back_ordered": result.back_ordered,
        "serials": [d.serial for d in result.devices],
    })
    return result


def _reserved_for_ref(article: Article, ref: str) -> list[tuple[int, str, int]]:
    """Non-tracked units still reserved for `ref` per (location, condition), from the ledger."""
    rows = (StockMovement.objects.filter(article=article, ref=ref, device__isnull=True)
            .values("location_id", "condition").annotate(r=Sum("reserved_delta")).order_by("location_id"))
    return [(r["location_id"], r["condition"], r["r"]) for r in rows if r["r"] > 0]


@transaction.atomic
def release(*, device: Device | None = None, article: Article | None = None, quantity: int = 0, ref: str = "",
            actor=None) -> int:
    """Undo a reservation: a reserved device goes back to stock (keeping its place in the
    queue – `available_since` is unchanged), or up to `quantity` non-tracked units reserved for
    `ref` are freed. Returns the number of units released."""
    if device is not None:
        device = _lock_device(device)
        if device.status != S.RESERVED:
            raise Conflict(gettext("Individ %(serial)s är inte reserverad.") % {"serial": device.serial}, code="not_reserved")
        back = S.IN_BUFFER_STORE if device.location.kind == Location.Kind.BUFFER_STORE else S.IN_STOCK
        old_ref = device.reserved_ref
        device.status, device.reserved_ref = back, ""
        device.save(update_fields=["status", "reserved_ref", "updated_at"])
        _apply(kind=K.RELEASE, article=device.article, location=device.location, condition=device.condition,
               reserved=-1, device=device, ref=ref or old_ref, actor=actor)
        audit_record(actor, "stock.release", device, {"ref": ref or old_ref})
        return 1
    if article is None:
        raise ValidationFailed(gettext("Ange individ eller artikel."))
    quantity = _positive(quantity)
    list(StockLevel.objects.select_for_update().filter(article=article).order_by("pk").values_list("pk", flat=True))
    locations = {loc.pk: loc for loc in Location.objects.all()}
    remaining = quantity
    for location_id, condition, held in _reserved_for_ref(article, ref):
        take = min(held, remaining)
        if take:
            _apply(kind=K.RELEASE, article=article, location=locations[location_id], condition=condition,
                   reserved=-take, ref=ref, actor=actor)
            remaining -= take
        if not remaining:
            break
    released = quantity - remaining
    if released == 0:
        raise Conflict(gettext("Det finns ingen reservation att släppa för den referensen."), code="not_reserved")
    audit_record(actor, "stock.release", article, {"ref": ref, "quantity": released})
    return released


# --------------------------------------------------------------------------- out to patients

@transaction.atomic
def deliver_to_patient(*, device: Device, patient, customer, cost_centre=None, ref: str = "", actor=None,
                       on: datetime.date | None = None, loan_type: str = LoanType.PERMANENT,
                       loan_until: datetime.date | None = None, level: StockLevel | None = None) -> Loan:
    """Register a device on a patient: the loan starts (rent starts). The device leaves its
    location (central stock, reserved or not, or a buffer store). Refused when the device
    already has an open loan (also guaranteed by a unique constraint). `loan_type`/`loan_until`:
    the loan's terms as the order line chose them (checked by ordering when it was ordered).
    `level`: the projection row of the device's location when the caller holds it locked."""
    on = on or timezone.localdate()
    loan_type = loan_type or LoanType.PERMANENT
    _check_loan_terms(loan_type, loan_until)
    device = _lock_device(device)
    if Loan.objects.filter(device=device, ended_on__isnull=True).exists() or device.status == S.ON_LOAN:
        raise Conflict(gettext("Individ %(serial)s är redan utlånad.") % {"serial": device.serial}, code="device_on_loan")
    if device.status not in (S.RESERVED, S.IN_STOCK, S.IN_BUFFER_STORE) or device.location is None:
        raise Conflict(gettext("Individ %(serial)s kan inte lämnas ut (status: %(status)s).") % {"serial": device.serial, "status": device.get_status_display()},
                       code="device_not_available")
    if not customer.is_customer:
        raise ValidationFailed(gettext("Ange en kund som betalar."), errors={"customer": [gettext("Ange kund.")]})
    if cost_centre is not None and cost_centre.organisation_id != customer.pk:
        raise ValidationFailed(gettext("Kostnadsstället hör inte till kunden."), errors={"cost_centre": [gettext("Fel kund.")]})
    was_reserved = device.status == S.RESERVED
    _apply(kind=K.ISSUE, article=device.article, location=device.location, condition=device.condition,
           quantity=-1, reserved=-1 if was_reserved else 0, device=device, ref=ref, actor=actor,
           note=f"patient {patient.pk}", level=level)
    device.status, device.location, device.holder_patient, device.reserved_ref = S.ON_LOAN, None, patient, ""
    device.save(update_fields=["status", "location", "holder_patient", "reserved_ref", "updated_at"])
    try:
        with transaction.atomic():
            loan = Loan.objects.create(device=device, patient=patient, customer=customer, cost_centre=cost_centre,
                                       started_on=on, source_ref=(ref or "")[:100], loan_type=loan_type,
                                       loan_until=loan_until)
    except IntegrityError:
        raise Conflict(gettext("Individ %(serial)s är redan utlånad.") % {"serial": device.serial}, code="device_on_loan") from None
    audit_record(actor, "stock.deliver_to_patient", device,
                 {"patient_id": patient.pk, "customer_id": customer.pk, "ref": ref, "on": on.isoformat()})
    return loan


@transaction.atomic
def issue(*, article: Article, quantity: int, ref: str = "", actor=None, location: Location | None = None) -> int:
    """Non-tracked units leave stock (delivered or withdrawn). Units reserved for `ref` are
    used first; the rest must be free at the location (default: central). Returns quantity."""
    if article.is_tracked:
        raise ValidationFailed(gettext("Individmärkta artiklar lämnas ut per individ (deliver_to_patient)."))
    quantity = _positive(quantity)
    remaining = quantity
    # Lock the rows this can update — the article's rows at central stock (where reservations are)
    # and at the named location — in the order `stock_lock_for_allocation` uses (article,
    # location, pk), not the article's rows in every location (400 buffer stores at planning scale).
    where = Q(location__kind=Location.Kind.CENTRAL) | (Q(location=location) if location is not None else Q())
    locked = {lv.location_id: lv for lv in StockLevel.objects.select_for_update(of=("self",))
              .filter(where, article=article).select_related("location").order_by("article_id", "location_id", "pk")}
    if location is None or location.kind == Location.Kind.CENTRAL:
        for location_id, condition, held in _reserved_for_ref(article, ref) if ref else []:
            if location is not None and location_id != location.pk:
                continue
            take = min(held, remaining)
            if take:
                level = locked.get(location_id)
                if level is None or level.on_hand < take:
                    raise Conflict(gettext("Lagersaldot räcker inte."), code="insufficient_stock")
                _apply(kind=K.ISSUE, article=article, location=level.location, condition=condition,
                       quantity=-take, reserved=-take, ref=ref, actor=actor, level=level)
                level.on_hand -= take
                level.reserved -= take
                if condition == Condition.REFURBISHED:
                    level.on_hand_refurbished -= take
                    level.reserved_refurbished -= take
                remaining -= take
            if not remaining:
                break
    if remaining:
        location = location or central_location()
        level = locked.get(location.pk)
        free = (level.on_hand - level.reserved) if level else 0
        if free < remaining:
            raise Conflict(gettext("Det finns bara %(max)s %(unit)s lediga i %(location)s.") % {"max": max(free, 0), "unit": article.unit, "location": location},
                           code="insufficient_stock")
        new_free = level.on_hand_new - level.reserved_new
        take_new = min(remaining, max(new_free, 0))
        if take_new:
            _apply(kind=K.ISSUE, article=article, location=location, condition=Condition.NEW, quantity=-take_new,
                   ref=ref, actor=actor, level=level)
        if remaining - take_new:
            _apply(kind=K.ISSUE, article=article, location=location, condition=Condition.REFURBISHED,
                   quantity=-(remaining - take_new), ref=ref, actor=actor, level=level)
    audit_record(actor, "stock.issue", article, {"ref": ref, "quantity": quantity})
    return quantity


DATED_LOAN_TYPES = (LoanType.TIME_LIMITED, LoanType.TRIAL)


def _check_loan_terms(loan_type: str, loan_until) -> None:
    """The shape of a loan's terms (the business rules — dates not in the past, who may change
    them — are ordering's, `ordering.flows.loans`)."""
    if loan_type not in LoanType.values:
        raise ValidationFailed(gettext("Ogiltig låneform."), errors={"loan_type": [gettext("Ogiltig låneform.")]})
    if loan_type in DATED_LOAN_TYPES and loan_until is None:
        raise ValidationFailed(gettext("Låneformen kräver ett datum."), errors={"loan_until": [gettext("Ange ett datum.")]})
    if loan_type == LoanType.PERMANENT and loan_until is not None:
        raise ValidationFailed(gettext("Ett tillsvidarelån har inget slutdatum."), errors={"loan_until": [gettext("Inget datum.")]})


@transaction.atomic
def loan_terms_change(*, loan: Loan, loan_type: str, loan_until: datetime.date | None, actor=None,
                      reason: str = "") -> Loan:
    """Change an open loan's type and date (extend a return date or a trial, convert a trial to
    a permanent loan). The loan row is locked; audited with the old and new terms."""
    loan = Loan.objects.select_for_update(of=("self",)).get(pk=loan.pk)
    if loan.ended_on is not None:
        raise Conflict(gettext("Utlåningen är redan avslutad."), code="loan_ended")
    _check_loan_terms(loan_type, loan_until)
    if loan_until is not None and loan_until < loan.started_on:
        raise ValidationFailed(gettext("Datumet kan inte vara före lånets start."), errors={"loan_until": [gettext("Före start.")]})
    old = {"loan_type": loan.loan_type, "loan_until": loan.loan_until.isoformat() if loan.loan_until else None}
    loan.loan_type, loan.loan_until = loan_type, loan_until
    loan.save(update_fields=["loan_type", "loan_until", "updated_at"])
    audit_record(actor, "stock.loan_terms_changed", loan, {
        "old": old, "loan_type": loan_type, "loan_until": loan_until.isoformat() if loan_until else None,
        "reason": (reason or "")[:300]})
    return loan


LOAN_END_STATUSES = (S.AWAITING_REFURBISHMENT, S.IN_TRANSIT, S.IN_REPAIR, S.SCRAPPED)


@transaction.atomic
def loan_end(*, loan: Loan, on: datetime.date | None = None, reason: str = "", actor=None,
             device_status: str = S.AWAITING_REFURBISHMENT, location: Location | None = None) -> Loan:
    """End a loan (rent stops on `on`). The device leaves the patient and becomes
    `device_status`: awaiting_refurbishment / in_repair (at a refurbishment location),
    in_transit (at the in-transit location) or scrapped (no location). A return movement is
    posted where the device arrives."""
    on = on or timezone.localdate()
    loan = Loan.objects.select_for_update().select_related("device").get(pk=loan.pk)
    if loan.ended_on is not None:
        raise Conflict(gettext("Utlåningen är redan avslutad."), code="loan_ended")
    if on < loan.started_on:
        raise ValidationFailed(gettext("Slutdatum kan inte vara före startdatum."), errors={"on": [gettext("Före startdatum.")]})
    if device_status not in LOAN_END_STATUSES:
        raise ValidationFailed(gettext("Ogiltig status för individen efter utlåning."))
    device = _lock_device(loan.device)
    loan.ended_on, loan.ended_reason = on, (reason or "")[:300]
    loan.save(update_fields=["ended_on", "ended_reason", "updated_at"])
    device.holder_patient = None
    device.status = device_status
    device.reserved_ref = ""
    if device_status == S.SCRAPPED:
        device.location = None
        device.scrapped_reason = (reason or "")[:300]
    else:
        kind = Location.Kind.IN_TRANSIT if device_status == S.IN_TRANSIT else Location.Kind.REFURBISHMENT
        if location is None or location.kind != kind:
            location = _default_location(kind)
        device.location = location
        _apply(kind=K.RETURN, article=device.article, location=location, condition=device.condition, quantity=1,
               device=device, ref=loan.source_ref, actor=actor, note=reason)
    device.save(update_fields=["holder_patient", "status", "location", "reserved_ref", "scrapped_reason",
                               "updated_at"])
    audit_record(actor, "stock.loan_end", loan, {"device": device.serial, "on": on.isoformat(), "reason": reason,
                                                  "device_status": device_status})
    return loan


# --------------------------------------------------------------------------- device moves

_STATUS_FOR_KIND = {
    Location.Kind.CENTRAL: {S.IN_STOCK},
    Location.Kind.BUFFER_STORE: {S.IN_BUFFER_STORE},
    Location.Kind.REFURBISHMENT: {S.AWAITING_REFURBISHMENT, S.IN_REPAIR},
    Location.Kind.IN_TRANSIT: {S.IN_TRANSIT},
}


@transaction.atomic
def device_transfer(*, device: Device, to_location: Location, status: str | None = None,
                    condition: str | None = None, ref: str = "", actor=None) -> Device:
    """Move a device between locations (e.g. picked up → refurbishment; refurbished → central
    stock as `refurbished`; central → buffer store). Posts transfer_out/transfer_in movements.
    Entering central stock or a buffer store sets `available_since` (waiting starts now)."""
    device = _lock_device(device)
    if device.status in (S.ON_LOAN, S.SCRAPPED, S.RESERVED):
        raise Conflict(gettext("Individ %(serial)s kan inte flyttas (status: %(status)s).") % {"serial": device.serial, "status": device.get_status_display()},
                       code="device_not_movable")
    allowed = _STATUS_FOR_KIND[to_location.kind]
    if status is None:
        status = next(iter(allowed)) if len(allowed) == 1 else S.AWAITING_REFURBISHMENT
    if status not in allowed:
        raise ValidationFailed(gettext("Statusen passar inte lagerplatsens typ."), errors={"status": [gettext("Passar inte.")]})
    if condition is not None and condition not in Condition.values:
        raise ValidationFailed(gettext("Okänt skick."), errors={"condition": [gettext("Okänt skick.")]})
    if device.location is not None:
        _apply(kind=K.TRANSFER_OUT, article=device.article, location=device.location, condition=device.condition,
               quantity=-1, device=device, ref=ref, actor=actor)
    from_code = device.location.code if device.location else ""
    device.condition = condition or device.condition
    device.location, device.status = to_location, status
    if status in (S.IN_STOCK, S.IN_BUFFER_STORE):
        device.available_since = timezone.now()
    _apply(kind=K.TRANSFER_IN, article=device.article, location=to_location, condition=device.condition,
           quantity=1, device=device, ref=ref, actor=actor)
    device.save(update_fields=["condition", "location", "status", "available_since", "updated_at"])
    audit_record(actor, "stock.device_transfer", device,
                 {"from": from_code, "to": to_location.code, "status": status, "condition": device.condition})
    return device


@transaction.atomic
def device_scrap(*, device: Device, reason: str, ref: str = "", actor=None) -> Device:
    """Take a device out of use (kassation) with a reason."""
    if not (reason or "").strip():
        raise ValidationFailed(gettext("Ange orsak till kassationen."), errors={"reason": [gettext("Ange orsak.")]})
    device = _lock_device(device)
    if device.status in (S.ON_LOAN, S.SCRAPPED, S.RESERVED):
        raise Conflict(gettext("Individ %(serial)s kan inte kasseras (status: %(status)s).") % {"serial": device.serial, "status": device.get_status_display()},
                       code="device_not_scrappable")
    if device.location is not None:
        _apply(kind=K.SCRAP, article=device.article, location=device.location, condition=device.condition,
               quantity=-1, device=device, ref=ref, actor=actor, note=reason)
    device.status, device.location, device.scrapped_reason = S.SCRAPPED, None, reason.strip()[:300]
    device.save(update_fields=["status", "location", "scrapped_reason", "updated_at"])
    audit_record(actor, "stock.device_scrap", device, {"reason": reason})
    return device


# --------------------------------------------------------------------------- stock count

@transaction.atomic
def adjust(*, location: Location, article: Article, counted: int, ref: str = "", actor=None,
           note: str = "") -> int:
    """Stock count of a non-tracked article: posts an adjustment movement for the difference
    between the counted and the booked quantity (never overwrites). Returns the delta.
    Tracked articles are counted per device (missing devices are scrapped with a reason)."""
    if article.is_tracked:
        raise ValidationFailed(gettext("Individmärkta artiklar inventeras per individ."))
    try:
        counted = int(counted)
    except (TypeError, ValueError):
        counted = -1
    if counted < 0:
        raise ValidationFailed(gettext("Ange räknat antal (0 eller mer)."), errors={"counted": [gettext("Ange 0 eller mer.")]})
    level, _ = _level(location, article)
    level = StockLevel.objects.select_for_update().get(pk=level.pk)
    if counted < level.reserved:
        raise Conflict(gettext("%(reserved)s %(unit)s är reserverade; räknat antal kan inte vara lägre.") % {"reserved": level.reserved, "unit": article.unit},
                       code="count_below_reserved")
    delta = counted - level.on_hand
    if delta:
        # Adjust the new part first when counting down, refurbished last.
        if delta > 0:
            _apply(kind=K.ADJUSTMENT, article=article, location=location, condition=Condition.NEW, quantity=delta,
                   ref=ref, actor=actor, note=note)
        else:
            take_new = min(-delta, max(level.on_hand_new - level.reserved_new, 0))
            if take_new:
                _apply(kind=K.ADJUSTMENT, article=article, location=location, condition=Condition.NEW,
                       quantity=-take_new, ref=ref, actor=actor, note=note)
            if -delta - take_new:
                _apply(kind=K.ADJUSTMENT, article=article, location=location, condition=Condition.REFURBISHED,
                       quantity=delta + take_new, ref=ref, actor=actor, note=note)
    audit_record(actor, "stock.adjust", article,
                 {"location": location.code, "booked": level.on_hand, "counted": counted, "delta": delta})
    return delta


# --------------------------------------------------------------------------- rebuild

@dataclass
class LevelDifference:
    location_id: int
    article_id: int
    field: str
    booked: int
    ledger: int


def ledger_totals() -> dict[tuple[int, int], dict[str, int]]:
    """Per (location, article): the four projection figures summed from the ledger."""
    totals: dict[tuple[int, int], dict[str, int]] = {}
    rows = (StockMovement.objects.values("location_id", "article_id", "condition")
            .annotate(q=Sum("quantity"), r=Sum("reserved_delta")).order_by())
    for row in rows:
        t = totals.setdefault((row["location_id"], row["article_id"]),
                              {"on_hand": 0, "reserved": 0, "on_hand_refurbished": 0, "reserved_refurbished": 0})
        t["on_hand"] += row["q"] or 0
        t["reserved"] += row["r"] or 0
        if row["condition"] == Condition.REFURBISHED:
            t["on_hand_refurbished"] += row["q"] or 0
            t["reserved_refurbished"] += row["r"] or 0
    return totals


@transaction.atomic
def rebuild_levels(*, fix: bool = False, actor=None) -> list[LevelDifference]:
    """Compare the projection (and ArticleAvailability) with the ledger; with `fix`, overwrite
    the projection with the ledger's figures. Returns every difference found."""
    totals = ledger_totals()
    levels = {(lv.location_id, lv.article_id): lv for lv in StockLevel.objects.select_for_update()}
    diffs: list[LevelDifference] = []
    zero = {"on_hand": 0, "reserved": 0, "on_hand_refurbished": 0, "reserved_refurbished": 0}
    for key in sorted(set(totals) | set(levels)):
        want = totals.get(key, zero)
        level = levels.get(key)
        have = {f: getattr(level, f) for f in zero} if level else zero
        changed = [f for f in zero if have[f] != want[f]]
        for f in changed:
            diffs.append(LevelDifference(key[0], key[1], f, have[f], want[f]))
        if fix and changed:
            if level is None:
                StockLevel.objects.create(location_id=key[0], article_id=key[1], **want)
            else:
                StockLevel.objects.filter(pk=level.pk).update(**want, updated_at=timezone.now())
    # Availability at central locations.
    central = set(Location.objects.filter(kind=Location.Kind.CENTRAL, is_active=True).values_list("pk", flat=True))
    avail: dict[int, tuple[int, int]] = {}
    for (loc_id, art_id), t in totals.items():
        if loc_id in central:
            n, r = avail.get(art_id, (0, 0))
            new_free = (t["on_hand"] - t["on_hand_refurbished"]) - (t["reserved"] - t["reserved_refurbished"])
            avail[art_id] = (n + new_free, r + t["on_hand_refurbished"] - t["reserved_refurbished"])
    existing = {a.article_id: a for a in ArticleAvailability.objects.select_for_update()}
    for art_id in sorted(set(avail) | set(existing)):
        n, r = avail.get(art_id, (0, 0))
        row = existing.get(art_id)
        have = (row.qty_new, row.qty_refurbished) if row else (0, 0)
        if have != (n, r):
            if have[0] != n:
                diffs.append(LevelDifference(0, art_id, "availability.qty_new", have[0], n))
            if have[1] != r:
                diffs.append(LevelDifference(0, art_id, "availability.qty_refurbished", have[1], r))
            if fix:
                ArticleAvailability.objects.update_or_create(article_id=art_id,
                                                             defaults={"qty_new": n, "qty_refurbished": r})
    if fix and diffs:
        audit_record(actor, "stock.rebuild_fix", None, {"differences": len(diffs)}, object_type="stock.stocklevel")
    return diffs
