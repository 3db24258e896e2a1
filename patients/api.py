"""Patients on the JSON API. Same isolation rule as the UI (see `patients.selectors`): an exact
identity-number lookup finds any customer's patient and makes it known to the caller's
customer; reading by id answers 404 for patients the caller cannot see. Every read writes
patient-access rows."""
from __future__ import annotations

import datetime as dt
import json
from typing import Literal

from django.http import JsonResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from access.decorators import api_perm
from access.models import Organisation
from access.roles import Perm
from audit.services import patient_access_record
from core.errors import ValidationFailed
from core.idempotency import idempotent, request_hash, run_idempotent

from . import selectors, services
from .models import CareRelationship, Patient

CareReason = Literal[tuple(CareRelationship.Reason.values)]  # type: ignore[valid-type]

router = Router()


class AddressOut(Schema):
    street: str
    postal_code: str
    city: str


class DeliveryAddressOut(Schema):
    protected: bool
    is_stay_address: bool
    text: str
    street: str
    postal_code: str
    city: str


class PatientOut(Schema):
    id: int
    identity_number: str
    identity_kind: str
    first_name: str
    last_name: str
    protected_identity: bool
    registered_address: AddressOut | None
    stay_address: AddressOut | None
    delivery_address: DeliveryAddressOut
    phone: str
    contact_name: str
    contact_phone: str
    delivery_instructions: str
    customer_id: int
    customer_name: str


class PatientList(Schema):
    items: list[PatientOut]


class PatientIn(Schema):
    identity_number: str = Field(..., description="Personnummer/samordningsnummer (10 or 12 digits, with or "
                                                   "without hyphen/plus) or a regional reservnummer")
    identity_kind: str | None = Field(None, description="Set to 'reservnummer' to accept a 12-digit number that is "
                                                        "not a valid personnummer as a reservnummer")
    first_name: str
    last_name: str
    registered_street: str = ""
    registered_postal_code: str = ""
    registered_city: str = ""
    stay_street: str = ""
    stay_postal_code: str = ""
    stay_city: str = ""
    phone: str = ""
    protected_identity: bool = False
    contact_name: str = ""
    contact_phone: str = ""
    delivery_instructions: str = ""
    customer_id: int | None = Field(None, description="Responsible customer; defaults to the client's own "
                                                      "organisation for customer clients")


def patient_out(patient: Patient, principal) -> dict:
    hidden = patient.protected_identity and not principal.is_supply
    addr = selectors.delivery_address(patient, principal)

    def _addr(prefix):
        street = getattr(patient, f"{prefix}_street")
        if hidden or not street:
            return None
        return {"street": street, "postal_code": getattr(patient, f"{prefix}_postal_code"),
                "city": getattr(patient, f"{prefix}_city")}

    return {
        "id": patient.pk, "identity_number": patient.identity_number, "identity_kind": patient.identity_kind,
        "first_name": patient.first_name, "last_name": patient.last_name,
        "protected_identity": patient.protected_identity,
        "registered_address": _addr("registered"), "stay_address": _addr("stay"),
        "delivery_address": {"protected": addr.protected, "is_stay_address": addr.is_stay, "text": str(addr),
                             "street": "" if addr.protected else addr.street,
                             "postal_code": "" if addr.protected else addr.postal_code,
                             "city": "" if addr.protected else addr.city},
        "phone": patient.phone, "contact_name": patient.contact_name, "contact_phone": patient.contact_phone,
        "delivery_instructions": patient.delivery_instructions,
        "customer_id": patient.customer_id, "customer_name": patient.customer.name,
    }


@router.get("/patients", response=PatientList, summary="Find a patient by exact identity number (own customer's "
            "patients, or another customer's under a stated care relationship; else 404 care_relationship_required)")
@api_perm(Perm.PATIENT_VIEW)
def patient_lookup(request, identity_number: str):
    principal = request.auth
    patient = selectors.patient_find_by_identity(principal, identity_number, view="api_identity_lookup")
    return {"items": [patient_out(patient, principal)] if patient else []}


class CareRelationshipIn(Schema):
    identity_number: str = Field(..., max_length=20, description="The patient's personnummer/samordningsnummer")
    reason: CareReason = Field(..., description="treated_by_unit | consultation | emergency | transfer")
    note: str = Field(..., min_length=1, max_length=500, description="What the care relationship is")


class CareRelationshipOut(Schema):
    id: int
    patient_id: int
    reason: str
    expires_at: dt.datetime
    renewed: bool


@router.post("/patients/care-relationships", response={201: CareRelationshipOut},
             summary="State (or renew) a care relationship with another customer's patient (patientdatalagen; "
                     "audited, lasts LYFTA_CARE_RELATIONSHIP_DAYS)")
@api_perm(Perm.PATIENT_VIEW)
def care_relationship_state(request, payload: CareRelationshipIn):
    def work():
        rel = services.care_relationship_state(request.auth, identity_number=payload.identity_number,
                                               reason=payload.reason, note=payload.note)
        return 201, {"id": rel.pk, "patient_id": rel.patient_id, "reason": rel.reason, "expires_at": rel.expires_at,
                     "renewed": rel.renewed_at is not None}

    return idempotent(request, work)


@router.get("/patients/{patient_id}", response=PatientOut, summary="Read a patient")
@api_perm(Perm.PATIENT_VIEW)
def patient_read(request, patient_id: int):
    principal = request.auth
    patient = selectors.patient_get_for_view(principal, patient_id, "api_patient_read")
    return patient_out(patient, principal)


@router.post("/patients", response={201: PatientOut}, summary="Register a patient (honours Idempotency-Key)")
@api_perm(Perm.PATIENT_MANAGE)
def patient_create(request, payload: PatientIn):
    principal = request.auth
    key = request.headers.get("Idempotency-Key")

    def work():
        customer_id = payload.customer_id or (principal.primary_customer_id if not principal.is_supply else None)
        customer = Organisation.objects.filter(pk=customer_id).first() if customer_id else None
        if customer is None or not customer.is_customer or not principal.can_see_customer(customer.pk):
            raise ValidationFailed(_("Ange en ansvarig kund som du får registrera patienter för."),
                                   errors={"customer_id": [_("Ogiltig kund.")]})
        if payload.identity_kind not in (None, "", "personnummer", "samordningsnummer", "reservnummer"):
            raise ValidationFailed(_("Okänd typ av identitetsnummer."), errors={"identity_kind": [_("Okänd typ.")]})
        fields = payload.dict(exclude={"identity_number", "identity_kind", "customer_id"})
        patient = services.patient_create(
            principal, identity_number=payload.identity_number, customer=customer,
            allow_reserve=payload.identity_kind == "reservnummer", **fields,
        )
        patient_access_record(principal, patient.pk, "api_patient_create")
        return 201, patient_out(patient, principal)

    status, body, replayed = run_idempotent(principal, key, request_hash(request.method, request.path, request.body),
                                            work)
    response = JsonResponse(json.loads(json.dumps(body, default=str)), status=status,
                            json_dumps_params={"ensure_ascii": False})
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return response
