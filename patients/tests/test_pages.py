import pytest
from django.urls import reverse

from audit.models import PatientAccess
from patients.models import Patient
from patients.tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def test_search_page_requires_perm(client_for):
    client, _ = client_for("invoice_viewer")
    assert client.get(reverse("patients:search")).status_code == 403


def test_other_customers_patient_is_reached_by_stating_a_care_relationship(client_for, patients):
    """The exact search shows no other customer's patient, only the way to state a care
    relationship; the form (reason, description, the warning confirmed) then opens the patient."""
    client, _ = client_for("prescriber", "region")
    other = patients["municipality"]
    r = client.get(reverse("patients:search"), {"q": other.identity_display})
    page = r.content.decode()
    assert r.status_code == 200 and other.last_name not in page and "Ange vårdrelation" in page
    assert PatientAccess.objects.filter(patient_id=other.pk).count() == 0
    url = reverse("patients:care_relationship")
    form = client.get(url, {"identity_number": other.identity_display})
    assert form.status_code == 200 and "loggas och granskas" in form.content.decode()
    bad = client.post(url, {"identity_number": other.identity_display, "reason": "consultation", "note": ""})
    assert bad.status_code == 422 and "field-error" in bad.content.decode()
    ok = client.post(url, {"identity_number": other.identity_display, "reason": "consultation",
                           "note": "Konsultation om rullstol", "confirm": "on"})
    assert ok.status_code == 302
    r = client.get(reverse("patients:search"), {"q": other.identity_display})
    assert other.last_name in r.content.decode()


def test_auditor_lists_care_relationships(client_for, patients):
    from patients import services as psvc
    client, user = client_for("prescriber", "region")
    from access.principal import principal_for_user as pfu

    psvc.care_relationship_state(pfu(user), identity_number=patients["municipality"].identity_display,
                                 reason="emergency", note="Akut besök")
    auditor, _ = client_for("auditor", "region")
    r = auditor.get(reverse("patients:care_relationship_audit"))
    assert r.status_code == 200 and "Akut besök" in r.content.decode()
    assert client.get(reverse("patients:care_relationship_audit")).status_code == 403


def test_search_by_malformed_number_shows_swedish_error(client_for, patients):
    client, _ = client_for("prescriber", "region")
    r = client.get(reverse("patients:search"), {"q": "19121212-1213"})
    assert "kontrollsiffran stämmer inte" in r.content.decode()


def test_search_by_name_only_own_customers_and_protected_address_hidden(client_for, patients):
    client, _ = client_for("prescriber", "region")
    r = client.get(reverse("patients:search"), {"q": "skyddad"})
    body = r.content.decode()
    assert "Skyddad adress" in body and "Hemliga vägen" not in body
    r = client.get(reverse("patients:search"), {"q": "kommunsson"})
    assert "Kommunsson" not in r.content.decode()
    assert "Ingen patient med namnet" in r.content.decode()


def test_supply_sees_protected_address(client_for, patients):
    client, _ = client_for("driver")
    r = client.get(reverse("patients:detail", args=[patients["protected"].pk]))
    body = r.content.decode()
    assert r.status_code == 200 and "Hemliga vägen 3" in body
    assert PatientAccess.objects.filter(patient_id=patients["protected"].pk).count() == 1


def test_detail_isolation_404_and_one_access_row(client_for, patients):
    client, _ = client_for("prescriber", "region")
    assert client.get(reverse("patients:detail", args=[patients["municipality"].pk])).status_code == 404
    assert PatientAccess.objects.count() == 0
    r = client.get(reverse("patients:detail", args=[patients["protected"].pk]))
    assert r.status_code == 200
    assert "Skyddad adress" in r.content.decode() and "Hemliga" not in r.content.decode()
    assert PatientAccess.objects.filter(patient_id=patients["protected"].pk, view="patient_detail").count() == 1
    assert PatientAccess.objects.count() == 1


def test_search_page_query_count_is_constant(client_for, world, django_assert_num_queries):
    client, _ = client_for("prescriber", "region")
    for i in range(3):
        PatientFactory(customer=world["region"], last_name=f"Lundqvist{i}")
    client.get(reverse("patients:search"))  # warm session/user caches
    # session, user, OTP device, roles, ONE search query, ONE bulk access insert, inbox badge
    with django_assert_num_queries(7, info="search page") as ctx:
        r = client.get(reverse("patients:search"), {"q": "lundqvist"})
    assert r.content.decode().count("Lundqvist") == 3
    for i in range(3, 20):
        PatientFactory(customer=world["region"], last_name=f"Lundqvist{i}")
    with django_assert_num_queries(len(ctx.captured_queries)):
        r = client.get(reverse("patients:search"), {"q": "lundqvist"})
    assert r.content.decode().count("Lundqvist") == 20


def test_create_page_valid_and_invalid(client_for, world):
    client, _ = client_for("prescriber", "region")
    url = reverse("patients:create")
    assert client.get(url).status_code == 200
    data = {"identity_number": "19121212-1213", "customer": world["region"].pk, "first_name": "",
            "last_name": "Tolvansson", "registered_postal_code": "1"}
    r = client.post(url, data)
    body = r.content.decode()
    assert r.status_code == 400
    assert "kontrollsiffran stämmer inte" in body and "Ange förnamn." in body and "fem siffror" in body
    data.update(identity_number="19121212-1212", first_name="Tolvan", registered_postal_code="12345")
    r = client.post(url, data)
    assert r.status_code == 302
    assert Patient.objects.get().identity_number == "191212121212"


def test_create_page_digit_reservnummer_needs_checkbox(client_for, world):
    client, _ = client_for("prescriber", "region")
    data = {"identity_number": "19500101-9999", "customer": world["region"].pk, "first_name": "R",
            "last_name": "Reserv"}
    assert client.post(reverse("patients:create"), data).status_code == 400
    data["is_reserve_number"] = "on"
    assert client.post(reverse("patients:create"), data).status_code == 302
    assert Patient.objects.get().identity_kind == "reservnummer"


def test_create_page_cannot_pick_other_customer(client_for, world):
    client, _ = client_for("prescriber", "region")
    data = {"identity_number": "19121212-1212", "customer": world["municipality"].pk, "first_name": "A",
            "last_name": "B"}
    r = client.post(reverse("patients:create"), data)
    assert r.status_code == 400 and Patient.objects.count() == 0


def test_edit_page(client_for, patients):
    client, _ = client_for("prescriber", "region")
    p = patients["region"]
    url = reverse("patients:edit", args=[p.pk])
    assert client.get(url).status_code == 200
    r = client.post(url, {"first_name": "Rita", "last_name": "Regionsson", "stay_street": "X 1"})
    assert r.status_code == 400 and "hela vistelseadressen" in r.content.decode()
    r = client.post(url, {"first_name": "Rita", "last_name": "Regionsson", "phone": "070-1"})
    assert r.status_code == 302
    p.refresh_from_db()
    assert p.phone == "070-1"
    assert client.get(reverse("patients:edit", args=[patients["municipality"].pk])).status_code == 404


def test_orderer_cannot_edit(client_for, patients):
    client, _ = client_for("orderer", "region")
    assert client.get(reverse("patients:edit", args=[patients["region"].pk])).status_code == 403
