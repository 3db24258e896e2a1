import datetime
from pathlib import Path

import pytest
from django.urls import reverse

from audit.models import PatientAccess
from patients.tests.factories import PatientFactory
from stock import card, services
from stock.models import Location
from stock.services import DeviceIn

pytestmark = pytest.mark.django_db


@pytest.fixture
def stocked(article, bulk_article, central, world):
    services.receive(article=article, devices=[DeviceIn("RS-1", "refurbished"), DeviceIn("RS-2", "new")])
    services.receive(article=bulk_article, quantity=12)
    patient = PatientFactory(customer=world["region"], first_name="Lena", last_name="Lånesson")
    device = services.allocate(article=article, quantity=1, ref="KO1/1").devices[0]
    services.deliver_to_patient(device=device, patient=patient, customer=world["region"], ref="KO1/1",
                                on=datetime.date(2026, 10, 1))
    return {"patient": patient, "device": device}


def test_overview_for_supply(client_for, stocked, article, bulk_article, django_assert_max_num_queries):
    client, _ = client_for("supply_handler")
    with django_assert_max_num_queries(11):
        r = client.get(reverse("stock:overview"))
    body = r.content.decode()
    assert r.status_code == 200
    assert bulk_article.name in body and article.name in body
    assert "<th scope=\"col\"" in body


def test_overview_search_by_serial_opens_card(client_for, stocked):
    client, _ = client_for("supply_handler")
    r = client.get(reverse("stock:overview"), {"q": "RS-2"})
    assert r.status_code == 302 and r["Location"] == reverse("stock:device", args=["RS-2"])


def test_overview_requires_perm(client_for):
    client, _ = client_for("prescriber")
    assert client.get(reverse("stock:overview")).status_code == 403


def test_store_keeper_sees_only_own_buffer_store(client_for, stocked, article, world):
    store = Location.objects.create(code="BUF-A", name="Förråd Testby", kind="buffer_store",
                                    unit=world["municipality_unit"])
    services.receive(article=article, location=store, devices=[DeviceIn("BUF-DEV")])
    client, _ = client_for("store_keeper", "municipality")
    body = client.get(reverse("stock:overview")).content.decode()
    assert "Förråd Testby" in body and "Centrallager" not in body
    assert client.get(reverse("stock:device", args=["BUF-DEV"])).status_code == 200
    assert client.get(reverse("stock:device", args=["RS-2"])).status_code == 404


def test_device_card_shows_holder_loans_movements_and_logs_access(client_for, stocked):
    client, _ = client_for("supply_handler")
    device = stocked["device"]
    r = client.get(reverse("stock:device", args=[device.serial]))
    body = r.content.decode()
    assert r.status_code == 200
    assert "Lena Lånesson" in body and "2026-10-01" in body and "pågår" in body
    assert "Reservation" in body and "Uttag/utleverans" in body
    assert PatientAccess.objects.filter(patient_id=stocked["patient"].pk, view="device_card").count() == 1
    assert client.get(reverse("stock:device", args=["NOPE"])).status_code == 404


def test_device_card_extension_sections(client_for, stocked, settings):
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [*engine["DIRS"], Path(__file__).parent / "templates"]}]
    card.register(card.CardSection("test", "stock/tests_section.html", lambda d, p: {"note": "extra-historik"}))
    try:
        client, _ = client_for("supply_handler")
        body = client.get(reverse("stock:device", args=[stocked["device"].serial])).content.decode()
        assert "extra-historik " + stocked["device"].serial in body
    finally:
        card._sections.pop("test")


def test_article_page_lists_devices_with_constant_queries(client_for, stocked, article, django_assert_num_queries):
    client, _ = client_for("supply_handler")
    url = reverse("stock:article", args=[article.article_number])
    client.get(url)
    # session, user, OTP device, roles, article, levels, devices, availability, inbox badge
    with django_assert_num_queries(9) as ctx:
        r = client.get(url)
    body = r.content.decode()
    assert r.status_code == 200 and "RS-1" in body and "RS-2" in body
    services.receive(article=article, devices=[DeviceIn(f"MORE-{i}") for i in range(10)])
    with django_assert_num_queries(len(ctx.captured_queries)):
        assert "MORE-9" in client.get(url).content.decode()
    store_keeper, _ = client_for("store_keeper", "municipality")
    assert store_keeper.get(url).status_code == 404
