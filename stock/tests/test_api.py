import datetime

import pytest

from audit.models import PatientAccess
from patients.tests.factories import PatientFactory
from stock import services
from stock.services import DeviceIn

pytestmark = pytest.mark.django_db


def test_availability_and_device_api(api, article, central, world):
    services.receive(article=article, devices=[DeviceIn("API-1", "refurbished"), DeviceIn("API-2")])
    r = api.supply.get(f"/api/v1/stock/availability/{article.article_number}")
    assert r.status_code == 200 and r.json() == {"article_number": article.article_number, "new": 1,
                                                 "refurbished": 1, "total": 2}
    assert api.supply.get("/api/v1/stock/availability/NOPE").status_code == 404
    assert api.region.get(f"/api/v1/stock/availability/{article.article_number}").status_code == 403
    patient = PatientFactory(customer=world["region"])
    device = services.allocate(article=article, quantity=1, ref="KO").devices[0]
    services.deliver_to_patient(device=device, patient=patient, customer=world["region"], ref="KO",
                                on=datetime.date(2026, 5, 4))
    body = api.supply.get("/api/v1/stock/devices/API-1").json()
    assert body["status"] == "on_loan" and body["holder_patient_id"] == patient.pk
    assert body["open_loan_started_on"] == "2026-05-04"
    assert PatientAccess.objects.filter(patient_id=patient.pk, view="api_device_read").count() == 1
    assert api.supply.get("/api/v1/stock/devices/NOPE").status_code == 404
