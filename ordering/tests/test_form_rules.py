"""Issue 15: every value a form or a client sends that makes no sense is refused in the service
(so the page and the API agree) with a Swedish message on the field, and nothing is written.
One test per rule on the service and one on the API."""
import datetime as dt
import json

import pytest
from django.utils import timezone

from core.errors import Conflict, ValidationFailed
from ordering.flows import customer as customer_flows
from ordering.flows import fault as faults
from ordering.flows import pickup as pickups
from ordering.flows import work as works
from ordering.models import Order, OrderEvent, OrderType, ReturnReceipt
from ordering.tests.conftest import make_order
from ordering.tests.service_fixtures import *  # noqa: F401,F403
from supply import services as supply

YESTERDAY = timezone.localdate() - dt.timedelta(days=1)
TOMORROW = timezone.localdate() + dt.timedelta(days=1)


def post(client, url, body, **headers):
    return client.post(url, data=json.dumps(body), content_type="application/json", **headers)


def fields_of(response) -> dict[str, str]:
    assert response.status_code == 422, response.content
    doc = response.json()
    assert response["Content-Type"].startswith("application/problem+json")
    return {e["field"]: e["message"] for e in doc["errors"]}


def refused(call, field: str) -> str:
    with pytest.raises(ValidationFailed) as exc:
        call()
    assert field in exc.value.errors, exc.value.errors
    return str(exc.value.errors[field][0])


# --------------------------------------------------------------------------- delay: past date

def _confirmed(stocked):
    order = make_order(stocked)
    supply.order_confirm(stocked.h, order.pk)
    return order


def test_delay_to_a_past_date_is_refused(stocked):
    order = _confirmed(stocked)
    msg = refused(lambda: supply.order_delay(stocked.h, order.pk, new_date=YESTERDAY, reason="Sen leverantör"),
                  "new_date")
    assert "bakåt i tiden" in msg
    assert not OrderEvent.objects.filter(order=order, event_type="delay").exists()


def test_api_delay_to_a_past_date_is_refused(stocked, api):
    order = _confirmed(stocked)
    r = post(api.supply, f"/api/v1/supply/orders/{order.pk}/delay",
             {"new_date": str(YESTERDAY), "reason": "Sen leverantör"})
    assert "bakåt i tiden" in fields_of(r)["new_date"]
    assert not OrderEvent.objects.filter(order=order, event_type="delay").exists()


# --------------------------------------------------------------------------- pickup: past date

def _pickup(svc, **kw):
    return pickups.PickupInput(patient_id=svc.patient.pk,
                               lines=[pickups.PickupLineInput(svc.device.serial, "not_needed")], **kw)


def test_pickup_with_a_past_date_is_refused(svc):
    msg = refused(lambda: pickups.pickup_create(svc.p, _pickup(svc, requested_date=YESTERDAY)), "requested_date")
    assert "bakåt i tiden" in msg
    assert not Order.objects.filter(order_type=OrderType.PICKUP).exists()


def test_api_pickup_with_a_past_date_is_refused(svc, api):
    r = post(api.region, "/api/v1/pickup-orders", {
        "orderer_username": "region-orderer", "patient_id": svc.patient.pk, "requested_date": str(YESTERDAY),
        "lines": [{"device_serial": svc.device.serial, "reason": "not_needed"}]})
    assert "bakåt i tiden" in fields_of(r)["requested_date"]
    assert not Order.objects.filter(order_type=OrderType.PICKUP).exists()


def test_pickup_plan_for_a_past_date_is_refused(svc, api):
    order = pickups.pickup_create(svc.p, _pickup(svc))
    refused(lambda: pickups.pickup_plan(svc.h, order.pk, planned_date=YESTERDAY), "planned_date")
    r = post(api.supply, f"/api/v1/supply/pickup-orders/{order.pk}/plan", {"planned_date": str(YESTERDAY)})
    assert "planned_date" in fields_of(r)
    order.refresh_from_db()
    assert order.status == "submitted"


# --------------------------------------------------------------------------- work order: past requested date

def _work(svc, **kw):
    return works.WorkOrderInput(patient_id=svc.patient.pk, kind="repair_patient", description="Trasigt däck",
                                device_serial=svc.device.serial, **kw)


def test_work_order_with_a_past_requested_date_is_refused(svc):
    msg = refused(lambda: works.work_order_create(svc.p, _work(svc, requested_date=YESTERDAY)), "requested_date")
    assert "bakåt i tiden" in msg
    assert not Order.objects.filter(order_type=OrderType.WORK).exists()


def test_api_work_order_with_a_past_requested_date_is_refused(svc, api):
    r = post(api.region, "/api/v1/work-orders", {
        "orderer_username": "region-orderer", "patient_id": svc.patient.pk, "kind": "repair_patient",
        "description": "Trasigt däck", "requested_date": str(YESTERDAY)})
    assert "bakåt i tiden" in fields_of(r)["requested_date"]
    assert not Order.objects.filter(order_type=OrderType.WORK).exists()


# --------------------------------------------------------------------------- work order: unknown part

def _started(svc):
    order = works.work_order_create(svc.p, _work(svc), submit=True)
    works.work_order_accept(svc.h, order.pk, planned_date=TOMORROW, technician_id=svc.technician.pk)
    works.work_order_start(svc.h, order.pk)
    return order


def test_work_order_part_with_unknown_article_is_refused(svc):
    order = _started(svc)
    msg = refused(lambda: works.work_order_complete(svc.h, order.pk, report="Bytt", hours=1,
                                                    parts=[("XYZ999", 1)]), "parts.0.article_number")
    assert "XYZ999" in msg and "finns inte" in msg
    order.refresh_from_db()
    assert order.status == "in_progress"


def test_api_work_order_part_with_unknown_article_is_refused(svc, api):
    order = _started(svc)
    r = post(api.supply, f"/api/v1/supply/work-orders/{order.pk}/complete",
             {"report": "Bytt", "hours": 1, "parts": [{"article_number": "XYZ999", "quantity": 1}]})
    assert "XYZ999" in fields_of(r)["parts.0.article_number"]
    order.refresh_from_db()
    assert order.status == "in_progress"


# --------------------------------------------------------------------------- fault report: occurred in the future

def _fault(svc, **kw):
    base = dict(kind="negative_event", concerns="device", description="Bromsen släppte",
                occurred_on=YESTERDAY, patient_id=svc.patient.pk, device_serial=svc.device.serial)
    return faults.FaultReportInput(**{**base, **kw})


def _fault_api(svc, **kw):
    return {"orderer_username": "region-orderer", "kind": "negative_event", "concerns": "device",
            "description": "Bromsen släppte", "occurred_on": str(YESTERDAY), "patient_id": svc.patient.pk,
            "device_serial": svc.device.serial, **kw}


def test_fault_report_occurred_in_the_future_is_refused(svc):
    msg = refused(lambda: faults.fault_report_create(svc.p, _fault(svc, occurred_on=TOMORROW)), "occurred_on")
    assert "i framtiden" in msg
    assert not Order.objects.filter(order_type=OrderType.FAULT).exists()


def test_api_fault_report_occurred_in_the_future_is_refused(svc, api):
    r = post(api.region, "/api/v1/fault-reports", _fault_api(svc, occurred_on=str(TOMORROW)))
    assert "i framtiden" in fields_of(r)["occurred_on"]
    assert not Order.objects.filter(order_type=OrderType.FAULT).exists()


# --------------------------------------------------------------------------- fault report: a device without serial

def test_fault_report_about_a_device_without_serial_is_refused(svc):
    msg = refused(lambda: faults.fault_report_create(svc.p, _fault(svc, device_serial="")), "device_serial")
    assert "individnummer" in msg
    assert not Order.objects.filter(order_type=OrderType.FAULT).exists()


def test_api_fault_report_about_a_device_without_serial_is_refused(svc, api):
    r = post(api.region, "/api/v1/fault-reports", _fault_api(svc, device_serial=""))
    assert "individnummer" in fields_of(r)["device_serial"]
    assert not Order.objects.filter(order_type=OrderType.FAULT).exists()


# --------------------------------------------------------------------------- delivery: future date, quantity 0

def _dispatched(stocked):
    order = _confirmed(stocked)
    supply.order_dispatch(stocked.h, order.pk)
    return order


def test_delivery_dated_in_the_future_is_refused(stocked):
    order = _dispatched(stocked)
    msg = refused(lambda: supply.order_deliver(stocked.h, order.pk, receiver_name="Astrid", place="stay_address",
                                               delivered_on=TOMORROW), "delivered_on")
    assert "i framtiden" in msg
    assert not order.deliveries.exists()


def test_api_delivery_dated_in_the_future_is_refused(stocked, api):
    order = _dispatched(stocked)
    r = post(api.supply, f"/api/v1/supply/orders/{order.pk}/deliver",
             {"receiver_name": "Astrid", "place": "stay_address", "delivered_on": str(TOMORROW)})
    assert "i framtiden" in fields_of(r)["delivered_on"]
    assert not order.deliveries.exists()


def test_delivery_with_quantity_zero_on_every_line_is_refused(stocked):
    order = _dispatched(stocked)
    zeros = {ln.pk: 0 for ln in order.lines.all()}
    refused(lambda: supply.order_deliver(stocked.h, order.pk, receiver_name="Astrid", place="stay_address",
                                         quantities=zeros), "lines.0.quantity")
    refused(lambda: supply.order_deliver(stocked.h, order.pk, receiver_name="Astrid", place="stay_address",
                                         quantities={}), "lines")
    assert not order.deliveries.exists()


def test_api_delivery_with_quantity_zero_is_refused(stocked, api):
    order = _dispatched(stocked)
    r = post(api.supply, f"/api/v1/supply/orders/{order.pk}/deliver",
             {"receiver_name": "Astrid", "place": "stay_address",
              "lines": [{"line_id": ln.pk, "quantity": 0} for ln in order.lines.all()]})
    assert "minst 1" in fields_of(r)["lines.0.quantity"]
    assert not order.deliveries.exists()


def test_delivery_page_with_quantity_zero_everywhere_is_refused(stocked, client):
    from django.urls import reverse

    from conftest import login_verified

    order = _dispatched(stocked)
    c = login_verified(client, stocked.handler)
    data = {"receiver_name": "Astrid", "place": "stay_address"}
    data.update({f"qty_{ln.pk}": 0 for ln in order.lines.all()})
    r = c.post(reverse("supply:order_deliver", args=[order.pk]), data)
    assert r.status_code == 422 and "Ange antal att leverera på minst en rad" in r.content.decode()
    assert not order.deliveries.exists()


# --------------------------------------------------------------------------- delivery point order without a point

def test_delivery_point_order_without_a_point_is_refused(shop):
    data = customer_flows.DraftInput(patient_id=shop.patient.pk, delivery_to="delivery_point",
                                     lines=[customer_flows.LineInput(shop.cushion.article_number, 1)])
    msg = refused(lambda: customer_flows.order_draft_create(shop.p, data), "delivery_point_id")
    assert "leveranspunkt" in msg
    assert not Order.objects.filter(order_type=OrderType.CUSTOMER).exists()


def test_api_delivery_point_order_without_a_point_is_refused(shop, api):
    r = post(api.region, "/api/v1/orders", {
        "orderer_username": "region-orderer", "patient_id": shop.patient.pk, "delivery_to": "delivery_point",
        "lines": [{"article_number": shop.cushion.article_number, "quantity": 1}], "submit": True})
    assert "leveranspunkt" in fields_of(r)["delivery_point_id"]
    assert not Order.objects.filter(order_type=OrderType.CUSTOMER).exists()


# --------------------------------------------------------------------------- return receipt for a device on an open pickup

def test_return_receipt_for_a_device_on_an_open_pickup_is_refused(svc):
    pickup = pickups.pickup_create(svc.p, _pickup(svc))
    with pytest.raises(Conflict) as exc:
        pickups.return_receipt_create(svc.p, svc.patient.pk, [svc.device.serial])
    assert pickup.number in exc.value.message and exc.value.code == "pickup_exists"
    assert not ReturnReceipt.objects.exists()


def test_api_return_receipt_for_a_device_on_an_open_pickup_is_refused(svc, api):
    pickup = pickups.pickup_create(svc.p, _pickup(svc))
    r = post(api.region, "/api/v1/return-receipts", {"patient_id": svc.patient.pk,
                                                     "device_serials": [svc.device.serial]})
    assert r.status_code == 409 and r.json()["code"] == "pickup_exists" and pickup.number in r.json()["detail"]
    assert not ReturnReceipt.objects.exists()
