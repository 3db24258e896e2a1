"""FHIR R4 facade: resources validate against R4 models (fhir.resources, R4B package, whose
resources used here match R4), searches page, isolation 404s, the patient-access log, and
create via DeviceRequest makes the same order as the JSON API."""
import json

import pytest
from fhir.resources.R4B import get_fhir_model_class

from audit.models import PatientAccess
from ordering.models import Order
from ordering.tests import factories as of
from tests import factories as f


def valid(resource: dict) -> dict:
    cls = get_fhir_model_class(resource["resourceType"])
    cls.model_validate(resource)
    if resource["resourceType"] == "Bundle":
        for e in resource.get("entry", []):
            if "resource" in e:
                valid(e["resource"])
    return resource


def post(client, url, body, **headers):
    return client.post(url, data=json.dumps(body), content_type="application/fhir+json", **headers)


@pytest.fixture
def goods(world):
    chair = of.wheelchair()
    return {"chair": chair, "cushion": of.cushion(chair), "patient": of.patient(world["region"])}


def device_requests(goods, *, status="active", group="G-1", hsa="SE2321000016-P00001"):
    def one(article, qty):
        return {"resourceType": "DeviceRequest", "status": status, "intent": "order",
                "groupIdentifier": {"value": group},
                "codeCodeableConcept": {"coding": [{"system": "urn:lyfta:article", "code": article}]},
                "parameter": [{"code": {"text": "quantity"}, "valueQuantity": {"value": qty}}],
                "subject": {"identifier": {"system": "urn:oid:1.2.752.129.2.1.3.1",
                                           "value": goods["patient"].identity_number}},
                "requester": {"identifier": {"system": "urn:oid:1.2.752.29.4.19", "value": hsa}}}
    return [one(goods["chair"].article_number, 1), one(goods["cushion"].article_number, 2)]


def bundle(resources):
    return {"resourceType": "Bundle", "type": "transaction",
            "entry": [{"resource": r, "request": {"method": "POST", "url": "DeviceRequest"}} for r in resources]}


def test_metadata_is_a_capability_statement(client, db):
    r = client.get("/fhir/R4/metadata")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/fhir+json")
    body = valid(r.json())
    assert body["fhirVersion"] == "4.0.1"
    assert {res["type"] for res in body["rest"][0]["resource"]} >= {
        "Patient", "Device", "DeviceRequest", "ServiceRequest", "Task", "Organization"}


def test_unauthenticated_is_401_operation_outcome(client, db):
    r = client.get("/fhir/R4/Patient/1")
    assert r.status_code == 401 and valid(r.json())["resourceType"] == "OperationOutcome"


def test_create_transaction_and_read_everything_back(api, goods, world):
    r = post(api.region, "/fhir/R4/", bundle(device_requests(goods)))
    assert r.status_code == 200, r.content
    resp = valid(r.json())
    assert resp["type"] == "transaction-response" and len(resp["entry"]) == 2
    order = Order.objects.get()
    assert order.status == "submitted" and order.customer_id == world["region"].pk
    assert order.patient_id == goods["patient"].pk and order.orderer.username == "region-orderer"
    line_id = resp["entry"][0]["resource"]["id"]

    pid = goods["patient"].pk
    before = PatientAccess.objects.count()
    r = api.region.get(f"/fhir/R4/DeviceRequest?patient=Patient/{pid}")
    assert r.status_code == 200
    b = valid(r.json())
    assert b["type"] == "searchset" and b["total"] == 2
    assert PatientAccess.objects.count() == before + 1
    assert {e["resource"]["groupIdentifier"]["value"] for e in b["entry"]} == {order.number}

    task = valid(api.region.get(f"/fhir/R4/Task?focus=DeviceRequest/{line_id}").json())
    assert task["total"] == 1 and task["entry"][0]["resource"]["status"] == "requested"
    assert task["entry"][0]["resource"]["businessStatus"]["coding"][0]["code"] == "submitted"
    valid(api.region.get(f"/fhir/R4/Task/{order.pk}").json())
    valid(api.region.get(f"/fhir/R4/DeviceRequest/{line_id}").json())
    valid(api.region.get(f"/fhir/R4/Task?identifier={order.number}").json())

    p = valid(api.region.get(f"/fhir/R4/Patient/{pid}").json())
    assert p["identifier"][0]["value"] == goods["patient"].identity_number
    s = valid(api.region.get("/fhir/R4/Patient", {
        "identifier": f"urn:oid:1.2.752.129.2.1.3.1|{goods['patient'].identity_number}"}).json())
    assert s["total"] == 1 and s["entry"][0]["resource"]["id"] == str(pid)
    valid(api.region.get(f"/fhir/R4/Organization/org-{world['region'].pk}").json())
    valid(api.region.get(f"/fhir/R4/Organization/unit-{world['region_unit'].pk}").json())

    # Isolation: the other customer gets 404 OperationOutcome for all of it.
    for url in (f"/fhir/R4/DeviceRequest/{line_id}", f"/fhir/R4/Task/{order.pk}", f"/fhir/R4/Patient/{pid}",
                f"/fhir/R4/DeviceRequest?patient=Patient/{pid}", f"/fhir/R4/Device?patient=Patient/{pid}",
                f"/fhir/R4/Organization/org-{world['region'].pk}",
                f"/fhir/R4/Organization/unit-{world['region_unit'].pk}"):
        r = api.municipality.get(url)
        assert r.status_code == 404, url
        assert valid(r.json())["resourceType"] == "OperationOutcome"
    assert api.municipality.get(f"/fhir/R4/Task?focus=DeviceRequest/{line_id}").json()["total"] == 0


def test_create_makes_the_same_order_as_the_json_api(api, goods):
    r = post(api.region, "/fhir/R4/DeviceRequest", device_requests(goods)[0])
    assert r.status_code == 201, r.content
    valid(r.json())
    fhir_order = Order.objects.get()
    r = api.region.post("/api/v1/orders", data=json.dumps({
        "patient_identity_number": goods["patient"].identity_number, "submit": True,
        "orderer_hsa_id": "SE2321000016-P00001",
        "lines": [{"article_number": goods["chair"].article_number, "quantity": 1}]}),
        content_type="application/json")
    assert r.status_code == 201, r.content
    json_order = Order.objects.exclude(pk=fhir_order.pk).get()

    def shape(o):
        return (o.order_type, o.kind, o.status, o.customer_id, o.unit_id, o.cost_centre_id, o.patient_id,
                o.orderer_id, o.priority, o.delivery_to, o.promised_date,
                [(ln.article_id, ln.quantity, ln.monthly_rent, ln.unit_price) for ln in o.lines.order_by("line_no")])

    assert shape(fhir_order) == shape(json_order)


def test_bad_input_is_operation_outcome_and_writes_nothing(api, goods):
    bad = device_requests(goods)
    bad[1]["groupIdentifier"] = {"value": "other"}
    cases = [
        bundle(bad),
        {"resourceType": "Patient"},
        {**device_requests(goods)[0], "parameter": [{"code": {"text": "quantity"}, "valueQuantity": {"value": 0}}]},
        {**device_requests(goods)[0], "codeCodeableConcept": {"coding": [{"system": "urn:lyfta:article",
                                                                          "code": "NOPE"}]}},
        {**device_requests(goods)[0], "subject": {"reference": "Patient/999999"}},
        "not json at all",
    ]
    for body in cases:
        r = (api.region.post("/fhir/R4/DeviceRequest", data=body, content_type="application/fhir+json")
             if isinstance(body, str) else post(api.region, "/fhir/R4/DeviceRequest", body))
        assert 400 <= r.status_code < 500, (body, r.content)
        assert valid(r.json())["resourceType"] == "OperationOutcome"
    assert Order.objects.count() == 0


def test_device_search_by_patient_and_paging(api, goods, world):
    from stock.models import Device, Loan

    patient = goods["patient"]
    cc = f.CostCentreFactory(organisation=world["region"]) if hasattr(f, "CostCentreFactory") else None
    for i in range(3):
        d = Device.objects.create(serial=f"SN-{i}", article=goods["chair"], status="on_loan", holder_patient=patient)
        Loan.objects.create(device=d, patient=patient, customer=world["region"], started_on="2026-01-01",
                            **({"cost_centre": cc} if cc else {}))
    r = api.region.get(f"/fhir/R4/Device?patient=Patient/{patient.pk}&_count=2")
    b = valid(r.json())
    assert b["total"] == 3 and len(b["entry"]) == 2 and any(li["relation"] == "next" for li in b["link"])
    nxt = next(li["url"] for li in b["link"] if li["relation"] == "next")
    b2 = valid(api.region.get(nxt).json())
    assert len(b2["entry"]) == 1
    dev = b["entry"][0]["resource"]
    assert dev["patient"]["reference"] == f"Patient/{patient.pk}" and dev["serialNumber"].startswith("SN-")
    valid(api.region.get(f"/fhir/R4/Device/{dev['id']}").json())
    assert api.municipality.get(f"/fhir/R4/Device/{dev['id']}").status_code == 404
    assert api.region.get("/fhir/R4/Device?patient=Patient/1&_count=0").status_code == 422


def test_every_fhir_operation_declares_a_permission():
    import inspect

    from integration.fhir.api import fhir_api

    patterns, _, _ = fhir_api.urls
    for pattern in patterns:
        if not inspect.isfunction(pattern.callback):
            continue
        path_view = inspect.getclosurevars(pattern.callback).nonlocals["self"]
        for op in path_view.operations:
            assert op.view_func.__name__ == "metadata" or getattr(op.view_func, "lyfta_permission", None), \
                pattern.pattern
