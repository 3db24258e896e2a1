"""SupplyRequest (lines of buffer-store orders) and SupplyDelivery (delivered lines: to a patient,
which starts the loan, or into a buffer store): read and search, every resource validated with
fhir.resources (R4B models, as the rest of the facade), per-customer isolation, patient-access
rows for reads that show patient data, OperationOutcome on errors."""
import pytest

from audit.models import PatientAccess
from ordering.flows import buffer
from ordering.models import DeliveryLine, Order
from ordering.tests import factories as of
from ordering.tests.test_buffer import store, withdraw  # noqa: F401  (fixture)
from supply import services as supply

from .test_fhir import valid


@pytest.fixture
def supplied(store, api):  # noqa: F811
    """Two withdrawals to the store's patient (delivered at once, loans started) that bring the
    walker under its safety level: an automatic replenishment, delivered into the store; a manual
    store order of pads, submitted; another one left as a draft."""
    of.stock_devices(store.walker, new=5)
    of.stock_units(store.pads, 50)
    for serial in ("W0", "W1"):
        withdraw(store, serial=serial)
    store.rep = Order.objects.get(kind="replenishment")
    supply.order_confirm(store.handler, store.rep.pk)
    supply.order_dispatch(store.handler, store.rep.pk)
    supply.order_deliver(store.handler, store.rep.pk, receiver_name="Fia Förråd", place="hospital_or_unit")
    store.manual = buffer.buffer_order_create(store.k, buffer.BufferOrderInput(
        store_id=store.store.pk, lines=[buffer.BufferLineInput(store.pads.article_number, 25)]))
    buffer.buffer_order_submit(store.k, store.manual.pk)
    store.draft = buffer.buffer_order_create(store.k, buffer.BufferOrderInput(
        store_id=store.store.pk, lines=[buffer.BufferLineInput(store.pads.article_number, 5)]))
    store.withdrawals = list(Order.objects.filter(kind="withdrawal").order_by("id"))
    store.api = api
    return store


def entries(body):
    return [e["resource"] for e in body["entry"]]


def test_supply_requests_are_the_buffer_orders_lines_searchable_and_isolated(supplied):
    s, api = supplied, supplied.api
    body = valid(api.municipality.get("/fhir/R4/SupplyRequest").json())
    got = {(r["category"]["coding"][0]["code"], r["status"]) for r in entries(body)}
    assert got == {("replenishment", "completed"), ("buffer_manual", "active"), ("buffer_manual", "draft")}
    rep_lines = [str(pk) for pk in s.rep.lines.order_by("line_no").values_list("pk", flat=True)]
    assert len(rep_lines) == 4  # a tracked article: one line per device
    # The withdrawals (to a patient) are DeviceRequests, not SupplyRequests.
    assert body["total"] == len(rep_lines) + 2
    rep_line = s.rep.lines.get(line_no=1)
    rep = valid(api.municipality.get(f"/fhir/R4/SupplyRequest/{rep_line.pk}").json())
    assert rep["quantity"]["value"] == rep_line.quantity
    assert rep["itemCodeableConcept"]["coding"][0]["code"] == s.walker.article_number
    assert rep["deliverTo"]["reference"] == f"Organization/unit-{s.store.unit_id}"
    assert rep["deliverTo"]["identifier"]["value"] == s.store.code
    assert rep["supplier"][0]["reference"] == f"Organization/org-{s.world['supply'].pk}"
    assert rep["identifier"][0]["value"] == f"{s.rep.number}-1"

    def search(client=api.municipality, **params):
        r = client.get("/fhir/R4/SupplyRequest", params)
        assert r.status_code == 200, r.content
        return [x["id"] for x in entries(valid(r.json()))]

    assert search(identifier=s.rep.number) == rep_lines
    assert search(identifier=f"urn:lyfta:order-number|{s.rep.number}-1") == [str(rep_line.pk)]
    assert search(identifier=f"{s.rep.number}-2") == rep_lines[1:2]
    assert search(identifier=f"{s.rep.number}-9") == []
    assert search(status="completed") == rep_lines
    assert len(search(status="active,draft")) == 2
    assert search(category="replenishment") == rep_lines
    assert search(category="to_patient") == []
    assert len(search(subject=f"Organization/unit-{s.store.unit_id}")) == len(rep_lines) + 2
    assert search(subject=f"Organization/unit-{s.world['region_unit'].pk}") == []
    # The supply centre sees every customer's buffer orders but drafts; another customer none.
    assert len(search(api.supply)) == len(rep_lines) + 1
    assert search(api.region) == []
    for client, lid in ((api.region, rep_line.pk), (api.supply, s.draft.lines.get().pk),
                        (api.municipality, 999999), (api.municipality, "abc")):
        r = client.get(f"/fhir/R4/SupplyRequest/{lid}")
        assert r.status_code == 404 and valid(r.json())["resourceType"] == "OperationOutcome"
    assert not PatientAccess.objects.filter(view__startswith="fhir_supply").exists()


def test_supply_deliveries_to_the_patient_and_into_the_store(supplied):
    s, api = supplied, supplied.api
    pid = s.patient.pk
    before = PatientAccess.objects.count()
    body = valid(api.municipality.get(f"/fhir/R4/SupplyDelivery?patient=Patient/{pid}").json())
    assert PatientAccess.objects.count() == before + 1
    assert PatientAccess.objects.latest("id").view == "fhir_supplydelivery_search"
    assert body["total"] == 2
    for res in entries(body):
        assert res["patient"]["reference"] == f"Patient/{pid}" and res["status"] == "completed"
        assert res["suppliedItem"]["itemReference"]["reference"].startswith("Device/")
        assert res["suppliedItem"]["quantity"]["value"] == 1 and "basedOn" not in res
    dev_id = entries(body)[0]["suppliedItem"]["itemReference"]["reference"].split("/")[1]
    valid(api.municipality.get(f"/fhir/R4/Device/{dev_id}").json())  # the device on loan (its own access row)

    before = PatientAccess.objects.count()
    into_store = valid(api.municipality.get("/fhir/R4/SupplyDelivery", {"identifier": s.rep.number}).json())
    assert into_store["total"] >= 1
    res = entries(into_store)[0]
    assert res["basedOn"][0]["reference"].removeprefix("SupplyRequest/") in {
        str(pk) for pk in s.rep.lines.values_list("pk", flat=True)}
    assert "patient" not in res and res["destination"]["identifier"]["value"] == s.store.code
    assert res["receiver"] == [{"display": "Fia Förråd"}]
    assert PatientAccess.objects.count() == before  # no patient shown, no row

    n = PatientAccess.objects.count()
    by_number = valid(api.municipality.get("/fhir/R4/SupplyDelivery",
                                           {"identifier": s.withdrawals[0].number}).json())
    assert by_number["total"] == 1 and PatientAccess.objects.count() == n + 1  # the patient it shows
    dl = DeliveryLine.objects.filter(delivery__order=s.withdrawals[0]).get()
    one = valid(api.municipality.get(f"/fhir/R4/SupplyDelivery/{dl.pk}").json())
    assert one["id"] == str(dl.pk) and PatientAccess.objects.latest("id").view == "fhir_supplydelivery"
    assert PatientAccess.objects.count() == n + 2
    valid(api.supply.get(f"/fhir/R4/SupplyDelivery/{dl.pk}").json())

    # Another customer: 404 for the read and the patient, nothing by number; no access row.
    n = PatientAccess.objects.count()
    for url in (f"/fhir/R4/SupplyDelivery/{dl.pk}", f"/fhir/R4/SupplyDelivery?patient=Patient/{pid}"):
        r = api.region.get(url)
        assert r.status_code == 404 and valid(r.json())["resourceType"] == "OperationOutcome", url
    assert api.region.get("/fhir/R4/SupplyDelivery", {"identifier": s.rep.number}).json()["total"] == 0
    assert PatientAccess.objects.count() == n


@pytest.mark.parametrize("url", [
    "/fhir/R4/SupplyDelivery",
    "/fhir/R4/SupplyDelivery?patient=Device/1",
    "/fhir/R4/SupplyRequest?subject=Patient/1",
    "/fhir/R4/SupplyRequest?subject=Organization/org-1",
    "/fhir/R4/SupplyRequest?_count=0",
    "/fhir/R4/SupplyDelivery?identifier=X&_offset=-1",
])
def test_bad_supply_searches_are_operation_outcomes(api, url):
    r = api.municipality.get(url)
    assert 400 <= r.status_code < 500 and r["Content-Type"].startswith("application/fhir+json")
    assert valid(r.json())["resourceType"] == "OperationOutcome"


def test_supply_needs_credentials_and_is_in_the_capability_statement(client, db):
    r = client.get("/fhir/R4/SupplyRequest")
    assert r.status_code == 401 and valid(r.json())["resourceType"] == "OperationOutcome"
    body = valid(client.get("/fhir/R4/metadata").json())
    res = {x["type"]: x for x in body["rest"][0]["resource"]}
    assert {p["name"] for p in res["SupplyRequest"]["searchParam"]} >= {"identifier", "subject", "status",
                                                                        "category"}
    assert {p["name"] for p in res["SupplyDelivery"]["searchParam"]} >= {"patient", "identifier"}
    assert {i["code"] for i in res["SupplyDelivery"]["interaction"]} == {"read", "search-type"}
