"""The shared core of every order kind: validation, who may act, locking, `order_create`,
messages to the orderer, cancellation with notice and attachments."""
from __future__ import annotations

import datetime as dt
import os

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from access.models import Unit
from access.roles import Perm
from audit.services import audit_record, audit_record_many
from core.errors import IllegalTransition, NotFound, ValidationFailed, field_error
from core.message_text import Text, merged_params
from core.numbering import next_number
from core.transactions import entry_point

from ..events import events_recorded
from ..models import ORDER_PREFIX, Message, Order, OrderAttachment, OrderEvent, OrderStatus, OrderType, Priority
from ..transitions import check_move, event_row, lock_order, record_event

S = OrderStatus
OPEN_WORK = (S.DRAFT, S.SUBMITTED, S.ACCEPTED, S.IN_PROGRESS)
OPEN_PICKUP = (S.SUBMITTED, S.PLANNED, S.PICKED_UP)
OPEN_FAULT = (S.REGISTERED, S.INVESTIGATING, S.ANSWERED)
CLOSED_STATUSES = (S.COMPLETED, S.CANCELLED, S.CLOSED, S.RECEIVED, S.DELIVERED, S.WITHDRAWN)

MAX_QUANTITY = 999
NOTE_MAX = 2000
TEXT_MAX = 4000
REASON_MAX = 1000

fail = field_error


# --------------------------------------------------------------------------- validation


def clean_quantity(value, field_name: str = "quantity") -> int:
    try:
        qty = int(value)
    except (TypeError, ValueError):
        fail(field_name, _("Antal måste vara ett heltal."))
    if isinstance(value, float) and value != int(value):
        fail(field_name, _("Antal måste vara ett heltal."))
    if qty < 1:
        fail(field_name, _("Antal måste vara minst 1."))
    if qty > MAX_QUANTITY:
        fail(field_name, _("Antal får vara högst %(max_quantity)s.") % {"max_quantity": MAX_QUANTITY})
    return qty


def clean_text(value, field_name: str, max_len: int, label: str, *, required: bool = False) -> str:
    value = (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()
    if required and not value:
        fail(field_name, _("Ange %(label)s.") % {"label": label.lower()})
    if len(value) > max_len:
        fail(field_name, _("%(label)s får vara högst %(max_len)s tecken.") % {"label": label, "max_len": max_len})
    return value


def clean_future_date(value, field_name: str = "requested_date", *, max_days: int = 3 * 365) -> dt.date | None:
    """A date from today up to `max_days` ahead (None when empty)."""
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            fail(field_name, _("Ogiltigt datum (ÅÅÅÅ-MM-DD)."))
    if isinstance(value, dt.datetime):
        value = value.date()
    if value < timezone.localdate():
        fail(field_name, _("Datumet får inte ligga bakåt i tiden."))
    if value > timezone.localdate() + dt.timedelta(days=max_days):
        fail(field_name, _("Datumet ligger för långt fram."))
    return value


def clean_date(value, field_name: str, *, past_ok: bool = True, future_ok: bool = True,
               required: bool = False) -> dt.date | None:
    if value in (None, ""):
        if required:
            fail(field_name, _("Ange ett datum."))
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            fail(field_name, _("Ogiltigt datum (ÅÅÅÅ-MM-DD)."))
    if not isinstance(value, dt.date):
        fail(field_name, _("Ogiltigt datum (ÅÅÅÅ-MM-DD)."))
    today = timezone.localdate()
    if not past_ok and value < today:
        fail(field_name, _("Datumet får inte ligga bakåt i tiden."))
    if not future_ok and value > today:
        fail(field_name, _("Datumet får inte ligga i framtiden."))
    if value > today + dt.timedelta(days=3 * 365) or value < dt.date(2000, 1, 1):
        fail(field_name, _("Datumet är orimligt."))
    return value


def clean_choice(value, choices, field_name: str, message: str) -> str:
    if value not in choices.values:
        fail(field_name, message)
    return value


def clean_reason(reason, field_name: str = "reason") -> str:
    """A required reason (cancellation, delay), at most REASON_MAX characters."""
    return clean_text(reason, field_name, REASON_MAX, _("Orsak"), required=True)


def clean_priority(priority: str) -> str:
    if priority not in Priority.values:
        fail("priority", _("Ogiltig prioritet."))
    return priority


# --------------------------------------------------------------------------- who may act


def require_orderer(principal) -> None:
    """Only a customer's users and clients order (customer orders and service orders alike)."""
    principal.require(Perm.ORDER_CREATE)
    if principal.is_supply or not principal.customer_ids:
        raise ValidationFailed(_("Endast kundens användare kan beställa."), code="not_customer")


def require_supply(principal, perm: str) -> None:
    """A supply-centre permission; customer-side principals do not see the order at all (404)."""
    principal.require(perm)
    if not principal.is_supply:
        raise NotFound(_("Ordern finns inte."))


def resolve_unit(principal, unit_id: int | None = None, *, required: bool = True) -> Unit | None:
    """The ordering unit. Given: must be active and the principal's (a user's own unit, a system
    client's organisation). Not given: a user's first unit; a system client's organisation's only
    active unit. A system client of an organisation with several units must name one: refused
    (`unit_id`) when none can be determined, unless `required` is false (then None)."""
    # Only the columns an order needs (its cost centre by id): this runs on every order created.
    qs = Unit.objects.only("id", "organisation_id", "default_cost_centre_id", "is_active", "name")
    if unit_id:
        try:  # get(): a primary key needs no ORDER BY (Unit's default ordering joins the organisation)
            unit = qs.get(pk=unit_id, is_active=True)
        except (Unit.DoesNotExist, ValueError, TypeError):
            unit = None
        ok = unit is not None and (
            unit.pk in principal.unit_ids if principal.user is not None
            else unit.organisation_id in principal.customer_ids
        )
        if not ok:
            fail("unit_id", _("Enheten finns inte eller tillhör inte dig."))
        return unit
    if principal.user is not None and principal.unit_ids:
        return qs.filter(pk__in=principal.unit_ids).order_by("pk").first()
    if principal.user is None and principal.client is not None and principal.customer_ids:
        units = list(qs.filter(organisation_id__in=principal.customer_ids, is_active=True).order_by("pk")[:2])
        if len(units) == 1:
            return units[0]
    if required:
        fail("unit_id", _("Ange beställande enhet (unit_id): den kan inte bestämmas för den här klienten."))
    return None


def resolve_orderer(principal, unit: Unit | None, *, hsa_id: str = "", username: str = ""):
    """(orderer, prescriber) of a new order: users for a logged-in user, user ids for a system client. A logged-in user orders themselves (prescriber when
    they hold the role). A system client must name the orderer (`orderer_hsa_id` or
    `orderer_username`): an active user holding a customer role at the ordering unit; refused
    (`orderer`) otherwise, so every order's messages reach a person."""
    from access.models import RoleAssignment
    from access.roles import CUSTOMER_ROLES, Role

    if principal.user is not None:
        user = principal.user
        return user, (user if "prescriber" in principal.roles else None)
    hsa_id = (hsa_id or "").strip()
    username = (username or "").strip()
    if not hsa_id and not username:
        fail("orderer", _("Ange beställaren (orderer_hsa_id eller orderer_username)."))
    if unit is None:
        fail("unit_id", _("Ange beställande enhet (unit_id)."))
    # One join, ids only (the order refers to its orderer by id; nothing else of the user is needed).
    qs = RoleAssignment.objects.filter(unit=unit, role__in=CUSTOMER_ROLES, user__is_active=True)
    if hsa_id:
        qs = qs.filter(user__hsa_id=hsa_id)
    if username:
        qs = qs.filter(user__username=username)
    roles = list(qs.values_list("user_id", "role")[:20])
    user_ids = {user_id for user_id, _role in roles}
    if len(user_ids) != 1:
        fail("orderer", _("Beställaren finns inte som aktiv användare med en roll på den beställande enheten."))
    user_id = next(iter(user_ids))
    return user_id, (user_id if any(role == Role.PRESCRIBER for _uid, role in roles) else None)


def patient_visible(principal, patient) -> bool:
    from patients.selectors import can_view_patient

    return can_view_patient(principal, patient)


# What a new order reads of its patient (visibility and the delivery address).
ORDER_PATIENT_COLUMNS = ("id", "customer_id", "protected_identity", "registered_street", "registered_postal_code",
                         "registered_city", "stay_street", "stay_postal_code", "stay_city", "deceased_on")


def patient_for_order(principal, patient_id: int, *, columns: tuple[str, ...] | None = None):
    """The patient if the principal's customer may order for them; otherwise 404. `columns`:
    load only those (the rest loads on access)."""
    from patients.models import Patient

    try:
        qs = Patient.objects.only(*columns) if columns else Patient.objects
        patient = qs.get(pk=patient_id)
    except (Patient.DoesNotExist, ValueError, TypeError):
        patient = None
    if patient is None or not patient_visible(principal, patient):
        raise NotFound(_("Patienten finns inte."))
    return patient


# --------------------------------------------------------------------------- finding and locking


def order_for_customer(principal, order_id, order_type: str = OrderType.CUSTOMER, *, lock: bool = False) -> Order:
    """An order of `order_type` the principal's customer owns (404 otherwise); the supply centre
    never sees a customer's drafts. `lock`: the row locked for the rest of the transaction."""
    qs = Order.objects.select_for_update(of=("self",)) if lock else Order.objects
    try:
        order = qs.filter(pk=int(order_id), order_type=order_type).first()
    except (TypeError, ValueError):
        order = None
    if order is None or (principal.is_supply and order.status == S.DRAFT):
        raise NotFound(_("Ordern finns inte."))
    principal.require_customer(order.customer_id)
    return order


def order_lock_for_supply(order_id, order_type: str) -> Order:
    """Supply side: the order row locked; drafts are the customer's own business (404)."""
    try:
        order = lock_order(int(order_id), order_type=order_type)
    except (TypeError, ValueError):
        raise NotFound(_("Ordern finns inte.")) from None
    if order.status == S.DRAFT:
        raise NotFound(_("Ordern finns inte."))
    return order


# --------------------------------------------------------------------------- creating


def order_header(principal, order_type: str, *, kind: str, status: str, patient=None, unit_id=None,
                 priority: str = Priority.NORMAL, requested_date=None, note: str = "", contact_name: str = "",
                 contact_phone: str = "", delivery_from_patient: bool = True, unit: Unit | None = None,
                 orderer_hsa_id: str = "", orderer_username: str = "") -> Order:
    """An unsaved order header for the principal's unit and customer (nothing is written):
    unit, customer, cost centre (the unit's), orderer, prescriber, API client, patient and, for
    service orders, the patient's address as the place of the job. `unit`: already resolved.
    A system client names the orderer (`orderer_hsa_id`/`orderer_username`, see `resolve_orderer`)."""
    unit = unit if unit is not None else resolve_unit(principal, unit_id)
    orderer, prescriber = resolve_orderer(principal, unit, hsa_id=orderer_hsa_id, username=orderer_username)
    order = Order(
        order_type=order_type, kind=kind, status=status,
        customer_id=unit.organisation_id if unit is not None else principal.primary_customer_id, unit=unit,
        cost_centre_id=unit.default_cost_centre_id if unit is not None else None,
        created_by_client=principal.client, patient=patient, priority=clean_priority(priority),
        requested_date=requested_date, note=clean_text(note, "note", NOTE_MAX, _("Meddelandet")),
        contact_name=clean_text(contact_name, "contact_name", 120, _("Kontaktperson")),
        contact_phone=clean_text(contact_phone, "contact_phone", 30, _("Telefon")),
    )
    if principal.user is not None:
        order.orderer, order.prescriber = orderer, prescriber
    else:  # ids: the client's orderer is not loaded (nothing of the user is needed to create the order)
        order.orderer_id, order.prescriber_id = orderer, prescriber
    if patient is not None and delivery_from_patient:
        which = "stay" if patient.stay_street else "registered"
        order.delivery_to = f"{which}_address"
        order.delivery_street = getattr(patient, f"{which}_street", "")
        order.delivery_postal_code = getattr(patient, f"{which}_postal_code", "")
        order.delivery_city = getattr(patient, f"{which}_city", "")
        order.delivery_protected = bool(patient.protected_identity)
    return order


def order_create(order: Order, actor, *, moves=(), event_data: dict | None = None, audit_action: str = "",
                 audit_data: dict | None = None) -> Order:
    """Write a new order (an unsaved `Order` of any kind, e.g. from `order_header`) and its
    first event, in the caller's transaction. The first event enters the order's initial status;
    `moves` ([(to_status, data)]) are further moves made at once (create-and-submit), each checked
    against the kind's move table. One insert for the order, one for its events, one for the
    audit rows. The only place a new order is written."""
    if order.pk is not None:
        raise RuntimeError("order_create writes new orders only")
    initial = order.status
    events = [event_row(order, actor, event_type=OrderEvent.Type.TRANSITION, to_status=initial, data=event_data)]
    audits = [(audit_action or f"order.{order.order_type}.created", order,
               audit_data if audit_data is not None else {"status": initial, "kind": order.kind})]
    for to_status, data in moves:
        check_move(order, to_status, actor)
        events.append(event_row(order, actor, event_type=OrderEvent.Type.TRANSITION, from_status=order.status,
                                to_status=to_status, data=data))
        audits.append((f"order.{to_status}", order, {"from": order.status, "to": to_status, **(data or {})}))
        order.status = to_status
    if order.status != S.DRAFT and order.submitted_at is None:
        order.submitted_at = timezone.now()
    order.number = next_number(ORDER_PREFIX[order.order_type])
    order.save()
    OrderEvent.objects.bulk_create(events)
    events_recorded(events)
    audit_record_many(actor, audits)
    return order


# --------------------------------------------------------------------------- messages


def message_fields(subject: str | Text, text: str | Text) -> dict:
    """A message's columns: the Swedish text, and for a `Text` its key and params, so each
    reader sees it in their own language (core.message_text). A plain string is stored as it is."""
    fields = {"subject": (subject.swedish() if isinstance(subject, Text) else str(subject))[:200],
              "text": (text.swedish() if isinstance(text, Text) else str(text))[:4000]}
    if isinstance(subject, Text):
        fields["subject_key"] = subject.key[:300]
    if isinstance(text, Text):
        fields["text_key"] = text.key[:4000]
    fields["params"] = merged_params(subject, text)
    return fields


def notify(order: Order, kind: str, subject: str | Text, text: str | Text) -> list[Message]:
    """Inbox messages to the order's orderer and prescriber (once each); e-mail after commit.
    The texts (and e-mails) name the order only, no patient data; the inbox page adds the
    patient's name for the reader and logs that access (`selectors.inbox`)."""
    recipients = []
    for user in (order.orderer, order.prescriber):
        if user is not None and user.pk not in {u.pk for u in recipients}:
            recipients.append(user)
    fields = message_fields(subject, text)
    messages = [Message.objects.create(recipient=u, order=order, kind=kind, **fields) for u in recipients]
    if messages:
        ids = [m.pk for m in messages]

        def _enqueue():
            from ..tasks import send_message_emails
            send_message_emails.enqueue(ids)

        transaction.on_commit(_enqueue)
    return messages


@entry_point
def message_send(recipients, *, kind: str, subject: str | Text, text: str | Text, order: Order | None = None) -> list[Message]:
    """Inbox messages to named users, about no order (operations: access requests, support
    cases) or about `order` (loan reminders); e-mailed after commit like `notify`'s. No patient
    data in them."""
    seen: set[int] = set()
    messages = []
    for user in recipients:
        if user is None or user.pk in seen:
            continue
        seen.add(user.pk)
        messages.append(Message.objects.create(recipient=user, order=order, kind=kind,
                                               **message_fields(subject, text)))
    if messages:
        ids = [m.pk for m in messages]

        def _enqueue():
            from ..tasks import send_message_emails
            send_message_emails.enqueue(ids)

        transaction.on_commit(_enqueue)
    return messages


@entry_point
def message_mark_read(principal, message_id: int) -> Message:
    """Mark one message read: a user's own, or (a customer's system client) one about its
    organisation's orders; any other answers 404."""
    from ..selectors import messages_visible

    try:
        msg = messages_visible(principal).filter(pk=int(message_id)).first()
    except (TypeError, ValueError):
        msg = None
    if msg is None:
        raise NotFound(_("Meddelandet finns inte."))
    if msg.read_at is None:
        msg.read_at = timezone.now()
        msg.save(update_fields=["read_at"])
    return msg


@entry_point
def messages_mark_all_read(principal) -> int:
    if principal.user is None:
        return 0
    return Message.objects.filter(recipient=principal.user, read_at__isnull=True).update(read_at=timezone.now())


def order_cancel_with_notice(order: Order, actor, *, reason: str, subject: str | Text, text: str | Text) -> Order:
    """The supply centre cancels a (locked) order of any kind with a reason; the orderer's inbox
    is told, in words of the order kind, that a new order must be placed."""
    from ..transitions import apply_transition

    order.closed_reason = reason
    apply_transition(order, S.CANCELLED, actor, reason=reason, update_fields=["closed_reason"])
    notify(order, Message.Kind.CANCELLED, subject, text)
    return order


def kind_text(order) -> Text | str:
    """`kind_label` as a param of a message text (translated when read)."""
    from ..models import FaultKind, WorkKind

    for choices in (WorkKind, FaultKind):
        if order.kind in choices.values:
            return Text.label(choices(order.kind).label)
    return Text(gettext_noop("Hämtorder")) if order.order_type == OrderType.PICKUP else order.kind


def kind_label(order) -> str:
    from ..models import FaultKind, WorkKind

    for choices in (WorkKind, FaultKind):
        if order.kind in choices.values:
            return str(choices(order.kind).label)
    return "Hämtorder" if order.order_type == OrderType.PICKUP else order.kind


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


def clean_upload(upload, field_name: str, *, missing: str) -> tuple[str, str, int]:
    """(name, content type, size) of an uploaded document: PDF, PNG or JPEG by extension and
    content, not empty, within the size limit. Errors name `field_name`."""
    if upload is None:
        fail(field_name, missing)
    name = os.path.basename(getattr(upload, "name", "") or "")[:200]
    ext = os.path.splitext(name)[1].lower()
    if ext not in ATTACHMENT_TYPES:
        fail(field_name, _("Endast PDF, PNG och JPEG kan bifogas."))
    size = getattr(upload, "size", 0) or 0
    if size <= 0:
        fail(field_name, _("Filen är tom."))
    limit = attachment_max_bytes()
    if size > limit:
        fail(field_name, _("Filen är för stor (högst %(n)s MB).") % {"n": limit // (1024 * 1024)})
    content_type, magics = ATTACHMENT_TYPES[ext]
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(m) for m in magics):
        fail(field_name, _("Filens innehåll stämmer inte med filtypen."))
    return name, content_type, size


@entry_point
def attachment_add(principal, order_id, upload, *, order_type: str = OrderType.WORK) -> OrderAttachment:
    """Attach a document (PDF, PNG, JPEG; size limit) to the customer's own service order."""
    order = order_for_customer(principal, order_id, order_type, lock=True)
    if not principal.is_supply:
        require_orderer(principal)
    if order.status in (S.COMPLETED, S.CANCELLED, S.CLOSED, S.RECEIVED):
        raise IllegalTransition(_("Ordern är avslutad; bilagor kan inte läggas till."))
    name, content_type, size = clean_upload(upload, "file", missing="Välj en fil.")
    if order.attachments.count() >= MAX_ATTACHMENTS:
        fail("file", _("En order kan ha högst %(max_attachments)s bilagor.") % {"max_attachments": MAX_ATTACHMENTS})
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
        raise NotFound(_("Bilagan finns inte."))
    principal.require_customer(att.order.customer_id)
    return att
