"""Issue 10, "Orders and messages": API orders name their unit and orderer (so messages reach a
person and the loan has a cost centre), the inbox and the patient's devices on the API."""
import datetime as dt
import json

import pytest

from access.principal import principal_for_client
from access.roles import Role
from core.errors import ValidationFailed
from ordering.flows import customer as services
from ordering.flows import work as wo
from ordering.models import Message, Order
from ordering.tests import factories as of
from ordering.tests.service_fixtures import *  # noqa: F401,F403
from stock.models import Loan
from tests import factories as f


def post(client, url, body, **headers):
    return client.post(url, data=json.dumps(body), content_type="application/json", **headers)


@pytest.fixture
def goods(world):
    chair = of.wheelchair()
    of.stock_devices(chair, new=1)
    return {"chair": chair, "patient": of.patient(world["region"])}


def body_for(goods, **kw):
    body = {"patient_id": goods["patient"].pk, "submit": True,
            "lines": [{"article_number": goods["chair"].article_number, "quantity": 1}]}
    body.update(kw)
    return body


def field_codes(r):
    return {e["field"] for e in r.json()["errors"]}


# --------------------------------------------------------------------------- 1. unit, orderer, cost centre


def region_client_principal(world):
    from access.models import ApiClient

    return principal_for_client(ApiClient.objects.get(organisation=world["region"]))


def test_service_client_must_name_an_orderer(world, api, goods):
    p = region_client_principal(world)
    data = services.DraftInput(patient_id=goods["patient"].pk,
                               lines=[services.LineInput(goods["chair"].article_number, 1)])
    with pytest.raises(ValidationFailed) as exc:
        services.order_draft_create(p, data)
    assert "orderer" in exc.value.errors and Order.objects.count() == 0
    data.orderer_username = "region-orderer"
    order = services.order_draft_create(p, data)
    assert order.unit == world["region_unit"] and order.cost_centre == world["region_unit"].default_cost_centre
    assert order.orderer == api.orderers["region"] and order.prescriber == api.orderers["region"]


def test_service_client_orderer_must_hold_a_role_at_the_unit(world, api, goods, make_user):
    p = region_client_principal(world)
    other_unit = f.UnitFactory(organisation=world["region"], name="Annan enhet")
    stranger = f.UserFactory(username="stranger", hsa_id="SE2321000016-P99999")
    f.RoleAssignmentFactory(user=stranger, unit=other_unit, role=Role.PRESCRIBER)
    inactive = make_user(Role.PRESCRIBER, "region", username="gone")
    inactive.is_active = False
    inactive.save()
    muni = api.orderers["municipality"]
    for kw in ({"orderer_username": "stranger"}, {"orderer_hsa_id": "SE2321000016-P99999"},
               {"orderer_username": "gone"}, {"orderer_username": muni.username}, {"orderer_hsa_id": "nobody"}):
        data = services.DraftInput(patient_id=goods["patient"].pk, unit_id=world["region_unit"].pk,
                                   lines=[services.LineInput(goods["chair"].article_number, 1)], **kw)
        with pytest.raises(ValidationFailed) as exc:
            services.order_draft_create(p, data)
        assert "orderer" in exc.value.errors, kw
    assert Order.objects.count() == 0
    # By HSA-id, at the other unit named explicitly: the cost centre follows that unit.
    data = services.DraftInput(patient_id=goods["patient"].pk, unit_id=other_unit.pk, orderer_hsa_id=stranger.hsa_id,
                               lines=[services.LineInput(goods["chair"].article_number, 1)])
    order = services.order_draft_create(p, data)
    assert order.orderer == stranger and order.cost_centre == other_unit.default_cost_centre


def test_service_client_of_a_customer_with_several_units_must_name_the_unit(world, api, goods):
    f.UnitFactory(organisation=world["region"], name="Andra enheten")
    p = region_client_principal(world)
    data = services.DraftInput(patient_id=goods["patient"].pk, orderer_username="region-orderer",
                               lines=[services.LineInput(goods["chair"].article_number, 1)])
    with pytest.raises(ValidationFailed) as exc:
        services.order_draft_create(p, data)
    assert "unit_id" in exc.value.errors and Order.objects.count() == 0


def test_api_order_without_orderer_or_unit_is_422(world, api, goods):
    r = post(api.region, "/api/v1/orders", body_for(goods))
    assert r.status_code == 422 and field_codes(r) == {"orderer"} and Order.objects.count() == 0
    f.UnitFactory(organisation=world["region"], name="Andra enheten")
    r = post(api.region, "/api/v1/orders", body_for(goods, orderer_username="region-orderer"))
    assert r.status_code == 422 and field_codes(r) == {"unit_id"} and Order.objects.count() == 0
    r = post(api.region, "/api/v1/orders", body_for(goods, orderer_username="region-orderer",
                                                    unit_id=world["municipality_unit"].pk))
    assert r.status_code == 422 and field_codes(r) == {"unit_id"}
    r = post(api.region, "/api/v1/orders", body_for(goods, orderer_username="region-orderer",
                                                    unit_id=world["region_unit"].pk))
    assert r.status_code == 201, r.content
    out = r.json()
    assert out["unit_id"] == world["region_unit"].pk
    assert out["cost_centre_id"] == world["region_unit"].default_cost_centre_id


@pytest.mark.parametrize("path,extra", [
    ("/api/v1/work-orders", {"kind": "consultation", "description": "Bedömning"}),
    ("/api/v1/fault-reports", {"kind": "near_miss", "concerns": "article", "description": "x",
                               "occurred_on": "2026-01-01", "article_number": "A"}),
])
def test_api_service_orders_need_an_orderer(world, api, goods, path, extra):
    if "article_number" in extra:
        extra = {**extra, "article_number": goods["chair"].article_number}
    r = post(api.region, path, {"patient_id": goods["patient"].pk, **extra})
    assert r.status_code == 422 and "orderer" in field_codes(r) and Order.objects.count() == 0


def test_api_work_order_records_the_named_orderer(world, api, goods):
    r = post(api.region, "/api/v1/work-orders", {"patient_id": goods["patient"].pk, "kind": "consultation",
                                                 "description": "Bedömning", "orderer_hsa_id":
                                                     api.orderers["region"].hsa_id})
    assert r.status_code == 201, r.content
    order = Order.objects.get(pk=r.json()["id"])
    assert order.orderer == api.orderers["region"] and order.cost_centre_id is not None


def test_session_user_stays_the_orderer(world, make_user, goods):
    from access.principal import principal_for_user

    user = make_user(Role.PRESCRIBER, "region")
    order = wo.work_order_create(principal_for_user(user), wo.WorkOrderInput(
        patient_id=goods["patient"].pk, kind="consultation", description="x", orderer_username="region-orderer"))
    assert order.orderer == user


# --------------------------------------------------------------------------- 2. inbox and devices on the API


def test_journey_api_order_confirmed_delayed_delivered_read_over_the_api(world, api, goods):
    r = post(api.region, "/api/v1/orders", body_for(goods, orderer_username="region-orderer"))
    assert r.status_code == 201, r.content
    oid = r.json()["id"]
    base = f"/api/v1/supply/orders/{oid}"
    confirmed = post(api.supply, base + "/confirm", {})
    assert confirmed.status_code == 200, confirmed.content
    promised = Order.objects.get(pk=oid).planned_date

    assert post(api.supply, base + "/delay", {"new_date": str(promised + dt.timedelta(days=7)),
                                              "reason": "Sen leverantör"}).status_code == 200
    assert post(api.supply, base + "/dispatch", {}).status_code == 200
    assert post(api.supply, base + "/deliver", {"receiver_name": "Astrid", "place": "stay_address"}).status_code == 200

    inbox = api.region.get("/api/v1/messages", {"unread": "true"})
    assert inbox.status_code == 200, inbox.content
    msgs = inbox.json()
    assert sorted(m["kind"] for m in msgs) == ["confirmed", "delayed", "delivered"]
    assert {m["order_id"] for m in msgs} == {oid} and {m["recipient"] for m in msgs} == {"region-orderer"}
    # The other customer's system sees none of them and cannot mark them read.
    assert api.municipality.get("/api/v1/messages").json() == []
    assert post(api.municipality, f"/api/v1/messages/{msgs[0]['id']}/read", {}).status_code == 404
    for m in msgs:
        r = post(api.region, f"/api/v1/messages/{m['id']}/read", {})
        assert r.status_code == 200 and r.json()["read_at"]
    assert api.region.get("/api/v1/messages", {"unread": "true"}).json() == []
    assert len(api.region.get("/api/v1/messages", {"limit": 2}).json()) == 2

    devices = api.region.get(f"/api/v1/patients/{goods['patient'].pk}/devices")
    assert devices.status_code == 200, devices.content
    [dev] = devices.json()
    loan = Loan.objects.get(patient=goods["patient"])
    assert dev["serial"] == loan.device.serial and dev["article_number"] == goods["chair"].article_number
    assert dev["article_name"] == goods["chair"].name and dev["since"] == str(loan.started_on)
    assert dev["cost_centre_id"] == world["region_unit"].default_cost_centre_id and dev["cost_centre_code"]
    assert api.municipality.get(f"/api/v1/patients/{goods['patient'].pk}/devices").status_code == 404
    assert api.region.get("/api/v1/patients/999999/devices").status_code == 404


def test_session_user_reads_their_own_messages_only(world, api, goods, make_user):
    from django.test import Client

    from conftest import login_verified

    order = services.order_draft_create(region_client_principal(world), services.DraftInput(
        patient_id=goods["patient"].pk, orderer_username="region-orderer",
        lines=[services.LineInput(goods["chair"].article_number, 1)]))
    msg = Message.objects.create(recipient=api.orderers["region"], order=order, kind="info", subject="Hej", text="x")
    own = login_verified(Client(), api.orderers["region"])
    assert [m["id"] for m in own.get("/api/v1/messages").json()] == [msg.pk]
    colleague = login_verified(Client(), make_user(Role.PRESCRIBER, "region"))
    assert colleague.get("/api/v1/messages").json() == []


def test_openapi_lists_the_new_paths_and_fields(api):
    doc = api.region.get("/api/v1/openapi.json").json()
    assert {"/api/v1/messages", "/api/v1/messages/{message_id}/read",
            "/api/v1/patients/{patient_id}/devices"} <= set(doc["paths"])
    schemas = doc["components"]["schemas"]
    for name in ("OrderCreateIn", "WorkOrderIn", "PickupIn", "FaultReportIn"):
        assert {"orderer_hsa_id", "orderer_username", "unit_id"} <= set(schemas[name]["properties"]), name


# --------------------------------------------------------------------------- 3. accessory links


@pytest.fixture
def kit(world, make_user):
    from access.principal import principal_for_user

    chair = of.wheelchair()
    cushion = of.cushion(chair)
    bed = of.article(name="Säng Carl", kind="H", rent="500.00")
    patient = of.patient(world["region"])
    return {"chair": chair, "cushion": cushion, "bed": bed, "patient": patient,
            "p": principal_for_user(make_user(Role.PRESCRIBER, "region"))}


BAD_LINKS = {
    "missing": ([("chair", None), ("cushion", 5)], 1),
    "zero": ([("chair", None), ("cushion", 0)], 1),
    "self": ([("chair", None), ("cushion", 2)], 1),
    "accessory": ([("chair", None), ("cushion", 1), ("cushion", 2)], 2),
    "not_fitting": ([("bed", None), ("cushion", 1)], 1),
}


@pytest.mark.parametrize("case", sorted(BAD_LINKS))
def test_service_refuses_bad_accessory_links(kit, case):
    lines, bad = BAD_LINKS[case]
    data = services.DraftInput(patient_id=kit["patient"].pk, lines=[
        services.LineInput(kit[a].article_number, 1, main) for a, main in lines])
    with pytest.raises(ValidationFailed) as exc:
        services.order_draft_create(kit["p"], data)
    assert f"lines.{bad}.main_line_no" in exc.value.errors
    assert Order.objects.count() == 0


def test_service_accepts_a_fitting_accessory_also_before_its_main_line(kit):
    data = services.DraftInput(patient_id=kit["patient"].pk, lines=[
        services.LineInput(kit["cushion"].article_number, 1, 2), services.LineInput(kit["chair"].article_number, 1)])
    order = services.order_draft_create(kit["p"], data)
    cushion = order.lines.get(article=kit["cushion"])
    assert cushion.main_line == order.lines.get(article=kit["chair"])


@pytest.mark.parametrize("case", sorted(BAD_LINKS))
def test_api_refuses_bad_accessory_links(world, api, kit, case):
    lines, bad = BAD_LINKS[case]
    body = {"patient_id": kit["patient"].pk, "orderer_username": "region-orderer",
            "lines": [{"article_number": kit[a].article_number, "quantity": 1, "main_line_no": main}
                      for a, main in lines]}
    r = post(api.region, "/api/v1/orders", body)
    assert r.status_code == 422 and field_codes(r) == {f"lines.{bad}.main_line_no"}, r.content
    assert Order.objects.count() == 0


def test_line_add_checks_the_main_line(kit):
    from ordering.models import OrderLine

    order = services.order_draft_create(kit["p"], services.DraftInput(patient_id=kit["patient"].pk, lines=[
        services.LineInput(kit["chair"].article_number, 1), services.LineInput(kit["bed"].article_number, 1),
        services.LineInput(kit["cushion"].article_number, 1, 1)]))
    chair_line = order.lines.get(article=kit["chair"])
    bed_line = order.lines.get(article=kit["bed"])
    acc_line = order.lines.get(article=kit["cushion"])
    before = OrderLine.objects.count()
    for main_id in (999999, 0, acc_line.pk, bed_line.pk):
        with pytest.raises(ValidationFailed) as exc:
            services.order_line_add(kit["p"], order.pk, kit["cushion"].article_number, 1, main_line_id=main_id)
        assert "main_line_id" in exc.value.errors, main_id
    assert OrderLine.objects.count() == before
    [row] = services.order_line_add(kit["p"], order.pk, kit["cushion"].article_number, 1, main_line_id=chair_line.pk)
    assert row.main_line_id == chair_line.pk


# --------------------------------------------------------------------------- 4. urgent promise


def test_urgent_promise_keeps_the_suppliers_lead_time(kit, client):
    from django.urls import reverse
    from django.utils import timezone

    from conftest import login_verified
    from core.calendar import add_weekdays

    slow = of.article(name="Specialsits", kind="H", rent="900.00", purchasing="on_demand", lead=25)
    today = timezone.localdate()
    data = services.DraftInput(patient_id=kit["patient"].pk, priority="urgent",
                               lines=[services.LineInput(slow.article_number, 1)])
    order = services.order_draft_create(kit["p"], data)
    assert order.promised_date == add_weekdays(today, 25)
    # In stock: urgent is the next weekday.
    of.stock_units(kit["cushion"], 3)
    quick = services.order_draft_create(kit["p"], services.DraftInput(
        patient_id=kit["patient"].pk, priority="urgent", lines=[services.LineInput(kit["cushion"].article_number, 1)]))
    assert quick.promised_date == add_weekdays(today, 1)
    # The draft page says why.
    login_verified(client, kit["p"].user)
    html = client.get(reverse("ordering:order_detail", args=[order.pk])).content.decode()
    assert 'id="promise-note"' in html and "leveranstid" in html and slow.article_number in html
    html = client.get(reverse("ordering:order_detail", args=[quick.pk])).content.decode()
    assert 'id="promise-note"' not in html


def test_api_urgent_promise_keeps_the_lead_time(world, api, kit):
    from django.utils import timezone

    from core.calendar import add_weekdays

    slow = of.article(name="Specialsits", kind="H", rent="900.00", purchasing="on_demand", lead=25)
    r = post(api.region, "/api/v1/orders", {"patient_id": kit["patient"].pk, "orderer_username": "region-orderer",
                                            "priority": "urgent", "submit": True,
                                            "lines": [{"article_number": slow.article_number, "quantity": 1}]})
    assert r.status_code == 201, r.content
    assert r.json()["promised_date"] == str(add_weekdays(timezone.localdate(), 25))


# --------------------------------------------------------------------------- 5. device leaves the patient




def _wo(svc, device):
    return wo.work_order_create(svc.p, wo.WorkOrderInput(patient_id=svc.patient.pk, kind="repair_patient",
                                                         description="Trasig broms", device_serial=device.serial),
                                submit=True)


def test_return_receipt_cancels_open_work_orders_with_notice(svc):
    from ordering.flows import pickup as pickups

    submitted = _wo(svc, svc.device)
    accepted = _wo(svc, svc.device)
    wo.work_order_accept(svc.h, accepted.pk, planned_date=dt.date.today(),
                         technician_id=svc.technician.pk)
    other = _wo(svc, svc.walker_device)
    receipt = pickups.return_receipt_create(svc.p, svc.patient.pk, [svc.device.serial])
    for o in (submitted, accepted):
        o.refresh_from_db()
        assert o.status == "cancelled" and o.closed_reason == "Hjälpmedlet har lämnats tillbaka"
        msg = Message.objects.get(order=o, kind="cancelled")
        assert receipt.number in msg.text and msg.recipient == svc.prescriber
    other.refresh_from_db()
    assert other.status == "submitted"


def test_return_receipt_refused_while_work_is_in_progress(svc):
    from core.errors import Conflict
    from ordering.flows import pickup as pickups

    order = _wo(svc, svc.device)
    wo.work_order_accept(svc.h, order.pk, planned_date=dt.date.today(),
                         technician_id=svc.technician.pk)
    wo.work_order_start(svc.t, order.pk)
    with pytest.raises(Conflict) as exc:
        pickups.return_receipt_create(svc.p, svc.patient.pk, [svc.device.serial])
    assert order.number in exc.value.message and "pågående arbetsorder" in exc.value.message
    assert Loan.objects.filter(device=svc.device, ended_on__isnull=True).exists()


def test_picked_up_cancels_open_work_orders_and_in_progress_refuses(svc):
    from django.utils import timezone

    from core.errors import Conflict
    from ordering.flows import pickup as pickups

    work = _wo(svc, svc.device)
    pickup = pickups.pickup_create(svc.p, pickups.PickupInput(
        patient_id=svc.patient.pk, lines=[pickups.PickupLineInput(svc.device.serial, "not_needed")]))
    busy = _wo(svc, svc.walker_device)
    wo.work_order_accept(svc.h, busy.pk, planned_date=timezone.localdate(), technician_id=svc.technician.pk)
    wo.work_order_start(svc.t, busy.pk)
    with pytest.raises(Conflict):  # a pickup for a device being worked on
        pickups.pickup_create(svc.p, pickups.PickupInput(
            patient_id=svc.patient.pk, lines=[pickups.PickupLineInput(svc.walker_device.serial, "not_needed")]))
    pickups.pickup_plan(svc.h, pickup.pk, planned_date=timezone.localdate())
    pickups.pickup_picked_up(svc.h, pickup.pk)
    work.refresh_from_db()
    assert work.status == "cancelled" and work.closed_reason == "Hjälpmedlet har lämnats tillbaka"
    assert Message.objects.filter(order=work, kind="cancelled").exists()


def test_api_return_receipt_for_device_on_pickup_is_409(svc, api):
    from ordering.flows import pickup as pickups

    pickups.pickup_create(svc.p, pickups.PickupInput(
        patient_id=svc.patient.pk, lines=[pickups.PickupLineInput(svc.device.serial, "not_needed")]))
    r = post(api.region, "/api/v1/return-receipts", {"patient_id": svc.patient.pk, "device_serials": [svc.device.serial]})
    assert r.status_code == 409 and r.json()["code"] == "pickup_exists" and "hämtorder" in r.json()["detail"]
    assert Loan.objects.filter(device=svc.device, ended_on__isnull=True).exists()


# --------------------------------------------------------------------------- 6. PDFs on the API


def _is_pdf(r):
    return r.status_code == 200 and r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF")


def test_api_return_receipt_pdf_with_isolation(svc, api):
    r = post(api.region, "/api/v1/return-receipts", {"patient_id": svc.patient.pk,
                                                     "device_serials": [svc.walker_device.serial]})
    assert r.status_code == 201, r.content
    url = r.json()["pdf_url"]
    assert url == f"/api/v1/return-receipts/{r.json()['id']}/pdf"
    assert _is_pdf(api.region.get(url))
    assert api.municipality.get(url).status_code == 404
    assert api.region.get("/api/v1/return-receipts/999999/pdf").status_code == 404
    from django.test import Client
    assert Client().get(url).status_code == 401  # no login redirect


def test_api_delivery_note_and_fault_label_with_isolation(world, api, goods, svc):
    r = post(api.region, "/api/v1/orders", body_for(goods, orderer_username="region-orderer"))
    oid = r.json()["id"]
    base = f"/api/v1/supply/orders/{oid}"
    post(api.supply, base + "/confirm", {})
    post(api.supply, base + "/dispatch", {})
    d = post(api.supply, base + "/deliver", {"receiver_name": "Astrid", "place": "stay_address"})
    url = d.json()["delivery_note_url"]
    assert url == f"/api/v1/deliveries/{d.json()['delivery_id']}/delivery-note"
    assert _is_pdf(api.region.get(url)) and _is_pdf(api.supply.get(url))
    assert api.municipality.get(url).status_code == 404

    r = post(api.region, "/api/v1/fault-reports", {
        "orderer_username": "region-orderer", "kind": "complaint", "concerns": "device",
        "device_serial": svc.device.serial, "description": "Bromsen släppte", "remedy": "replacement",
        "return_method": "shipping", "occurred_on": str(dt.date.today()), "patient_id": svc.patient.pk})
    assert r.status_code == 201, r.content
    label = r.json()["details"]["label_url"]
    assert label == f"/api/v1/fault-reports/{r.json()['id']}/label"
    assert _is_pdf(api.region.get(label))
    assert api.municipality.get(label).status_code == 404


# --------------------------------------------------------------------------- 7. fault answer to the reporter


@pytest.mark.parametrize("reply", [False, True])
def test_api_fault_answer_only_when_a_reply_was_asked_for(svc, api, reply):
    r = post(api.region, "/api/v1/fault-reports", {
        "orderer_username": "region-orderer", "kind": "near_miss", "concerns": "device",
        "device_serial": svc.device.serial, "description": "Nästan olycka", "occurred_on": str(dt.date.today()),
        "reply_to_reporter": reply, "patient_id": svc.patient.pk})
    oid = r.json()["id"]
    base = f"/api/v1/supply/fault-reports/{oid}"
    post(api.supply, f"{base}/investigate", {})
    answered = post(api.supply, f"{base}/answer", {"answer": "Internt: leverantören utreder"})
    assert answered.json()["details"]["answer"] == "Internt: leverantören utreder"  # supply always
    customer = api.region.get(f"/api/v1/fault-reports/{oid}").json()["details"]["answer"]
    assert customer == ("Internt: leverantören utreder" if reply else "")
