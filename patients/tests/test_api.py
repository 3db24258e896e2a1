import json

import pytest

from audit.models import PatientAccess
from patients.models import Patient

pytestmark = pytest.mark.django_db


def _post(client, data, **headers):
    return client.post("/api/v1/patients", json.dumps(data), content_type="application/json", **headers)


def test_read_isolation_and_access_row(api, patients):
    r = api.region.get(f"/api/v1/patients/{patients['municipality'].pk}")
    assert r.status_code == 404 and r["Content-Type"] == "application/problem+json"
    assert PatientAccess.objects.count() == 0
    r = api.region.get(f"/api/v1/patients/{patients['region'].pk}")
    assert r.status_code == 200 and r.json()["last_name"] == "Regionsson"
    assert PatientAccess.objects.filter(patient_id=patients["region"].pk, view="api_patient_read").count() == 1
    assert PatientAccess.objects.count() == 1
    assert api.supply.get(f"/api/v1/patients/{patients['municipality'].pk}").status_code == 200


def test_protected_address_hidden_for_customer_tokens(api, patients):
    body = api.region.get(f"/api/v1/patients/{patients['protected'].pk}").json()
    assert body["delivery_address"]["text"] == "Skyddad adress" and body["stay_address"] is None
    assert "Hemliga" not in json.dumps(body)
    body = api.supply.get(f"/api/v1/patients/{patients['protected'].pk}").json()
    assert body["delivery_address"]["street"] == "Hemliga vägen 3"


def test_exact_lookup_grants_nothing_a_stated_care_relationship_does(api, patients):
    """Issue 10: the exact look-up of another customer's patient used to answer 200 and grant the
    region lasting access. Now: 404 care_relationship_required (also for a number nobody has), the
    patient stays unreachable by id, until this client states a care relationship."""
    other = patients["municipality"]
    r = api.region.get("/api/v1/patients", {"identity_number": other.identity_display})
    assert r.status_code == 404 and r.json()["code"] == "care_relationship_required"
    assert api.region.get(f"/api/v1/patients/{other.pk}").status_code == 404
    r = api.region.get("/api/v1/patients", {"identity_number": "19121212-1212"})
    assert r.status_code == 404 and r.json()["code"] == "care_relationship_required"
    assert PatientAccess.objects.filter(patient_id=other.pk).count() == 0
    r = api.region.get("/api/v1/patients", {"identity_number": "nonsense"})
    assert r.status_code == 422 and "identity_number" in {e["field"] for e in r.json()["errors"]}

    body = {"identity_number": other.identity_display, "reason": "consultation", "note": "Konsult åt hemsjukvården"}
    r = api.region.post("/api/v1/patients/care-relationships", json.dumps(body), content_type="application/json")
    assert r.status_code == 201 and r.json()["patient_id"] == other.pk and not r.json()["renewed"]
    stated = r.json()["id"]
    r = api.region.get("/api/v1/patients", {"identity_number": other.identity_display})
    assert r.status_code == 200 and [p["id"] for p in r.json()["items"]] == [other.pk]
    assert api.region.get(f"/api/v1/patients/{other.pk}").status_code == 200
    again = api.region.post("/api/v1/patients/care-relationships", json.dumps(body), content_type="application/json")
    assert again.status_code == 201 and again.json()["renewed"] and again.json()["id"] == stated


def test_care_relationship_expires_and_is_checked(api, patients):
    from django.utils import timezone

    from patients.models import CareRelationship

    other = patients["municipality"]
    post = lambda body: api.region.post("/api/v1/patients/care-relationships", json.dumps(body),  # noqa: E731
                                        content_type="application/json")
    bad = post({"identity_number": other.identity_display, "reason": "because", "note": "x"})
    assert bad.status_code == 422
    own = post({"identity_number": patients["region"].identity_display, "reason": "consultation", "note": "x"})
    assert own.status_code == 422 and own.json()["code"] == "care_relationship_not_needed"
    assert post({"identity_number": "19121212-1212", "reason": "consultation", "note": "x"}).status_code == 404
    assert post({"identity_number": other.identity_display, "reason": "emergency", "note": "Akut"}).status_code == 201
    assert api.region.get(f"/api/v1/patients/{other.pk}").status_code == 200
    CareRelationship.objects.update(expires_at=timezone.now() - timezone.timedelta(minutes=1))
    assert api.region.get(f"/api/v1/patients/{other.pk}").status_code == 404
    assert CareRelationship.objects.count() == 1


def test_create_validates_and_is_idempotent(api, world):
    r = _post(api.region, {"identity_number": "19121212-1213", "first_name": "A", "last_name": "B"})
    assert r.status_code == 422
    assert [(e["field"], e["message"]) for e in r.json()["errors"]] == [
        ("identity_number", "Personnumret är inte giltigt: kontrollsiffran stämmer inte.")]
    data = {"identity_number": "121212+1212", "first_name": "Tolvan", "last_name": "Tolvansson"}
    r1 = _post(api.region, data, HTTP_IDEMPOTENCY_KEY="k1")
    assert r1.status_code == 201
    assert r1.json()["identity_number"] == "191212121212" and r1.json()["customer_id"] == world["region"].pk
    r2 = _post(api.region, data, HTTP_IDEMPOTENCY_KEY="k1")
    assert r2.status_code == 201 and r2.json() == r1.json() and r2["Idempotent-Replayed"] == "true"
    assert Patient.objects.count() == 1
    r3 = _post(api.region, data)
    assert r3.status_code == 409


def test_create_for_other_customer_refused(api, world):
    r = _post(api.region, {"identity_number": "19121212-1212", "first_name": "A", "last_name": "B",
                           "customer_id": world["municipality"].pk})
    assert r.status_code == 422 and Patient.objects.count() == 0
    r = _post(api.supply, {"identity_number": "19121212-1212", "first_name": "A", "last_name": "B",
                           "customer_id": world["municipality"].pk})
    assert r.status_code == 403  # supply clients do not register patients


CARE_STATES = ["none", "stated", "expired"]
CARE_READS = ["api_lookup", "api_read", "api_order", "ui_patient_view"]


@pytest.mark.parametrize("state", CARE_STATES)
@pytest.mark.parametrize("read", CARE_READS)
def test_cross_customer_isolation_matrix(api, patients, client_for, world, state, read):
    """Another customer's patient, by every way in (API look-up, API read, ordering for the patient,
    the patient view page), with no care relationship, a stated one, and an expired one: reached
    only while a stated relationship holds — for the API client, and for the user who stated it."""
    from django.urls import reverse
    from django.utils import timezone

    from access.principal import principal_for_user
    from patients import services
    from patients.models import CareRelationship

    other = patients["municipality"]
    client, user = client_for("prescriber", "region")
    if state != "none":
        body = {"identity_number": other.identity_display, "reason": "consultation", "note": "Konsult"}
        assert api.region.post("/api/v1/patients/care-relationships", json.dumps(body),
                               content_type="application/json").status_code == 201
        services.care_relationship_state(principal_for_user(user), identity_number=other.identity_display,
                                         reason="consultation", note="Konsult")
    if state == "expired":
        CareRelationship.objects.update(expires_at=timezone.now() - timezone.timedelta(seconds=1))
    reachable = state == "stated"
    if read == "api_lookup":
        status = api.region.get("/api/v1/patients", {"identity_number": other.identity_display}).status_code
    elif read == "api_read":
        status = api.region.get(f"/api/v1/patients/{other.pk}").status_code
    elif read == "api_order":
        status = api.region.post("/api/v1/orders", json.dumps({
            "patient_id": other.pk, "unit_id": world["region_unit"].pk, "orderer_username": "region-orderer",
            "kind": "to_patient", "lines": []}), content_type="application/json").status_code
    else:
        status = client.get(reverse("ordering:patient_view", args=[other.pk])).status_code
    expected = {"api_order": 201}.get(read, 200) if reachable else 404
    assert status == expected, (read, state, status)


def test_reservnummer_with_letters_is_stored_flagged_through_the_api(api, world):
    """Issue 11: `1912121A-121B` must be stored as a reservnummer (flagged), not as an identity."""
    r = _post(api.region, {"identity_number": "1912121A-121B", "first_name": "R", "last_name": "Reserv"})
    assert r.status_code == 201, r.content
    assert r.json()["identity_kind"] == "reservnummer"
    assert Patient.objects.get().identity_kind == "reservnummer"
