"""Every FHIR read and search, and every JSON endpoint of integration, that answers with a
patient's data writes a patient-access row for that patient (issue 14: "the same patient-access
log as the JSON API"). The walk covers every GET operation of the FHIR facade and of
integration's JSON router: a new operation fails `test_the_walk_covers_every_get_operation`
until it is added here."""
import inspect

import pytest

from access.principal import principal_for_user
from access.roles import Role
from audit.models import PatientAccess
from ordering.flows import work as wo
from ordering.models import DeliveryLine, Order
from ordering.tests.test_buffer import store  # noqa: F401  (fixture)

from .test_fhir import valid
from .test_fhir_supply import supplied  # noqa: F401  (fixture)

# Operations that never answer with patient data (checked below: no patient in their answers).
NO_PATIENT_DATA = {"fhir_metadata", "fhir_organization_read", "fhir_supplyrequest_search",
                   "fhir_supplyrequest_read", "webhook_subscriptions", "webhook_deliveries", "events_feed"}


def get_operations(api) -> set[str]:
    patterns = api.urls[0]
    ops = set()
    for pattern in patterns:
        if not inspect.isfunction(pattern.callback):
            continue
        path_view = inspect.getclosurevars(pattern.callback).nonlocals["self"]
        ops |= {op.operation_id or op.view_func.__name__ for op in path_view.operations if "GET" in op.methods}
    return ops


def integration_get_operations() -> set[str]:
    from integration.webhooks_api import router

    return {op.operation_id for view in router.path_operations.values() for op in view.operations
            if "GET" in op.methods}


@pytest.fixture
def walk(supplied, make_user):  # noqa: F811
    """(operation id, url) for every GET operation, with the municipality's withdrawals to its
    patient (customer orders delivered to the patient: loans, devices, deliveries) and a work order."""
    s = supplied
    pid = s.patient.pk
    order = s.withdrawals[0]
    line = order.lines.get()
    device = s.devices[0]
    prescriber = principal_for_user(make_user(Role.PRESCRIBER, "municipality"))
    work = wo.work_order_create(prescriber, wo.WorkOrderInput(patient_id=pid, kind="repair_patient", device_serial="W0",
                                                       description="Bromsen tar inte"), submit=True)
    dline = DeliveryLine.objects.filter(delivery__order=order).first()
    rep_line = s.rep.lines.first()
    w = s.world
    return s, pid, [
        ("fhir_metadata", "/fhir/R4/metadata"),
        ("fhir_patient_search", f"/fhir/R4/Patient?identifier={s.patient.identity_number}"),
        ("fhir_patient_read", f"/fhir/R4/Patient/{pid}"),
        ("fhir_device_search", f"/fhir/R4/Device?patient=Patient/{pid}"),
        ("fhir_device_read", f"/fhir/R4/Device/{device.pk}"),
        ("fhir_devicerequest_search", f"/fhir/R4/DeviceRequest?patient=Patient/{pid}"),
        ("fhir_devicerequest_search", f"/fhir/R4/DeviceRequest?group-identifier={order.number}"),
        ("fhir_devicerequest_read", f"/fhir/R4/DeviceRequest/{line.pk}"),
        ("fhir_servicerequest_search", f"/fhir/R4/ServiceRequest?patient=Patient/{pid}"),
        ("fhir_servicerequest_read", f"/fhir/R4/ServiceRequest/{work.pk}"),
        ("fhir_task_search", f"/fhir/R4/Task?patient=Patient/{pid}"),
        ("fhir_task_search", f"/fhir/R4/Task?identifier={order.number}"),
        ("fhir_task_search", f"/fhir/R4/Task?focus=DeviceRequest/{line.pk}"),
        ("fhir_task_search", f"/fhir/R4/Task?focus=ServiceRequest/{work.pk}"),
        ("fhir_task_read", f"/fhir/R4/Task/{order.pk}"),
        ("fhir_supplyrequest_search", "/fhir/R4/SupplyRequest"),
        ("fhir_supplyrequest_read", f"/fhir/R4/SupplyRequest/{rep_line.pk}"),
        ("fhir_supplydelivery_search", f"/fhir/R4/SupplyDelivery?patient=Patient/{pid}"),
        ("fhir_supplydelivery_search", f"/fhir/R4/SupplyDelivery?identifier={order.number}"),
        ("fhir_supplydelivery_read", f"/fhir/R4/SupplyDelivery/{dline.pk}"),
        ("fhir_organization_read", f"/fhir/R4/Organization/org-{w['municipality'].pk}"),
        ("fhir_organization_read", f"/fhir/R4/Organization/unit-{w['municipality_unit'].pk}"),
        ("webhook_subscriptions", "/api/v1/webhooks/subscriptions"),
        ("webhook_deliveries", "/api/v1/webhooks/deliveries"),
        ("events_feed", "/api/v1/events?after=0&limit=1000"),
    ]


def test_the_walk_covers_every_get_operation(walk):
    from integration.fhir.api import fhir_api

    _, _, urls = walk
    walked = {op for op, _ in urls}
    missing = (get_operations(fhir_api) | integration_get_operations()) - walked
    assert not missing, f"GET operations not walked for the patient-access log: {sorted(missing)}"


def test_every_answer_with_patient_data_writes_a_patient_access_row(walk):
    s, pid, urls = walk
    client = s.api.municipality
    client.post("/api/v1/webhooks/subscriptions", {"target_url": "http://127.0.0.1:9/hook", "event_types": []},
                content_type="application/json")
    shows = (f"Patient/{pid}", s.patient.identity_number)
    for op, url in urls:
        before = set(PatientAccess.objects.values_list("pk", flat=True))
        r = client.get(url)
        assert r.status_code == 200, (url, r.content[:300])
        body = r.content.decode()
        if url.startswith("/fhir/"):
            valid(r.json())
        new = PatientAccess.objects.exclude(pk__in=before)
        shown = any(x in body for x in shows)
        if op in NO_PATIENT_DATA:
            assert not shown, f"{url} answers with patient data"
        else:
            assert shown, f"{url}: the walk's data should show the patient"
            assert new.filter(patient_id=pid).exists(), f"{url} shows the patient but wrote no patient-access row"


def test_search_by_order_number_logs_each_patient_once(walk):
    """The gap closed: by order number (DeviceRequest group-identifier, Task identifier/focus) the
    page's patients are logged, one row per distinct patient, with the search's view code."""
    s, pid, _ = walk
    client = s.api.municipality
    order = s.withdrawals[0]
    line = order.lines.get()
    for url, view in ((f"/fhir/R4/DeviceRequest?group-identifier={order.number}", "fhir_devicerequest_search"),
                      (f"/fhir/R4/Task?identifier={order.number}", "fhir_order_search"),
                      (f"/fhir/R4/Task?focus=DeviceRequest/{line.pk}", "fhir_order_search")):
        n = PatientAccess.objects.count()
        body = client.get(url).json()
        assert body["total"] == 1 and f"Patient/{pid}" in str(body)
        assert PatientAccess.objects.count() == n + 1, url
        assert PatientAccess.objects.latest("id").view == view and PatientAccess.objects.latest("id").patient_id == pid
    # A buffer order (to a store) has no patient: nothing is logged.
    n = PatientAccess.objects.count()
    assert client.get(f"/fhir/R4/Task?identifier={s.rep.number}").json()["total"] == 1
    assert PatientAccess.objects.count() == n
    assert Order.objects.filter(number=s.rep.number, patient__isnull=True).exists()
