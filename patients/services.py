"""Writes of patient data. Every service is atomic and audited."""
from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from audit.services import audit_record
from core.errors import Conflict, PermissionDenied, ValidationFailed

from .identity import RESERVNUMMER, parse_identity_number
from .models import CareRelationship, Patient

EDITABLE_FIELDS = (
    "first_name", "last_name",
    "registered_street", "registered_postal_code", "registered_city",
    "stay_street", "stay_postal_code", "stay_city",
    "phone", "protected_identity", "contact_name", "contact_phone", "delivery_instructions",
)
REQUIRED_FIELDS = {"first_name": "Ange förnamn.", "last_name": "Ange efternamn."}
MAX_LENGTHS = {f.name: f.max_length for f in Patient._meta.fields if getattr(f, "max_length", None)}


POSTAL_CODE_MESSAGE = gettext_noop("Postnummer ska vara fem siffror, t.ex. 123 45.")


def normalise_postal_code(value: str) -> str | None:
    """'12345' / '123 45' → '123 45'; None when it is not five digits."""
    digits = (value or "").replace(" ", "")
    if not (digits.isdigit() and len(digits) == 5):
        return None
    return f"{digits[:3]} {digits[3:]}"


def _clean_fields(data: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name in EDITABLE_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name == "protected_identity":
            cleaned[name] = bool(value)
            continue
        value = (value or "").strip()
        if name.endswith("postal_code") and value:
            value = normalise_postal_code(value)
            if value is None:
                errors[name] = [_(POSTAL_CODE_MESSAGE)]
                continue
        if len(value) > MAX_LENGTHS.get(name, 10_000):
            errors[name] = [_("Högst %(max_lengths)s tecken.") % {"max_lengths": MAX_LENGTHS[name]}]
            continue
        cleaned[name] = value
    for name, message in REQUIRED_FIELDS.items():
        if name in data and not cleaned.get(name) and name not in errors:
            errors[name] = [message]
    if errors:
        raise ValidationFailed(_("Kontrollera de markerade fälten."), errors=errors)
    return cleaned


def _require_customer_for_write(principal, customer) -> None:
    from access.roles import Perm

    principal.require(Perm.PATIENT_MANAGE)
    if customer is None or not getattr(customer, "is_customer", False):
        raise ValidationFailed(_("Ange ansvarig kund."), errors={"customer": [_("Ange ansvarig kund.")]})
    if not principal.can_see_customer(customer.pk):
        raise PermissionDenied(_("Du kan bara registrera patienter för din egen organisation."))


@transaction.atomic
def patient_create(principal, *, identity_number: str, customer, allow_reserve: bool = False, **fields) -> Patient:
    """Register a patient. `identity_number` in any usual form; see `patients.identity` for the
    reservnummer rule (`allow_reserve`). `customer` is the responsible customer."""
    _require_customer_for_write(principal, customer)
    errors: dict[str, list[str]] = {}
    identity = None
    try:
        identity = parse_identity_number(identity_number, allow_reserve=allow_reserve)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    missing = {k: v for k, v in REQUIRED_FIELDS.items() if k not in fields}
    try:
        cleaned = _clean_fields({**{k: "" for k in missing}, **fields})
    except ValidationFailed as exc:
        errors.update(exc.errors)
        cleaned = {}
    if errors:
        raise ValidationFailed(_("Kontrollera de markerade fälten."), errors=errors)
    if Patient.objects.filter(identity_number=identity.number).exists():
        raise Conflict(_("Det finns redan en patient med det personnumret."), code="patient_exists",
                       errors={"identity_number": [_("Det finns redan en patient med det personnumret.")]})
    patient = Patient(identity_number=identity.number, identity_kind=identity.kind, customer=customer, **cleaned)
    patient.name_search = _name_search(patient)
    try:
        with transaction.atomic():
            patient.save()
    except IntegrityError:
        raise Conflict(_("Det finns redan en patient med det personnumret."), code="patient_exists",
                       errors={"identity_number": [_("Det finns redan en patient med det personnumret.")]}) from None
    audit_record(principal, "patient.create", patient,
                 {"identity_kind": patient.identity_kind, "customer_id": customer.pk,
                  "protected_identity": patient.protected_identity})
    return patient


@transaction.atomic
def patient_update(principal, patient: Patient, **fields) -> Patient:
    """Change a patient's details (not the identity number). The principal must see the
    patient's responsible customer (supply sees all). Records which fields changed."""
    from access.roles import Perm

    principal.require(Perm.PATIENT_MANAGE)
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    principal.require_customer(patient.customer_id)
    cleaned = _clean_fields(fields)
    changed = [name for name, value in cleaned.items() if getattr(patient, name) != value]
    for name in changed:
        setattr(patient, name, cleaned[name])
    if changed:
        patient.name_search = _name_search(patient)
        patient.save(update_fields=[*changed, "name_search", "updated_at"])
        audit_record(principal, "patient.update", patient, {"fields": changed})
    return patient


@transaction.atomic
def patient_mark_deceased(principal, patient: Patient, *, on) -> Patient:
    """Record that a patient has died on `on` (not in the future). Refused when already recorded.
    What follows for orders, loans and reminders is ordering's (`ordering.flows.deceased`)."""
    import datetime as dt

    from django.utils import timezone

    from access.roles import Perm

    principal.require(Perm.PATIENT_MANAGE)
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    principal.require_customer(patient.customer_id)
    if patient.deceased_on is not None:
        raise Conflict(_("Patienten är redan registrerad som avliden (%(deceased_on)s).") % {"deceased_on": format(patient.deceased_on, '%Y-%m-%d')},
                       code="patient_deceased")
    if isinstance(on, str):
        try:
            on = dt.date.fromisoformat(on.strip())
        except ValueError:
            raise ValidationFailed(_("Ogiltigt datum (ÅÅÅÅ-MM-DD)."), errors={"on": [_("Ogiltigt datum (ÅÅÅÅ-MM-DD).")]}) \
                from None
    if not isinstance(on, dt.date):
        raise ValidationFailed(_("Ange dödsdatum."), errors={"on": [_("Ange dödsdatum.")]})
    if on > timezone.localdate():
        raise ValidationFailed(_("Dödsdatumet kan inte ligga i framtiden."),
                               errors={"on": [_("Dödsdatumet kan inte ligga i framtiden.")]})
    if on < timezone.localdate() - dt.timedelta(days=366):
        raise ValidationFailed(_("Dödsdatumet ligger mer än ett år bakåt."),
                               errors={"on": [_("Dödsdatumet ligger mer än ett år bakåt.")]})
    patient.deceased_on = on
    patient.save(update_fields=["deceased_on", "updated_at"])
    audit_record(principal, "patient.deceased", patient, {"on": on.isoformat()})
    return patient


def care_relationship_days() -> int:
    from django.conf import settings

    return int(getattr(settings, "LYFTA_CARE_RELATIONSHIP_DAYS", 30))


@transaction.atomic
def care_relationship_state(principal, *, identity_number: str, reason: str, note: str) -> CareRelationship:
    """State (or renew) a care relationship with a patient of another customer: the deliberate
    act patientdatalagen asks for before one customer's user reads another customer's patient.
    Held by this user or API client for `LYFTA_CARE_RELATIONSHIP_DAYS`; renewing an active one
    extends it. Audited, and the patient read that follows writes its own access row.
    Refused: supply principals (they see every patient), one's own patients (nothing to state),
    a reason outside the list, an empty or too long description, an unknown number."""
    import datetime as dt

    from django.utils import timezone

    from access.roles import Perm
    from core.errors import NotFound

    from .identity import known_identity_number
    from .selectors import active_care_relationships

    principal.require(Perm.PATIENT_VIEW)
    if principal.is_supply or not principal.customer_ids:
        raise ValidationFailed(_("Hjälpmedelscentralen ser alla patienter; ingen vårdrelation behövs."),
                               code="care_relationship_not_needed")
    errors = {}
    if reason not in CareRelationship.Reason.values:
        errors["reason"] = [_("Välj skälet till vårdrelationen.")]
    note = (note or "").strip()
    if not note:
        errors["note"] = [_("Beskriv vårdrelationen.")]
    elif len(note) > 500:
        errors["note"] = [_("Beskrivningen får vara högst 500 tecken.")]
    try:
        number = known_identity_number(identity_number)
    except ValidationFailed as exc:
        errors["identity_number"] = [exc.message]
        number = None
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], errors=errors)
    patient = Patient.objects.filter(identity_number=number).first()
    if patient is None:
        raise NotFound(_("Ingen patient med det numret."))
    if patient.customer_id in principal.customer_ids:
        raise ValidationFailed(_("Patienten är redan er patient; ingen vårdrelation behövs."),
                               errors={"identity_number": [_("Patienten är redan er patient.")]},
                               code="care_relationship_not_needed")
    now = timezone.now()
    expires = now + dt.timedelta(days=care_relationship_days())
    current = active_care_relationships(principal).select_for_update().filter(patient=patient).first()
    if current is not None:
        current.reason, current.note, current.renewed_at, current.expires_at = reason, note, now, expires
        current.save(update_fields=["reason", "note", "renewed_at", "expires_at"])
        audit_record(principal, "patient.care_relationship_renewed", patient,
                     {"reason": reason, "expires_at": expires.isoformat(), "customer_id": patient.customer_id})
        return current
    unit_customer = principal.primary_customer_id
    rel = CareRelationship.objects.create(
        patient=patient, customer_id=unit_customer, user=principal.user, api_client=principal.client,
        actor_label=principal.label[:200], reason=reason, note=note, expires_at=expires)
    audit_record(principal, "patient.care_relationship_stated", patient,
                 {"reason": reason, "expires_at": expires.isoformat(), "customer_id": unit_customer,
                  "patient_customer_id": patient.customer_id})
    return rel


def _name_search(patient: Patient) -> str:
    return f"{patient.first_name} {patient.last_name}".strip().lower()[:201]


__all__ = ["patient_create", "patient_update", "care_relationship_state", "RESERVNUMMER"]
