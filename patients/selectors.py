"""Reads of patient data.

Isolation rule (customer side):
  * a customer-side principal sees the patients whose responsible customer is one of its
    customers (`principal.customer_ids`), plus patients "linked" to one of its customers;
  * a link (`PatientCustomerLink`) is created when a customer-side principal finds a patient
    by EXACT identity number (`patient_find_by_identity`). That is how prescribers reach a
    patient of another customer today (e.g. a patient from another region); the exact lookup
    already shows the patient's header, so the link reveals nothing more, and from then on the
    patient can be opened by id in the UI and the API by that customer's users and tokens;
  * everything else answers 404 (`NotFound`), never 403, so existence is not leaked;
  * supply-side principals see all patients.
Name search only covers the visible patients. Every read that shows patient data writes
patient-access rows: one per patient view, one per patient listed in a search result.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from access.roles import Perm
from audit.services import patient_access_record, patient_access_record_many
from core.errors import NotFound, ValidationFailed

from .identity import parse_identity_number
from .models import Patient, PatientCustomerLink

SEARCH_LIMIT = 25
PROTECTED_ADDRESS_LABEL = "Skyddad adress"


def visible_patients(principal) -> QuerySet[Patient]:
    qs = Patient.objects.select_related("customer")
    if principal.is_supply:
        return qs
    ids = list(principal.customer_ids)
    if not ids:
        return qs.none()
    linked = PatientCustomerLink.objects.filter(patient=OuterRef("pk"), customer_id__in=ids)
    return qs.filter(Q(customer_id__in=ids) | Exists(linked))


def can_view_patient(principal, patient: Patient) -> bool:
    if principal.is_supply or patient.customer_id in principal.customer_ids:
        return True
    return PatientCustomerLink.objects.filter(patient=patient, customer_id__in=principal.customer_ids).exists()


def patient_get_for_view(principal, pk, view: str, purpose: str = "") -> Patient:
    """The patient with id `pk` if the principal may see it (else `NotFound`); writes exactly
    one patient-access row for `view`."""
    principal.require(Perm.PATIENT_VIEW)
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound("Patienten finns inte.") from None
    patient = visible_patients(principal).filter(pk=pk).first()
    if patient is None:
        raise NotFound("Patienten finns inte.")
    patient_access_record(principal, patient.pk, view, purpose)
    return patient


def patient_find_by_identity(principal, number: str, view: str = "identity_lookup") -> Patient | None:
    """Exact lookup by identity number (any usual form). Any customer's patient can be found
    this way; finding it links the patient to the principal's customers (see module doc).
    Raises `ValidationFailed` for a malformed number; returns None when nobody has it.
    Writes one patient-access row when found."""
    from .services import patient_link_customer

    principal.require(Perm.PATIENT_VIEW)
    try:
        identity = parse_identity_number(number)
    except ValidationFailed:
        # A 12-digit reservnummer fails the personnummer checks; accept it only if a patient has it,
        # so a mistyped personnummer still gets the clear checksum/date message.
        identity = parse_identity_number(number, allow_reserve=True)
        if not Patient.objects.filter(identity_number=identity.number).exists():
            raise
    patient = Patient.objects.select_related("customer").filter(identity_number=identity.number).first()
    if patient is None:
        return None
    if not principal.is_supply and patient.customer_id not in principal.customer_ids:
        patient_link_customer(principal, patient)
    patient_access_record(principal, patient.pk, view)
    return patient


def patient_search(principal, q: str, limit: int = SEARCH_LIMIT) -> list[Patient]:
    """Name search among the visible patients: every word must start a word of the name.
    Writes one access row per listed patient (one INSERT)."""
    principal.require(Perm.PATIENT_VIEW)
    words = [w for w in (q or "").lower().split() if w]
    if not words:
        return []
    qs = visible_patients(principal)
    for w in words[:4]:
        qs = qs.filter(Q(name_search__startswith=w) | Q(name_search__contains=f" {w}"))
    patients = list(qs.order_by("last_name", "first_name", "pk")[:limit])
    if patients:
        patient_access_record_many(principal, [p.pk for p in patients], "patient_search")
    return patients


@dataclass(frozen=True)
class Address:
    street: str = ""
    postal_code: str = ""
    city: str = ""
    protected: bool = False  # hidden: shown as "Skyddad adress"
    is_stay: bool = False
    confidential: bool = False  # protected identity, shown to supply staff: must not be passed on

    @property
    def lines(self) -> list[str]:
        if self.protected:
            return [PROTECTED_ADDRESS_LABEL]
        return [x for x in (self.street, f"{self.postal_code} {self.city}".strip()) if x]

    def __str__(self) -> str:
        return ", ".join(self.lines)


def delivery_address(patient: Patient, principal) -> Address:
    """Stay address first, else registered. Protected identity: hidden ("Skyddad adress")
    unless the principal is on the supply side (who deliver)."""
    if patient.protected_identity and not principal.is_supply:
        return Address(protected=True)
    if patient.stay_street:
        return Address(patient.stay_street, patient.stay_postal_code, patient.stay_city, False, True,
                       patient.protected_identity)
    return Address(patient.registered_street, patient.registered_postal_code, patient.registered_city, False, False,
                   patient.protected_identity)


def registered_address(patient: Patient, principal) -> Address:
    if patient.protected_identity and not principal.is_supply:
        return Address(protected=True)
    return Address(patient.registered_street, patient.registered_postal_code, patient.registered_city, False, False,
                   patient.protected_identity)
