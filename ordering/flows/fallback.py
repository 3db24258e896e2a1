"""Late entry of paper orders (efterregistrering, the fallback routine of issue 16, seed 003).

While Lyfta is down and a notice says the fallback routine is in force, urgent customer orders
are written on the paper form (`operations/fallback_forms.py`) and sent to the supply centre.
When Lyfta is back a supply handler (`Perm.FALLBACK_ENTER`) enters each paper order afterwards:

- the order is a normal customer order of the paper's unit and customer, written by
  `order_create` with the customer flow's own checks (articles, tracked articles, accessories,
  delivery, prescribing rights), born *submitted* (it never was a draft in Lyfta) — the handler
  then confirms it like any other;
- its time is the paper's: the creation event's `at`, `Order.created_at` and
  `Order.submitted_at` are the date and time written on the paper, so every service-level figure
  counts from then (the contract with `operations.statistics`); `data["entered_at"]` on the event
  (and `extra["fallback"]["entered_at"]`) says when it was typed in, and by whom;
- `Order.is_fallback = True`, shown as "Reservrutin" wherever an order shows;
- who signed the paper (as written) and, when that person has an account with a customer role
  at the unit, the orderer (who then gets the order's messages);
- the scan of the paper (PDF, PNG or JPEG, checked by extension and content) as an attachment.

The paper's time must not be in the future (a few minutes of clock skew allowed) nor older than
`LYFTA_FALLBACK_MAX_AGE_DAYS` (default 30): older paper is a case for the supply admin, not a late
entry. The webhook outbox row of the creation is written as the order is created, so its
`occurred_at` is the entry time; the order event (the truth the figures read) has the paper's."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from access.models import DeliveryPoint, RoleAssignment, Unit
from access.roles import CUSTOMER_ROLES, Perm, Role
from audit.services import audit_record
from core.errors import ValidationFailed, field_error
from core.transactions import entry_point

from .. import pricing
from ..models import CustomerOrderKind, Order, OrderAttachment, OrderEvent, OrderStatus, OrderType, Priority
from ..transitions import actor_fields
from . import prescribing
from .core import NOTE_MAX, clean_priority, clean_quantity, clean_text, order_create
from .customer import (
    _apply_delivery,
    _articles_by_number,
    _insert_lines,
    _plan_lines,
    _require_direct,
    check_kind_allows,
    get_orderable_article,
)

S = OrderStatus
CLOCK_SKEW = dt.timedelta(minutes=5)
ENTRY_KINDS = (CustomerOrderKind.TO_PATIENT, CustomerOrderKind.TO_UNIT)


def max_age_days() -> int:
    return int(getattr(settings, "LYFTA_FALLBACK_MAX_AGE_DAYS", 30))


@dataclass
class LateEntryInput:
    """What the paper says. `lines`: [(article number, quantity)] in the paper's order."""

    paper_at: dt.datetime | str | None
    signed_by: str
    unit_hsa_id: str
    kind: str = CustomerOrderKind.TO_PATIENT
    patient_identity: str = ""
    lines: list[tuple[str, object]] = field(default_factory=list)
    priority: str = Priority.URGENT
    delivery_point_id: int | None = None
    contact_name: str = ""
    contact_phone: str = ""
    note: str = ""
    orderer: str = ""  # username or HSA-id of the signer's account, if any


def clean_paper_at(value, *, now: dt.datetime | None = None) -> dt.datetime:
    """The paper's date and time to the minute: aware (a naive one is local time), not in the
    future, not older than `max_age_days()`."""
    now = now or timezone.now()
    if value in (None, ""):
        field_error("paper_at", _("Ange datum och klockslag från pappersblanketten."))
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            field_error("paper_at", _("Ogiltigt datum och klockslag (ÅÅÅÅ-MM-DD TT:MM)."))
    if not isinstance(value, dt.datetime):
        field_error("paper_at", _("Ogiltigt datum och klockslag (ÅÅÅÅ-MM-DD TT:MM)."))
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    value = value.replace(second=0, microsecond=0)  # the paper says hours and minutes
    if value > now + CLOCK_SKEW:
        field_error("paper_at", _("Blankettens tid får inte ligga i framtiden."))
    if value < now - dt.timedelta(days=max_age_days()):
        field_error("paper_at", _("Blanketten är äldre än %(max_age_days)s dagar och kan inte efterregistreras. Kontakta HMC:s administratör.") % {"max_age_days": max_age_days()})
    return value


def clean_scan(upload) -> tuple[str, str, int]:
    """(name, content type, size) of the paper's scan: PDF, PNG or JPEG, by extension and content."""
    from .core import clean_upload

    return clean_upload(upload, "scan", missing="Bifoga den inskannade blanketten.")


def _unit(hsa_id: str) -> Unit:
    hsa_id = (hsa_id or "").strip()
    if not hsa_id:
        field_error("unit_hsa_id", _("Ange den beställande enhetens HSA-id från blanketten."))
    unit = Unit.objects.select_related("organisation").filter(
        hsa_id__iexact=hsa_id[:64], is_active=True, organisation__is_active=True).first()
    if unit is None or not unit.organisation.is_customer:
        field_error("unit_hsa_id", _("Det finns ingen aktiv kundenhet med det HSA-id:t."))
    return unit


def parse_lines(text: str) -> list[tuple[str, str]]:
    """The paper's articles typed one per line, "artikelnummer antal" (antal optional: 1); a
    dash or semicolon may separate them ("12345 – 2"). Field errors on `lines`."""
    rows = []
    for n, raw in enumerate((text or "").splitlines(), start=1):
        parts = raw.replace(";", " ").replace("–", " ").replace(",", " ").split()
        if not parts:
            continue
        if len(parts) > 2:
            field_error("lines", _("Rad %(n)s: skriv artikelnummer och antal, t.ex. \"12345 2\".") % {"n": n})
        rows.append((parts[0], parts[1] if len(parts) == 2 else "1"))
    if len(rows) > 100:
        field_error("lines", _("Högst 100 artiklar."))
    return rows


def _orderer(unit: Unit, who: str):
    """(orderer, prescriber) for the signer's account at the unit, or (None, None)."""
    from django.db.models import Q

    who = (who or "").strip()
    if not who:
        return None, None
    if len(who) > 150:
        field_error("orderer", _("Ange användarnamn eller HSA-id (högst 150 tecken)."))
    rows = list(RoleAssignment.objects.filter(unit=unit, role__in=CUSTOMER_ROLES, user__is_active=True).filter(
        Q(user__username__iexact=who) | Q(user__hsa_id__iexact=who)).select_related("user")[:20])
    users = {r.user_id: r.user for r in rows}
    if len(users) != 1:
        field_error("orderer", _("Det finns ingen aktiv användare med det användarnamnet eller HSA-id:t och en roll "
                               "vid enheten. Lämna fältet tomt om undertecknaren saknar konto."))
    user = next(iter(users.values()))
    return user, (user if any(r.role == Role.PRESCRIBER for r in rows) else None)


def _patient(principal, unit: Unit, identity: str):
    from patients.selectors import patient_find_by_identity

    identity = (identity or "").strip()
    if not identity:
        field_error("patient_identity", _("Ange patientens personnummer eller reservnummer."))
    try:
        patient = patient_find_by_identity(principal, identity, view="fallback_late_entry")
    except ValidationFailed as exc:
        field_error("patient_identity", exc.message)
    if patient is None or patient.customer_id != unit.organisation_id:
        field_error("patient_identity", _("Patienten finns inte hos enhetens kund."))
    return patient


def _delivery_point(unit: Unit, point_id) -> DeliveryPoint:
    qs = DeliveryPoint.objects.filter(is_active=True, unit__organisation_id=unit.organisation_id)
    if point_id:
        try:
            point = qs.filter(pk=int(point_id)).first()
        except (TypeError, ValueError):
            point = None
    else:
        point = qs.filter(unit=unit).order_by("pk").first()
    if point is None:
        field_error("delivery_point_id", _("Välj en leveranspunkt hos kunden (enheten har ingen)."))
    return point


@entry_point
def order_late_enter(principal, data: LateEntryInput, scan) -> Order:
    """Enter a paper order afterwards (see the module docstring). Everything is checked before
    the first write; a refused entry writes nothing."""
    principal.require(Perm.FALLBACK_ENTER)
    if not principal.is_supply or principal.user is None:
        raise ValidationFailed(_("Endast Hjälpmedelscentralens handläggare kan efterregistrera."), code="not_supply")
    now = timezone.now()
    paper_at = clean_paper_at(data.paper_at, now=now)
    signed_by = clean_text(data.signed_by, "signed_by", 200, _("Undertecknad av"), required=True)
    if data.kind not in ENTRY_KINDS:
        field_error("kind", _("Välj beställningstyp."))
    unit = _unit(data.unit_hsa_id)
    orderer, prescriber = _orderer(unit, data.orderer)
    patient = _patient(principal, unit, data.patient_identity) if data.kind == CustomerOrderKind.TO_PATIENT else None
    if not data.lines:
        field_error("lines", _("Ange minst en artikel från blanketten."))
    articles = _articles_by_number([number for number, _q in data.lines])
    cleaned = []
    for i, (number, quantity) in enumerate(data.lines):
        article = get_orderable_article(number, f"lines.{i}.article_number", known=articles)
        check_kind_allows(article, data.kind, f"lines.{i}.article_number")
        cleaned.append((article, clean_quantity(quantity, f"lines.{i}.quantity"), None))
    name, content_type, size = clean_scan(scan)

    order = Order(order_type=OrderType.CUSTOMER, kind=data.kind, status=S.SUBMITTED, customer_id=unit.organisation_id,
                  unit=unit, cost_centre_id=unit.default_cost_centre_id, patient=patient, orderer=orderer,
                  prescriber=prescriber if patient is not None else None, is_fallback=True)
    order.priority = clean_priority(data.priority)
    order.urgent_fee = pricing.urgent_fee() if order.priority == Priority.URGENT else None
    order.contact_name = clean_text(data.contact_name, "contact_name", 120, _("Kontaktperson"))
    order.contact_phone = clean_text(data.contact_phone, "contact_phone", 30, _("Telefon"))
    order.note = clean_text(data.note, "note", NOTE_MAX, _("Meddelandet"))
    if patient is not None:
        _apply_delivery(order, "", None)
    else:
        point = _delivery_point(unit, data.delivery_point_id)
        _apply_delivery(order, "delivery_point", point.pk)
    decision = prescribing.check_lines(order, [(f"lines.{i}.article_number", a, q) for i, (a, q, _m) in
                                               enumerate(cleaned)])
    lines = _plan_lines(order, cleaned)
    # Promised from the paper's day, as if the order had reached Lyfta then (it may be past already).
    order.promised_date = pricing.promised_date([ln.article for ln in lines], urgent=order.is_urgent,
                                                today=timezone.localdate(paper_at))
    entered = {"paper_at": paper_at.isoformat(), "entered_at": now.isoformat(),
               "entered_by": actor_fields(principal)["actor_label"], "signed_by": signed_by}
    event_data = {**entered, "fallback": True, "promised_date": str(order.promised_date),
                  "entered_local": timezone.localtime(now).strftime("%Y-%m-%d %H:%M")}
    if decision is not None:
        _require_direct(decision)
        event_data["prescribing"] = decision
        order.extra = {"prescribing": decision}
    order.extra = {**(order.extra or {}), "fallback": entered}
    order.submitted_at = paper_at
    order_create(order, principal, event_data=event_data, audit_action="order.fallback_entered",
                 audit_data={"paper_at": entered["paper_at"], "signed_by": signed_by, "status": order.status})
    _insert_lines(lines)
    # The paper's time is the order's: created_at (auto_now_add) and the event's at (auto_now_add)
    # are set to it after the insert; entered_at stays in the event's data.
    Order.objects.filter(pk=order.pk).update(created_at=paper_at)
    OrderEvent.objects.filter(order=order).update(at=paper_at)
    order.created_at = paper_at
    att = OrderAttachment(order=order, name=name, content_type=content_type, size=size,
                          uploaded_by_label=principal.label[:200])
    att.file.save(name, scan, save=False)
    att.save()
    order.extra["fallback"]["attachment_id"] = att.pk
    Order.objects.filter(pk=order.pk).update(extra=order.extra)
    audit_record(principal, "order.attachment_added", order, {"name": name, "size": size, "fallback": True})
    order._created_lines = lines
    return order

