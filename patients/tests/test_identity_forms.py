"""Issue 15: an invalid identity number says so (no "no patient found" with a register link, which
invites duplicates), and every usual form of a number finds the patient everywhere: the patient
search, the order search, the identity look-up of the order pages and the API."""
import pytest
from django.urls import reverse

from patients.identity import MSG_CHECKSUM, looks_like_identity_number, parse_identity_number
from patients.tests.factories import PatientFactory, personnummer

pytestmark = pytest.mark.django_db


def forms_of(twelve: str) -> list[str]:
    """12 digits, 12 with hyphen, 10 digits, 10 with hyphen (or + for a person aged 100 or more)."""
    sep = "+" if int(twelve[:4]) <= 1926 else "-"
    short = [f"{twelve[2:8]}{sep}{twelve[8:]}"] if sep == "+" else [twelve[2:], f"{twelve[2:8]}-{twelve[8:]}"]
    return [twelve, f"{twelve[:8]}-{twelve[8:]}", *short]


@pytest.fixture
def people(world):
    return [PatientFactory(customer=world["region"], identity_number=personnummer("19400101"), last_name="Fyrtio"),
            PatientFactory(customer=world["region"], identity_number=personnummer("19120101"), last_name="Hundra")]


def bad_check_digit(twelve: str) -> str:
    return f"{twelve[:8]}-{twelve[8:11]}{(int(twelve[11]) + 1) % 10}"


def test_parse_accepts_every_form_and_names_the_checksum():
    twelve = personnummer("19400101")
    assert {parse_identity_number(f).number for f in forms_of(twelve)} == {twelve}
    old = personnummer("19120101")
    assert parse_identity_number(f"{old[2:8]}+{old[8:]}").number == old
    with pytest.raises(Exception) as exc:
        parse_identity_number(bad_check_digit(twelve))
    assert str(exc.value.errors["identity_number"][0]) == MSG_CHECKSUM == \
        "Personnumret är inte giltigt: kontrollsiffran stämmer inte."
    with pytest.raises(Exception) as exc:
        parse_identity_number("abc")
    assert "Personnumret är inte giltigt" in exc.value.errors["identity_number"][0]
    assert looks_like_identity_number("1234") and not looks_like_identity_number("Rita Regionsson")


def test_patient_search_finds_every_form(people, client_for):
    client, _ = client_for("prescriber", "region")
    for patient in people:
        for form in forms_of(patient.identity_number):
            html = client.get(reverse("patients:search"), {"q": form}).content.decode()
            assert patient.last_name in html, form


def test_patient_search_says_a_number_is_invalid_without_a_register_link(people, client_for):
    client, _ = client_for("prescriber", "region")
    html = client.get(reverse("patients:search"), {"q": bad_check_digit(people[0].identity_number)}).content.decode()
    assert MSG_CHECKSUM in html and "Registrera en ny patient" not in html and "Ingen patient" not in html
    html = client.get(reverse("patients:search"), {"q": "19400101-12"}).content.decode()
    assert "Personnumret är inte giltigt" in html and "Registrera en ny patient" not in html


def test_order_search_finds_every_form_and_refuses_abc(people, client_for):
    client, _ = client_for("prescriber", "region")
    for patient in people:
        for form in forms_of(patient.identity_number):
            r = client.get(reverse("ordering:order_search"), {"identity": form})
            assert r.status_code == 200 and "Personnumret är inte giltigt" not in r.content.decode(), form
    html = client.get(reverse("ordering:order_search"), {"identity": "abc"}).content.decode()
    assert "Personnumret är inte giltigt" in html
    html = client.get(reverse("ordering:order_search"),
                      {"identity": bad_check_digit(people[0].identity_number)}).content.decode()
    assert MSG_CHECKSUM in html


def test_api_lookup_finds_every_form_and_says_why_a_number_is_invalid(people, api):
    for patient in people:
        for form in forms_of(patient.identity_number):
            r = api.region.get("/api/v1/patients", {"identity_number": form})
            assert r.status_code == 200 and r.json()["items"][0]["id"] == patient.pk, (form, r.content)
    r = api.region.get("/api/v1/patients", {"identity_number": bad_check_digit(people[0].identity_number)})
    assert r.status_code == 422 and r.json()["errors"][0]["message"] == MSG_CHECKSUM
    r = api.region.get("/api/v1/patients", {"identity_number": "abc"})
    assert r.status_code == 422 and "Personnumret är inte giltigt" in r.json()["errors"][0]["message"]


def test_api_says_why_a_number_is_invalid_in_the_callers_language(people, api):
    """Issue 15: the same refusal in English with Accept-Language: en, Swedish without."""
    bad = bad_check_digit(people[0].identity_number)
    r = api.region.get("/api/v1/patients", {"identity_number": bad}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 422 and r["Content-Language"] == "en"
    assert r.json()["errors"][0]["message"] == "The personal identity number is not valid: the check digit is wrong."
    assert r.json()["title"] == "Invalid data"
    r = api.region.get("/api/v1/patients", {"identity_number": bad})
    assert r.json()["errors"][0]["message"] == MSG_CHECKSUM and r.json()["title"] == "Ogiltiga uppgifter"
