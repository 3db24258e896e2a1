"""Service-order pages and API: isolation between customers (404 for users and tokens),
patient-access audit on every view of patient data, idempotent submission, bad input rejected
with nothing written, the supply pages and the query count of the patient view."""
import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import PatientAccess
from conftest import login_verified
from ordering.flows import fault as fr
from ordering.flows import pickup as pickups
from ordering.flows import work as wo
from ordering.models import Message, Order, OrderAttachment
from ordering.tests.service_fixtures import *  # noqa: F401,F403
from stock.models import Device, Loan


def post(client, url, body, **headers):
    return client.post(url, data=json.dumps(body), content_type="application/json", **headers)


def make_wo(svc, submit=True, device=True):
    return wo.work_order_create(svc.p, wo.WorkOrderInput(patient_id=svc.patient.pk, kind="repair_patient",
                                                         description="Trasig broms",
                                                         device_serial=svc.device.serial if device else ""),
                                submit=submit)


def make_fault(svc, reply=True):
    return fr.fault_report_create(svc.p, fr.FaultReportInput(
        kind="near_miss", concerns="device", description="Nästan olycka", occurred_on=timezone.localdate(),
        patient_id=svc.patient.pk, device_serial=svc.device.serial, reply_to_reporter=reply))


def make_pickup(svc):
    return pickups.pickup_create(svc.p, pickups.PickupInput(
        patient_id=svc.patient.pk, lines=[pickups.PickupLineInput(svc.device.serial, "not_needed")]))


@pytest.fixture
def pc(svc, client):
    return login_verified(client, svc.prescriber)


@pytest.fixture
def hc(svc):
    from django.test import Client

    return login_verified(Client(), svc.handler)


# --------------------------------------------------------------------------- isolation


@pytest.mark.parametrize("kind", ["work", "pickup", "fault"])
def test_other_customer_user_gets_404(svc, kind, client_for):
    order = {"work": make_wo, "pickup": make_pickup, "fault": make_fault}[kind](svc)
    name = {"work": "ordering:wo_detail", "pickup": "ordering:pickup_detail", "fault": "ordering:fault_detail"}[kind]
    other, _ = client_for("prescriber", "municipality")
    assert other.get(reverse(name, args=[order.pk])).status_code == 404
    assert order.number not in other.get(reverse(name.replace("detail", "search"))).content.decode()


@pytest.mark.parametrize("kind", ["work", "pickup", "fault"])
def test_other_customer_token_gets_404(svc, api, kind):
    order = {"work": make_wo, "pickup": make_pickup, "fault": make_fault}[kind](svc)
    path = {"work": "work-orders", "pickup": "pickup-orders", "fault": "fault-reports"}[kind]
    assert api.municipality.get(f"/api/v1/{path}/{order.pk}").status_code == 404
    assert api.region.get(f"/api/v1/{path}/{order.pk}").status_code == 200
    assert api.municipality.get(f"/api/v1/{path}").json() == []


def test_other_customer_cannot_attach_or_download(svc, client_for):
    order = make_wo(svc)
    att = OrderAttachment.objects.create(order=order, name="a.pdf", content_type="application/pdf", size=4,
                                         file=SimpleUploadedFile("a.pdf", b"%PDF"))
    other, _ = client_for("prescriber", "municipality")
    assert other.get(reverse("ordering:attachment", args=[att.pk])).status_code == 404
    r = other.post(reverse("ordering:wo_attach", args=[order.pk]),
                   {"file": SimpleUploadedFile("b.pdf", b"%PDF-1.4 x")})
    assert r.status_code == 404
    assert OrderAttachment.objects.count() == 1


def test_customer_cannot_reach_supply_pages(svc, pc):
    order = make_wo(svc)
    assert pc.get(reverse("supply:wo_handle", args=[order.pk])).status_code == 403
    assert pc.post(reverse("supply:wo_cancel", args=[order.pk]), {"reason": "x"}).status_code == 403
    assert Order.objects.get(pk=order.pk).status == "submitted"


# --------------------------------------------------------------------------- patient-access audit


@pytest.mark.parametrize("kind", ["work", "pickup", "fault"])
def test_detail_pages_write_one_access_row(svc, pc, hc, kind):
    order = {"work": make_wo, "pickup": make_pickup, "fault": make_fault}[kind](svc)
    name = {"work": "ordering:wo_detail", "pickup": "ordering:pickup_detail", "fault": "ordering:fault_detail"}[kind]
    before = PatientAccess.objects.filter(patient_id=svc.patient.pk).count()
    assert pc.get(reverse(name, args=[order.pk])).status_code == 200
    assert PatientAccess.objects.filter(patient_id=svc.patient.pk).count() == before + 1
    sname = {"work": "supply:wo_handle", "pickup": "supply:pickup_handle", "fault": "supply:fault_handle"}[kind]
    assert hc.get(reverse(sname, args=[order.pk])).status_code == 200
    assert PatientAccess.objects.filter(patient_id=svc.patient.pk, actor_label__isnull=False).count() == before + 2


def test_api_read_writes_access_row(svc, api):
    order = make_wo(svc)
    before = PatientAccess.objects.count()
    api.region.get(f"/api/v1/work-orders/{order.pk}")
    assert PatientAccess.objects.count() == before + 1


def test_patient_view_shows_service_orders_with_one_access_row(svc, pc):
    w, f = make_wo(svc), make_fault(svc)
    before = PatientAccess.objects.count()
    html = pc.get(reverse("ordering:patient_view", args=[svc.patient.pk])).content.decode()
    assert w.number in html and f.number in html
    assert PatientAccess.objects.count() == before + 1


def test_patient_view_query_count_does_not_grow(svc, pc):
    make_wo(svc)
    make_pickup(svc)
    url = reverse("ordering:patient_service", args=[svc.patient.pk])
    pc.get(url)  # warm up (session, caches)
    with CaptureQueriesContext(connection) as one:
        pc.get(url)
    for _ in range(5):
        make_wo(svc, device=False)  # the device is on the pickup: no new work on it
        make_fault(svc)
    with CaptureQueriesContext(connection) as many:
        assert pc.get(url).status_code == 200
    assert len(many) == len(one)


# --------------------------------------------------------------------------- API: idempotency, bad input


def test_api_create_work_order_idempotent(svc, api):
    body = {"orderer_username": "region-orderer", "patient_id": svc.patient.pk, "kind": "consultation", "description": "Bedömning av sittställning"}
    r1 = post(api.region, "/api/v1/work-orders", body, HTTP_IDEMPOTENCY_KEY="k-1")
    r2 = post(api.region, "/api/v1/work-orders", body, HTTP_IDEMPOTENCY_KEY="k-1")
    assert r1.status_code == 201 and r2.status_code == 201
    assert r1.json()["number"] == r2.json()["number"] and r1.json()["status"] == "submitted"
    assert Order.objects.filter(order_type="work").count() == 1
    r3 = post(api.region, "/api/v1/work-orders", {**body, "description": "annat"}, HTTP_IDEMPOTENCY_KEY="k-1")
    assert r3.status_code == 409


def test_api_submit_is_idempotent(svc, api):
    body = {"orderer_username": "region-orderer", "patient_id": svc.patient.pk, "kind": "mounting", "description": "Montera ramp", "submit": False}
    order_id = post(api.region, "/api/v1/work-orders", body).json()["id"]
    assert post(api.region, f"/api/v1/work-orders/{order_id}/submit", {}).json()["status"] == "submitted"
    assert post(api.region, f"/api/v1/work-orders/{order_id}/submit", {}).status_code == 200
    assert Order.objects.get(pk=order_id).events.filter(to_status="submitted").count() == 1


@pytest.mark.parametrize("path,body", [
    ("/api/v1/work-orders", {"kind": "repair_patient", "description": "x", "device_serial": "NOPE"}),
    ("/api/v1/work-orders", {"kind": "inspection", "description": "x"}),
    ("/api/v1/pickup-orders", {"lines": [{"device_serial": "NOPE", "reason": "not_needed"}]}),
    ("/api/v1/pickup-orders", {"lines": []}),
    ("/api/v1/fault-reports", {"kind": "complaint", "concerns": "device", "description": "x",
                               "occurred_on": "2099-01-01"}),
    ("/api/v1/return-receipts", {"device_serials": ["NOPE"]}),
])
def test_api_bad_input_writes_nothing(svc, api, path, body):
    before = (Order.objects.count(), Loan.objects.filter(ended_on__isnull=True).count())
    r = post(api.region, path, {"patient_id": svc.patient.pk, "orderer_username": "region-orderer", **body})
    assert r.status_code == 422
    assert r["Content-Type"] == "application/problem+json"
    assert (Order.objects.count(), Loan.objects.filter(ended_on__isnull=True).count()) == before


def test_api_complaint_outside_window_is_swedish_problem(svc, api):
    old = svc.deliver(svc.chair, svc.patient, on=timezone.localdate() - dt.timedelta(days=120))
    r = post(api.region, "/api/v1/fault-reports", {"orderer_username": "region-orderer",
        "kind": "complaint", "concerns": "device", "device_serial": old.serial, "description": "Trasig",
        "occurred_on": str(timezone.localdate())})
    assert r.status_code == 422 and "Reklamationstiden har gått ut" in r.json()["detail"]


def test_api_full_supply_flow(svc, api):
    order = make_wo(svc)
    base = f"/api/v1/supply/work-orders/{order.pk}"
    assert post(api.region, f"{base}/start", {}).status_code == 403  # customer token: no supply moves
    tomorrow = str(timezone.localdate() + dt.timedelta(days=1))
    r = post(api.supply, f"{base}/accept", {"planned_date": tomorrow, "technician_id": svc.technician.pk})
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    assert post(api.supply, f"{base}/complete", {"report": "x", "hours": 1}).status_code == 409
    post(api.supply, f"{base}/start", {})
    r = post(api.supply, f"{base}/complete", {"report": "Klart", "hours": 2.5,
                                              "parts": [{"article_number": svc.part.article_number, "quantity": 1}]},
             HTTP_IDEMPOTENCY_KEY="c1")
    assert r.json()["status"] == "completed" and r.json()["details"]["parts"][0]["quantity"] == 1
    # replay: no second parts issue
    post(api.supply, f"{base}/complete", {"report": "Klart", "hours": 2.5,
                                          "parts": [{"article_number": svc.part.article_number, "quantity": 1}]},
         HTTP_IDEMPOTENCY_KEY="c1")
    assert order.work_parts.count() == 1
    assert Message.objects.filter(order=order, kind="completed").count() == 1


def test_api_pickup_refurbishment_and_reuse_rate(svc, api):
    r = post(api.region, "/api/v1/pickup-orders", {"orderer_username": "region-orderer", "patient_id": svc.patient.pk, "lines": [
        {"device_serial": svc.device.serial, "reason": "replaced"}]}, HTTP_IDEMPOTENCY_KEY="p1")
    oid = r.json()["id"]
    base = f"/api/v1/supply/pickup-orders/{oid}"
    post(api.supply, f"{base}/plan", {"planned_date": str(timezone.localdate())})
    assert post(api.supply, f"{base}/picked-up", {}).json()["status"] == "picked_up"
    assert post(api.supply, f"{base}/receive", {}).json()["status"] == "received"
    r = post(api.supply, f"/api/v1/supply/refurbishment/{svc.device.serial}/refurbished", {})
    assert r.json() == {"serial": svc.device.serial, "status": "in_stock", "condition": "refurbished",
                        "location": "CENTRAL"}
    rate = api.supply.get("/api/v1/supply/reuse-rate").json()
    assert rate["new"] >= 2 and rate["refurbished"] == 0


def test_api_fault_flow_and_answer(svc, api):
    r = post(api.region, "/api/v1/fault-reports", {"orderer_username": "region-orderer",
        "kind": "negative_event", "concerns": "device", "device_serial": svc.device.serial,
        "description": "Bromsen släppte", "occurred_on": str(timezone.localdate()), "reply_to_reporter": True,
        "patient_id": svc.patient.pk})
    assert r.status_code == 201 and r.json()["number"].startswith("AV")
    oid = r.json()["id"]
    base = f"/api/v1/supply/fault-reports/{oid}"
    post(api.supply, f"{base}/investigate", {})
    post(api.supply, f"{base}/reports", {"authority_on": str(timezone.localdate())})
    r = post(api.supply, f"{base}/answer", {"answer": "Åtgärdat"})
    assert r.json()["details"]["answer"] == "Åtgärdat"
    assert post(api.supply, f"{base}/close", {}).json()["status"] == "closed"


def test_api_return_receipt(svc, api):
    r = post(api.region, "/api/v1/return-receipts", {"patient_id": svc.patient.pk,
                                                     "device_serials": [svc.walker_device.serial]})
    assert r.status_code == 201 and r.json()["number"].startswith("RK")
    assert Device.objects.get(pk=svc.walker_device.pk).status == "in_transit"


def test_openapi_lists_service_endpoints(db, client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for p in ("/api/v1/work-orders", "/api/v1/pickup-orders", "/api/v1/fault-reports", "/api/v1/return-receipts",
              "/api/v1/supply/work-orders/{order_id}/accept", "/api/v1/supply/reuse-rate"):
        assert p in paths


# --------------------------------------------------------------------------- pages


def test_work_order_page_flow_with_attachment(svc, pc, hc):
    url = reverse("ordering:wo_new") + f"?patient={svc.patient.pk}"
    assert pc.get(url).status_code == 200
    r = pc.post(url, {"kind": "repair_centre", "device": svc.device.serial, "description": "Gnisslar",
                      "priority": "normal",
                      "attachment": SimpleUploadedFile("bild.jpg", b"\xff\xd8\xff\xe0" + b"0" * 50)})
    assert r.status_code == 302
    order = Order.objects.get(order_type="work")
    assert order.status == "submitted" and order.attachments.count() == 1
    tomorrow = str(timezone.localdate() + dt.timedelta(days=1))
    r = hc.post(reverse("supply:wo_accept", args=[order.pk]), {"planned_date": tomorrow, "technician": ""})
    assert r.status_code == 422
    hc.post(reverse("supply:wo_accept", args=[order.pk]), {"planned_date": tomorrow,
                                                            "technician": svc.technician.pk})
    tc = login_verified(__import__("django.test").test.Client(), svc.technician)
    before = PatientAccess.objects.filter(view="technician_list").count()
    html = tc.get(reverse("supply:technician")).content.decode()
    assert order.number in html
    assert PatientAccess.objects.filter(view="technician_list", patient_id=svc.patient.pk).count() == before + 1
    tc.post(reverse("supply:technician_start", args=[order.pk]))
    r = tc.post(reverse("supply:technician_complete", args=[order.pk]),
                {"report": "Smort", "hours": "0,5", "parts": f"{svc.part.article_number} 1"})
    assert r.status_code == 302
    order.refresh_from_db()
    assert order.status == "completed"
    assert "Smort" in pc.get(reverse("ordering:wo_detail", args=[order.pk])).content.decode()


def test_work_order_form_errors_write_nothing(svc, pc):
    url = reverse("ordering:wo_new") + f"?patient={svc.patient.pk}"
    r = pc.post(url, {"kind": "repair_centre", "description": "x", "priority": "normal",
                      "attachment": SimpleUploadedFile("x.exe", b"MZ")})
    assert r.status_code == 422 and "Endast PDF, PNG och JPEG" in r.content.decode()
    assert not Order.objects.filter(order_type="work").exists()


def test_pickup_page_and_supply_flow(svc, pc, hc):
    url = reverse("ordering:pickup_new") + f"?patient={svc.patient.pk}"
    r = pc.post(url, {f"reason_{svc.device.serial}": "wrong_size", "requested_date": ""})
    assert r.status_code == 302
    order = Order.objects.get(order_type="pickup")
    hc.post(reverse("supply:pickup_plan", args=[order.pk]), {"planned_date": str(timezone.localdate())})
    hc.post(reverse("supply:pickup_picked_up", args=[order.pk]), {"picked_up_on": ""})
    hc.post(reverse("supply:pickup_receive", args=[order.pk]))
    order.refresh_from_db()
    assert order.status == "received"
    assert svc.device.serial in hc.get(reverse("supply:refurb_queue")).content.decode()
    hc.post(reverse("supply:refurb_done", args=[svc.device.serial]))
    assert Device.objects.get(pk=svc.device.pk).condition == "refurbished"
    html = hc.get(reverse("supply:dashboard")).content.decode()
    assert "Återanvändningsgrad" in html
    card = hc.get(reverse("stock:device", args=[svc.device.serial])).content.decode()
    assert order.number in card


def test_pickup_page_without_choice_shows_error(svc, pc):
    r = pc.post(reverse("ordering:pickup_new") + f"?patient={svc.patient.pk}", {})
    assert r.status_code == 422 and "Välj minst ett hjälpmedel" in r.content.decode()


def test_return_receipt_page_and_pdf(svc, pc):
    url = reverse("ordering:receipt_new", args=[svc.patient.pk])
    r = pc.post(url, {"devices": [svc.walker_device.serial]})
    assert r.status_code == 302
    r = pc.get(r.url)
    assert "Skriv ut kvitto" in r.content.decode()
    from ordering.models import ReturnReceipt

    pdf = pc.get(reverse("ordering:receipt_pdf", args=[ReturnReceipt.objects.get().pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_fault_page_label_and_answer(svc, pc, hc):
    r = pc.post(reverse("ordering:fault_new") + f"?patient={svc.patient.pk}", {
        "kind": "complaint", "concerns": "device", "device_serial": svc.device.serial,
        "occurred_on": str(timezone.localdate()), "description": "Dynan spricker", "remedy": "replacement",
        "return_method": "shipping", "reply_to_reporter": "on"})
    assert r.status_code == 302
    order = Order.objects.get(order_type="fault")
    label = pc.get(reverse("ordering:fault_label", args=[order.pk]))
    assert label.content.startswith(b"%PDF")
    hc.post(reverse("supply:fault_investigate", args=[order.pk]))
    hc.post(reverse("supply:fault_answer", args=[order.pk]), {"answer": "Ny dyna skickas."})
    assert Message.objects.get(order=order).kind == "answer"


def test_fault_page_complaint_outside_window(svc, pc):
    old = svc.deliver(svc.chair, svc.patient, on=timezone.localdate() - dt.timedelta(days=120))
    r = pc.post(reverse("ordering:fault_new"), {
        "kind": "complaint", "concerns": "device", "device_serial": old.serial,
        "occurred_on": str(timezone.localdate()), "description": "x", "remedy": "none", "return_method": "none"})
    assert r.status_code == 422 and "Reklamationstiden har gått ut" in r.content.decode()
    assert not Order.objects.filter(order_type="fault").exists()


def test_patient_lookup_redirects(svc, pc):
    r = pc.get(reverse("ordering:wo_new"), {"identity": svc.patient.identity_number})
    assert r.status_code == 302 and f"patient={svc.patient.pk}" in r.url


SERVICE_GETS = [
    ("/api/v1/work-orders", "ordering.view"), ("/api/v1/pickup-orders", "ordering.view"),
    ("/api/v1/fault-reports", "ordering.view"), ("/api/v1/supply/work-orders", "supply.handle_work_orders"),
    ("/api/v1/supply/pickup-orders", "supply.handle_orders"),
    ("/api/v1/supply/fault-reports", "supply.handle_work_orders"),
    ("/api/v1/supply/reuse-rate", "supply.handle_orders"),
]


@pytest.mark.parametrize("role", ["prescriber", "store_keeper", "invoice_viewer", "supply_handler", "technician",
                                  "driver", "auditor"])
def test_service_api_by_role(role, client_for):
    from access.roles import ROLE_PERMISSIONS

    c, _ = client_for(role)
    for path, perm in SERVICE_GETS:
        status = c.get(path).status_code
        assert status == (200 if perm in ROLE_PERMISSIONS[role] else 403), (role, path, status)


def test_every_service_operation_declares_a_permission():
    from ordering.api import fault, pickup, work
    from supply.api import fault as supply_fault
    from supply.api import pickup as supply_pickup
    from supply.api import refurbishment
    from supply.api import work as supply_work

    for r in (m.router for m in (work, pickup, fault, supply_work, supply_pickup, refurbishment, supply_fault)):
        for path_view in r.path_operations.values():
            for op in path_view.operations:
                assert hasattr(op.view_func, "lyfta_permission"), op.view_func.__name__


def test_work_order_page_names_an_order_line(svc, pc):
    from ordering.flows import customer as osvc

    draft = osvc.order_draft_create(svc.p, osvc.DraftInput(patient_id=svc.patient.pk, lines=[
        osvc.LineInput(svc.part.article_number, 1)]))
    osvc.order_submit(svc.p, draft.pk)
    line = draft.lines.get()
    url = reverse("ordering:wo_new") + f"?patient={svc.patient.pk}"
    assert draft.number in pc.get(url).content.decode()
    r = pc.post(url, {"kind": "mounting", "order_line": line.pk, "description": "Montera", "priority": "normal"})
    assert r.status_code == 302
    assert Order.objects.get(order_type="work").work_detail.order_line == line


def test_attachment_upload_honours_idempotency_key(svc, api):
    """A retried upload (same key, same file) stores one attachment and answers the same; the same
    key with another file is a conflict (409) and stores nothing."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ordering.models import OrderAttachment

    order = make_wo(svc)
    url = f"/api/v1/work-orders/{order.pk}/attachments"

    def upload(content):
        return api.region.post(url, {"file": SimpleUploadedFile("a.pdf", content, content_type="application/pdf")},
                               HTTP_IDEMPOTENCY_KEY="bilaga-1")

    first, again = upload(b"%PDF-1.4 ett"), upload(b"%PDF-1.4 ett")
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert OrderAttachment.objects.filter(order=order).count() == 1
    other = upload(b"%PDF-1.4 tva")
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"
    assert OrderAttachment.objects.filter(order=order).count() == 1


def test_order_endpoint_answers_a_work_order_by_id_without_a_server_error(svc, api):
    """Found by the fuzz run: GET /api/v1/orders/{id} of a work order answered 500 (its kind is not
    a customer-order kind, and the response enum refused it)."""
    order = make_wo(svc)
    r = api.region.get(f"/api/v1/orders/{order.pk}")
    assert r.status_code == 200 and r.json()["kind"] == order.kind and r.json()["order_type"] == "work"
