"""Shared pieces of the service order types (work orders, pickups, fault reports): the state
machines (registered in `ordering.transitions`), the order header for a patient, attachments
and small validators."""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from access.roles import Perm
from audit.services import audit_record
from core.errors import IllegalTransition, NotFound, ValidationFailed, field_error
from core.numbering import next_number

from .models import ORDER_PREFIX, Order, OrderEvent, OrderStatus, OrderType, Priority
from .selectors import patient_for_view  # noqa: F401  (service views use it from here)
from .services import (  # noqa: F401  (shared with customer orders; service modules use them from here)
    clean_text, patient_for_order, patient_visible, require_orderer, resolve_unit,
)
from .service_models import OrderAttachment
from .transitions import CUSTOMER, SUPPLY, record_event, register_moves

S = OrderStatus
OPEN_WORK = (S.DRAFT, S.SUBMITTED, S.ACCEPTED, S.IN_PROGRESS)
OPEN_PICKUP = (S.SUBMITTED, S.PLANNED, S.PICKED_UP)
OPEN_FAULT = (S.REGISTERED, S.INVESTIGATING, S.ANSWERED)

WORK_MOVES = {
    (S.DRAFT, S.SUBMITTED): CUSTOMER,
    (S.SUBMITTED, S.ACCEPTED): SUPPLY,
    (S.ACCEPTED, S.IN_PROGRESS): SUPPLY,
    (S.IN_PROGRESS, S.COMPLETED): SUPPLY,
    (S.SUBMITTED, S.CANCELLED): SUPPLY,
    (S.ACCEPTED, S.CANCELLED): SUPPLY,
}
PICKUP_MOVES = {
    (S.SUBMITTED, S.PLANNED): SUPPLY,
    (S.PLANNED, S.PICKED_UP): SUPPLY,
    (S.PICKED_UP, S.RECEIVED): SUPPLY,
    (S.SUBMITTED, S.CANCELLED): SUPPLY,
    (S.PLANNED, S.CANCELLED): SUPPLY,
}
FAULT_MOVES = {
    (S.REGISTERED, S.INVESTIGATING): SUPPLY,
    (S.INVESTIGATING, S.ANSWERED): SUPPLY,
    (S.ANSWERED, S.CLOSED): SUPPLY,
}
REFUSED = {
    S.ACCEPTED: "Ordern kan inte accepteras när den är {status}.",
    S.IN_PROGRESS: "Arbetet kan inte påbörjas när ordern är {status}.",
    S.COMPLETED: "Ordern kan inte avslutas när den är {status}.",
    S.PLANNED: "Hämtningen kan inte planeras när ordern är {status}.",
    S.PICKED_UP: "Hämtningen kan inte registreras när ordern är {status}.",
    S.RECEIVED: "Ordern kan inte tas emot när den är {status}.",
    S.INVESTIGATING: "Utredningen kan inte påbörjas när rapporten är {status}.",
    S.ANSWERED: "Rapporten kan inte besvaras när den är {status}.",
    S.CLOSED: "Rapporten kan inte stängas när den är {status}.",
}
register_moves(OrderType.WORK, WORK_MOVES, REFUSED)
register_moves(OrderType.PICKUP, PICKUP_MOVES, REFUSED)
register_moves(OrderType.FAULT, FAULT_MOVES, REFUSED)

TEXT_MAX = 4000
REASON_MAX = 1000


def kind_label(order) -> str:
    from .service_models import FaultKind, WorkKind

    for choices in (WorkKind, FaultKind):
        if order.kind in choices.values:
            return str(choices(order.kind).label)
    return "Hämtorder" if order.order_type == OrderType.PICKUP else order.kind


# --------------------------------------------------------------------------- validation


fail = field_error


def clean_date(value, field_name: str, *, past_ok: bool = True, future_ok: bool = True,
               required: bool = False) -> dt.date | None:
    if value in (None, ""):
        if required:
            fail(field_name, "Ange ett datum.")
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            fail(field_name, "Ogiltigt datum (ÅÅÅÅ-MM-DD).")
    if not isinstance(value, dt.date):
        fail(field_name, "Ogiltigt datum (ÅÅÅÅ-MM-DD).")
    today = timezone.localdate()
    if not past_ok and value < today:
        fail(field_name, "Datumet får inte ligga bakåt i tiden.")
    if not future_ok and value > today:
        fail(field_name, "Datumet får inte ligga i framtiden.")
    if value > today + dt.timedelta(days=3 * 365) or value < dt.date(2000, 1, 1):
        fail(field_name, "Datumet är orimligt.")
    return value


def clean_choice(value, choices, field_name: str, message: str) -> str:
    if value not in choices.values:
        fail(field_name, message)
    return value


def clean_reason(reason) -> str:
    return clean_text(reason, "reason", REASON_MAX, "Orsak", required=True)


# --------------------------------------------------------------------------- who


def require_supply(principal, perm: str) -> None:
    principal.require(perm)
    if not principal.is_supply:
        raise NotFound("Ordern finns inte.")


def new_order(principal, order_type: str, *, kind: str, status: str, patient=None, unit_id=None,
              priority: str = Priority.NORMAL, requested_date=None, note: str = "", contact_name: str = "",
              contact_phone: str = "") -> Order:
    """A new (unsaved → saved) service order header for the principal's unit/customer."""
    unit = resolve_unit(principal, unit_id)
    customer_id = unit.organisation_id if unit is not None else principal.primary_customer_id
    if priority not in Priority.values:
        fail("priority", "Ogiltig prioritet.")
    user = principal.user
    order = Order(
        number=next_number(ORDER_PREFIX[order_type]), order_type=order_type, kind=kind, status=status,
        customer_id=customer_id, unit=unit, cost_centre=unit.default_cost_centre if unit is not None else None,
        orderer=user, prescriber=user if (user is not None and "prescriber" in principal.roles) else None,
        created_by_client=principal.client, patient=patient, priority=priority,
        requested_date=requested_date, note=clean_text(note, "note", 2000, "Meddelandet"),
        contact_name=clean_text(contact_name, "contact_name", 120, "Kontaktperson"),
        contact_phone=clean_text(contact_phone, "contact_phone", 30, "Telefon"),
    )
    if patient is not None:
        which = "stay" if patient.stay_street else "registered"
        order.delivery_to = f"{which}_address"
        order.delivery_street = getattr(patient, f"{which}_street", "")
        order.delivery_postal_code = getattr(patient, f"{which}_postal_code", "")
        order.delivery_city = getattr(patient, f"{which}_city", "")
        order.delivery_protected = bool(patient.protected_identity)
    if status != S.DRAFT:
        order.submitted_at = timezone.now()
    order.save()
    record_event(order, principal, event_type=OrderEvent.Type.TRANSITION, to_status=status)
    audit_record(principal, f"order.{order_type}.created", order, {"status": status, "kind": kind})
    return order


def service_order_for_customer(principal, order_id, order_type: str, *, lock: bool = False) -> Order:
    qs = Order.objects.select_for_update(of=("self",)) if lock else Order.objects
    try:
        order = qs.filter(pk=int(order_id), order_type=order_type).first()
    except (TypeError, ValueError):
        order = None
    if order is None or (principal.is_supply and order.status == S.DRAFT):
        raise NotFound("Ordern finns inte.")
    principal.require_customer(order.customer_id)
    return order


def lock_service_order(order_id, order_type: str) -> Order:
    """Supply side: the order locked; drafts are the customer's own business (404)."""
    from .transitions import lock_order

    order = lock_order(int(order_id), order_type=order_type)
    if order.status == S.DRAFT:
        raise NotFound("Ordern finns inte.")
    return order


# --------------------------------------------------------------------------- attachments

ATTACHMENT_TYPES = {
    ".pdf": ("application/pdf", (b"%PDF",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
}
MAX_ATTACHMENTS = 10


def attachment_max_bytes() -> int:
    return int(getattr(settings, "LYFTA_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024))


@transaction.atomic
def attachment_add(principal, order_id, upload, *, order_type: str = OrderType.WORK) -> OrderAttachment:
    """Attach a document (PDF, PNG, JPEG; size limit) to the customer's own service order."""
    import os

    order = service_order_for_customer(principal, order_id, order_type, lock=True)
    if not principal.is_supply:
        require_orderer(principal)
    if order.status in (S.COMPLETED, S.CANCELLED, S.CLOSED, S.RECEIVED):
        raise IllegalTransition("Ordern är avslutad; bilagor kan inte läggas till.")
    if upload is None:
        fail("file", "Välj en fil.")
    name = os.path.basename(getattr(upload, "name", "") or "")[:200]
    ext = os.path.splitext(name)[1].lower()
    if ext not in ATTACHMENT_TYPES:
        fail("file", "Endast PDF, PNG och JPEG kan bifogas.")
    size = getattr(upload, "size", 0) or 0
    if size <= 0:
        fail("file", "Filen är tom.")
    limit = attachment_max_bytes()
    if size > limit:
        fail("file", f"Filen är för stor (högst {limit // (1024 * 1024)} MB).")
    content_type, magics = ATTACHMENT_TYPES[ext]
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(m) for m in magics):
        fail("file", "Filens innehåll stämmer inte med filtypen.")
    if order.attachments.count() >= MAX_ATTACHMENTS:
        fail("file", f"En order kan ha högst {MAX_ATTACHMENTS} bilagor.")
    att = OrderAttachment(order=order, name=name, content_type=content_type, size=size,
                          uploaded_by_label=principal.label[:200])
    att.file.save(name, upload, save=False)
    att.save()
    record_event(order, principal, event_type=OrderEvent.Type.NOTE, from_status=order.status, to_status=order.status,
                 data={"attachment": name})
    audit_record(principal, "order.attachment_added", order, {"name": name, "size": size})
    return att


def attachment_for(principal, attachment_id) -> OrderAttachment:
    att = OrderAttachment.objects.select_related("order").filter(pk=attachment_id).first()
    if att is None or (principal.is_supply and att.order.status == S.DRAFT):
        raise NotFound("Bilagan finns inte.")
    principal.require_customer(att.order.customer_id)
    return att
