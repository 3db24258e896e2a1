"""Reads of patient data.

Isolation rule (customer side, patientdatalagen):
  * a customer-side principal sees the patients whose responsible customer is one of its
    customers (`principal.customer_ids`);
  * a patient of another customer only through a **care relationship** that this user (or this
    API client) has stated and that has not expired (`CareRelationship`,
    `services.care_relationship_state`): a deliberate, audited act with a reason, lasting
    `LYFTA_CARE_RELATIONSHIP_DAYS` unless renewed. A look-up never grants access by itself;
  * everything else answers 404 (`NotFound`), never 403, so existence is not leaked — the exact
    look-up of another customer's patient answers `CareRelationshipRequired` (a 404 that says a
    care relationship can be stated), whether or not anybody has that number;
  * supply-side principals see all patients.
Name search only covers the visible patients. Every read that shows patient data writes
patient-access rows: one per patient view, one per patient listed in a search result.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from access.roles import Perm
from audit.services import patient_access_record, patient_access_record_many
from core.errors import NotFound

from .models import CareRelationship, Patient

SEARCH_LIMIT = 25
PROTECTED_ADDRESS_LABEL = "Skyddad adress"


def visible_patients(principal) -> QuerySet[Patient]:
    qs = Patient.objects.select_related("customer")
    if principal.is_supply:
        return qs
    ids = list(principal.customer_ids)
    if not ids:
        return qs.none()
    related = active_care_relationships(principal).filter(patient=OuterRef("pk"))
    return qs.filter(Q(customer_id__in=ids) | Exists(related))


class CareRelationshipRequired(NotFound):
    """Not among the principal's patients: another customer's patient is reached only by stating
    a care relationship. Said for any number not found among one's own, so existence is not leaked."""

    code = "care_relationship_required"

    def __init__(self, message: str = "Patienten finns inte bland era patienter. Vårdas patienten av er? "
                                      "Ange vårdrelation för att nå en annan kunds patient.", **kw):
        super().__init__(message, code="care_relationship_required", **kw)


def active_care_relationships(principal) -> QuerySet[CareRelationship]:
    """The care relationships this user or API client holds now (not the whole customer's)."""
    qs = CareRelationship.objects.filter(expires_at__gt=timezone.now())
    if principal.user is not None:
        return qs.filter(user=principal.user)
    if principal.client is not None:
        return qs.filter(api_client=principal.client)
    return qs.none()


def can_view_patient(principal, patient: Patient) -> bool:
    if principal.is_supply or patient.customer_id in principal.customer_ids:
        return True
    return active_care_relationships(principal).filter(patient=patient).exists()


def patient_get_for_view(principal, pk, view: str, purpose: str = "") -> Patient:
    """The patient with id `pk` if the principal may see it (else `NotFound`); writes exactly
    one patient-access row for `view`."""
    principal.require(Perm.PATIENT_VIEW)
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound(_("Patienten finns inte.")) from None
    patient = visible_patients(principal).filter(pk=pk).first()
    if patient is None:
        raise NotFound(_("Patienten finns inte."))
    patient_access_record(principal, patient.pk, view, purpose)
    return patient


def patient_find_by_identity(principal, number: str, view: str = "identity_lookup") -> Patient | None:
    """Exact lookup by identity number (any usual form) among the patients the principal may
    see: its own customers' patients, and another customer's patient only under a care
    relationship it holds. Grants nothing. Raises `ValidationFailed` for a malformed number and
    `CareRelationshipRequired` when the number is not among them (whether or not another
    customer has it); supply principals get None when nobody has it. Writes one patient-access
    row when found."""
    from .identity import known_identity_number

    principal.require(Perm.PATIENT_VIEW)
    number = known_identity_number(number)
    patient = Patient.objects.select_related("customer").filter(identity_number=number).first()
    if patient is None or not can_view_patient(principal, patient):
        if principal.is_supply:
            return None
        raise CareRelationshipRequired()
    patient_access_record(principal, patient.pk, view)
    return patient


def care_relationships_for_audit(*, customer_id: int | None = None, user_id: int | None = None,
                                 limit: int = 500) -> list[CareRelationship]:
    """Every stated care relationship (cross-customer access), newest first, for the auditor."""
    qs = CareRelationship.objects.select_related("patient", "customer", "user", "api_client", "patient__customer")
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if user_id:
        qs = qs.filter(user_id=user_id)
    return list(qs[:limit])


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
