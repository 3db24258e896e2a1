"""Issue 15: the return receipt, the fault-report label and the delivery note are printed in the
language of the user asking for them (the request's language: the language cookie, or
Accept-Language on the API), with dates in that language's format; Swedish by default."""
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import login_verified
from core.formats import document_date
from ordering.flows import fault as fr
from ordering.flows import pickup as pickups
from ordering.tests.conftest import make_order
from ordering.tests.service_fixtures import *  # noqa: F401,F403
from supply import services as supply
from tests.pdf_text import pdf_text


def client_in(user, language=None) -> Client:
    client = login_verified(Client(), user)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def pdf(client, url, **headers) -> str:
    r = client.get(url, **headers)
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf", r.content[:300]
    return pdf_text(r.content)


def test_document_date_per_language():
    import datetime as dt

    from django.utils import translation

    day = dt.date(2026, 12, 4)
    assert document_date(day) == "2026-12-04"
    with translation.override("en"):
        assert document_date(day) == "4 Dec 2026"


def test_return_receipt_in_english_and_swedish(svc):
    receipt = pickups.return_receipt_create(svc.p, svc.patient.pk, [svc.walker_device.serial])
    url = reverse("ordering:receipt_pdf", args=[receipt.pk])
    today = timezone.localdate()
    english = pdf(client_in(svc.prescriber, "en"), url)
    assert f"Return receipt {receipt.number}" in english
    for text in ("Receipt number", "Prescriber", "Serial number", "The following devices have been returned",
                 "Signature of the patient/representative"):
        assert text in english, text
    assert "Återlämningskvitto" not in english and "Individnummer" not in english
    assert today.strftime("%-d %b %Y") in english
    swedish = pdf(client_in(svc.prescriber), url)
    assert f"Återlämningskvitto {receipt.number}" in swedish and "Individnummer" in swedish
    assert today.isoformat() in swedish and "Return receipt" not in swedish


def test_fault_label_in_english_and_swedish(svc):
    order = fr.fault_report_create(svc.p, fr.FaultReportInput(
        kind="negative_event", concerns="device", description="Bromsen släppte i backe.",
        occurred_on=timezone.localdate(), patient_id=svc.patient.pk, device_serial=svc.device.serial,
        injury=False, remedy="replacement", return_method="technician", reply_to_reporter=True))
    url = reverse("ordering:fault_label", args=[order.pk])
    english = pdf(client_in(svc.prescriber, "en"), url)
    assert "FAULT REPORT – do not use" in english and f"Concerns: {svc.device.serial}" in english
    assert "Registered: " + timezone.localdate().strftime("%-d %b %Y") in english and "AVVIKELSE" not in english
    swedish = pdf(client_in(svc.prescriber), url)
    assert "AVVIKELSE – får ej användas" in swedish and f"Avser: {svc.device.serial}" in swedish
    assert "Registrerad: " + timezone.localdate().isoformat() in swedish


def test_delivery_note_in_english_and_swedish(stocked):
    order = make_order(stocked)
    supply.order_confirm(stocked.h, order.pk)
    supply.order_dispatch(stocked.h, order.pk)
    supply.order_deliver(stocked.h, order.pk, receiver_name="Astrid", place="stay_address")
    url = reverse("ordering:delivery_note", args=[order.deliveries.get().pk])
    english = pdf(client_in(stocked.prescriber, "en"), url)
    assert f"Delivery note – order {order.number}" in english
    for text in ("Order number", "Delivery date", "Ordering unit", "Delivery address", "Serial number",
                 "Received and signed for by: Astrid", "Date: " + timezone.localdate().strftime("%-d %b %Y")):
        assert text in english, text
    assert "Följesedel" not in english and "Leveransdatum" not in english
    swedish = pdf(client_in(stocked.prescriber), url)
    assert f"Följesedel – order {order.number}" in swedish and "Mottaget och kvitterat av: Astrid" in swedish
    assert "Datum: " + timezone.localdate().isoformat() in swedish


def test_english_pdf_request_leaves_swedish_active(svc):
    from django.utils import translation

    receipt = pickups.return_receipt_create(svc.p, svc.patient.pk, [svc.walker_device.serial])
    pdf(client_in(svc.prescriber, "en"), reverse("ordering:receipt_pdf", args=[receipt.pk]))
    assert translation.get_language() == "sv"


@pytest.mark.parametrize("accept, heading", [("en", "Return receipt"), ("sv", "Återlämningskvitto"),
                                             ("", "Återlämningskvitto")])
def test_return_receipt_over_the_api_follows_accept_language(svc, accept, heading):
    from tests import factories as f

    receipt = pickups.return_receipt_create(svc.p, svc.patient.pk, [svc.walker_device.serial])
    f.api_client(svc.world["region"], "pdf-token")
    client = Client(HTTP_AUTHORIZATION="Bearer pdf-token")
    headers = {"HTTP_ACCEPT_LANGUAGE": accept} if accept else {}
    text = pdf(client, f"/api/v1/return-receipts/{receipt.pk}/pdf", **headers)
    assert f"{heading} {receipt.number}" in text
