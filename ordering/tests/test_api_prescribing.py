"""The issue-17 API (docs/prescribing.md "API"): prescribing rights and competences, special
requests (prescriber sends, consultant decides), loan answers and reminders, exchange, deceased
patients and spare parts. Each endpoint: the flow, and its refusals as problem documents — other
customers' objects 404 (nothing leaked), the wrong role 403, bad input 422 — with
`Idempotency-Key` replays."""
import json

import pytest
from django.test import Client

from access.models import Competence, PrescriberCompetence
from access.roles import Role
from catalogue.models import ArticleFit, LoanType, PrescribingLevel
from catalogue.prescribing import prescribing_rule_set
from conftest import login_verified
from ordering.flows import customer as services
from ordering.flows import loans
from ordering.models import LoanReminder, Message, Order, OrderStatus
from ordering.tests import factories as of
from ordering.tests.service_fixtures import *  # noqa: F403  (svc)
from stock.models import Loan

from .conftest import make_order
from .test_loans import chair_line, days, lent

pytestmark = pytest.mark.django_db
S = OrderStatus
L = LoanType
WHY = {"reason": "Utanför sortimentet", "need": "Behöver stöd vid förflyttning", "tried": "Rollator, käpp"}


def post(client, url, body=None, **headers):
    return client.post(url, data=json.dumps({} if body is None else body), content_type="application/json",
                       **headers)


def problem(r, status: int, code: str | None = None) -> dict:
    assert r.status_code == status, r.content
    assert r["Content-Type"] == "application/problem+json"
    body = r.json()
    assert body["status"] == status and body["title"] and body["detail"]
    if code is not None:
        assert body["code"] == code, body
    return body


def session(user) -> Client:
    return login_verified(Client(), user)


@pytest.fixture
def people(stocked, make_user):
    """Sessions: the region prescriber, the supply centre's consultant (supply handler), a
    municipality prescriber (another customer) and a driver (a supply role without the rights)."""
    stocked.pc = session(stocked.prescriber)
    stocked.hc = session(stocked.handler)
    stocked.other = make_user(Role.PRESCRIBER, "municipality")
    stocked.oc = session(stocked.other)
    stocked.dc = session(make_user(Role.DRIVER))
    return stocked


# --------------------------------------------------------------------------- prescribing rights


def test_prescribing_rights_look_up_names_the_rule_and_the_competence(people, make_user):
    ot = Competence.objects.create(code="AT", name="Arbetsterapeut")
    prescribing_rule_set(actor=people.h, level=PrescribingLevel.COMPETENCE, article=people.chair, competence=ot)
    prescribing_rule_set(actor=people.h, level=PrescribingLevel.CONSULTATION, article=people.cushion)
    url = "/api/v1/prescribing-rights"
    r = people.pc.get(url, {"article_number": [people.chair.article_number, people.cushion.article_number]})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["outcome"] == "refused" and body["prescriber"]
    chair, cushion = body["lines"]
    assert chair["outcome"] == "refused" and chair["competence"] == "AT" and "Arbetsterapeut" in chair["reason"]
    assert chair["rule"] == f"artikel {people.chair.article_number}@v1"
    assert cushion["outcome"] == "special_request" and "konsultation" in cushion["reason"]
    PrescriberCompetence.objects.create(user=people.prescriber, competence=ot, valid_to=days(30),
                                        organisation=people.world["region"])
    r = people.pc.get(url, {"article_number": people.chair.article_number})
    assert r.json()["outcome"] == "direct" and r.json()["lines"][0]["held_until"] == days(30).isoformat()
    # Nothing was written: no order, no event.
    assert Order.objects.count() == 0
    problem(people.pc.get(url, {"article_number": "NOPE-1"}), 422, "validation")
    problem(people.pc.get(url), 422, "validation")
    problem(people.hc.get(url, {"article_number": people.chair.article_number}), 403, "forbidden")


def test_competences_and_prescribers_competences_of_the_own_customer_only(people, api):
    ot = Competence.objects.create(code="FT", name="Fysioterapeut")
    PrescriberCompetence.objects.create(user=people.prescriber, competence=ot, valid_to=days(10),
                                        organisation=people.world["region"])
    PrescriberCompetence.objects.create(user=people.other, competence=ot, valid_to=days(-1),
                                        organisation=people.world["municipality"])
    r = people.pc.get("/api/v1/competences")
    assert r.status_code == 200 and {"code": "FT", "name": "Fysioterapeut"} in r.json()
    rows = people.pc.get("/api/v1/prescriber-competences").json()
    assert [(x["username"], x["competence"], x["valid"]) for x in rows] == [(people.prescriber.username, "FT", True)]
    assert people.oc.get("/api/v1/prescriber-competences").json()[0]["valid"] is False
    assert people.oc.get("/api/v1/prescriber-competences", {"username": people.prescriber.username}).json() == []
    assert len(people.hc.get("/api/v1/prescriber-competences").json()) == 2  # the supply centre sees all
    problem(people.pc.get("/api/v1/prescriber-competences", {"limit": 0}), 422, "validation")
    problem(session(_tech(people)).get("/api/v1/competences"), 403, "forbidden")


def _tech(shop):
    from tests import factories as f

    user = f.UserFactory()
    f.RoleAssignmentFactory(user=user, unit=shop.world["region_unit"], role=Role.CUSTOMER_TECHNICIAN)
    return user


# --------------------------------------------------------------------------- special requests


@pytest.fixture
def consult(people):
    prescribing_rule_set(actor=people.h, level=PrescribingLevel.CONSULTATION, article=people.cushion)
    people.order = make_order(people, submit=False, lines=[services.LineInput(people.cushion.article_number, 2)])
    return people


def test_special_request_sent_approved_confirmed_delivered_with_messages(consult):
    from supply import services as supply

    oid = consult.order.pk
    r = post(consult.pc, f"/api/v1/orders/{oid}/submit")
    problem(r, 422, "special_request_required")
    r = post(consult.pc, f"/api/v1/orders/{oid}/special-request", WHY, HTTP_IDEMPOTENCY_KEY="sr-1")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "special_requested" and body["need"] == WHY["need"] and body["due_on"]
    assert "konsultation" in body["grounds"][0] and body["prescribing"]["outcome"] == "special_request"
    again = post(consult.pc, f"/api/v1/orders/{oid}/special-request", WHY, HTTP_IDEMPOTENCY_KEY="sr-1")
    assert again.status_code == 200 and again.json() == body  # replayed, not sent twice
    assert consult.order.events.filter(to_status=S.SPECIAL_REQUESTED).count() == 1
    queue = consult.hc.get("/api/v1/special-requests")
    assert queue.status_code == 200 and [q["order_id"] for q in queue.json()] == [oid]
    r = post(consult.hc, f"/api/v1/special-requests/{oid}/approve", {"note": "Enligt riktlinje"})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "submitted" and r.json()["decisions"][0]["outcome"] == "approved"
    assert consult.hc.get("/api/v1/special-requests").json() == []
    supply.order_confirm(consult.h, oid)
    supply.order_dispatch(consult.h, oid)
    supply.order_deliver(consult.h, oid, receiver_name="Astrid", place="stay_address")
    order = consult.pc.get(f"/api/v1/orders/{oid}").json()
    assert order["status"] == "delivered"
    assert [e["to_status"] for e in order["events"] if e["event_type"] == "transition"][:6] == [
        "draft", "special_requested", "submitted", "confirmed", "dispatched", "delivered"]
    subjects = list(Message.objects.filter(order_id=oid, recipient=consult.prescriber).values_list("subject", flat=True))
    assert any("är skickad" in s for s in subjects) and any("godkänt" in s for s in subjects)
    assert any("bekräftad" in s.lower() for s in subjects)


def test_special_request_ask_then_supplement_then_reject(consult):
    oid = consult.order.pk
    post(consult.pc, f"/api/v1/orders/{oid}/special-request", WHY)
    problem(post(consult.hc, f"/api/v1/special-requests/{oid}/ask", {"question": " "}), 422)
    r = post(consult.hc, f"/api/v1/special-requests/{oid}/ask", {"question": "Vilken sitthöjd?"})
    assert r.status_code == 200 and r.json()["status"] == "info_requested"
    problem(post(consult.hc, f"/api/v1/special-requests/{oid}/approve", {}), 409, "illegal_transition")
    r = post(consult.pc, f"/api/v1/orders/{oid}/special-request", {**WHY, "need": "Sitthöjd 45 cm"})
    assert r.status_code == 200 and len(r.json()["rounds"]) == 2
    problem(post(consult.hc, f"/api/v1/special-requests/{oid}/reject", {"reason": ""}), 422)
    r = post(consult.hc, f"/api/v1/special-requests/{oid}/reject", {"reason": "Likvärdig finns i sortimentet"})
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert [d["outcome"] for d in r.json()["decisions"]] == ["info_requested", "rejected"]
    problem(post(consult.pc, f"/api/v1/orders/{oid}/special-request", WHY), 409, "illegal_transition")


def test_special_request_refusals(consult, api):
    oid = consult.order.pk
    before = consult.order.events.count()
    body = problem(post(consult.oc, f"/api/v1/orders/{oid}/special-request", WHY), 404, "not_found")
    assert consult.order.number not in json.dumps(body)
    problem(post(consult.pc, f"/api/v1/orders/{oid}/special-request", {**WHY, "tried": ""}), 422, "validation")
    problem(post(consult.pc, f"/api/v1/orders/{oid}/special-request", {"reason": "x"}), 422, "validation")
    problem(post(consult.pc, f"/api/v1/orders/{oid}/special-request", [1]), 422)
    assert consult.order.events.count() == before
    plain = make_order(consult, submit=False, lines=[services.LineInput(consult.chair.article_number, 1)])
    problem(post(consult.pc, f"/api/v1/orders/{plain.pk}/special-request", WHY), 422, "validation")
    post(consult.pc, f"/api/v1/orders/{oid}/special-request", WHY)
    # Only the supply centre decides: a prescriber and a driver are refused, a customer's client too.
    problem(post(consult.pc, f"/api/v1/special-requests/{oid}/approve", {}), 403, "forbidden")
    problem(post(consult.dc, f"/api/v1/special-requests/{oid}/approve", {}), 403, "forbidden")
    problem(post(api.region, f"/api/v1/special-requests/{oid}/reject", {"reason": "x"}), 403, "forbidden")
    problem(consult.pc.get("/api/v1/special-requests"), 403, "forbidden")
    problem(post(consult.hc, "/api/v1/special-requests/999999/approve", {}), 404, "not_found")
    # The supply centre's system client may decide (an external business system as the consultant).
    assert [q["order_id"] for q in api.supply.get("/api/v1/special-requests").json()] == [oid]
    r = post(api.supply, f"/api/v1/special-requests/{oid}/approve", {}, HTTP_IDEMPOTENCY_KEY="ok-1")
    assert r.status_code == 200 and r.json()["status"] == "submitted"
    problem(post(api.supply, f"/api/v1/special-requests/{oid}/approve", {"note": "annat"},
                 HTTP_IDEMPOTENCY_KEY="ok-1"), 409, "idempotency_key_reused")


# --------------------------------------------------------------------------- loans


def test_loan_get_extend_convert_and_reminders(people):
    _o, loan = lent(people, L.TRIAL, days(3))
    loans.loan_reminders_send()
    rem = people.pc.get("/api/v1/loan-reminders").json()
    assert [(x["loan_id"], x["kind"], x["status"]) for x in rem] == [(loan.pk, "trial_ending", "sent")]
    assert rem[0]["order_number"] == _o.number and rem[0]["device_serial"] == loan.device.serial
    r = people.pc.get(f"/api/v1/loans/{loan.pk}")
    assert r.status_code == 200, r.content
    assert r.json()["loan_type"] == "trial" and len(r.json()["open_reminders"]) == 1
    problem(post(people.pc, f"/api/v1/loans/{loan.pk}/extend", {"until": days(2).isoformat()}), 422, "validation")
    problem(post(people.pc, f"/api/v1/loans/{loan.pk}/extend", {"until": "snart"}), 422, "validation")
    r = post(people.pc, f"/api/v1/loans/{loan.pk}/extend", {"until": days(20).isoformat()})
    assert r.status_code == 200 and r.json()["loan_until"] == days(20).isoformat() and r.json()["open_reminders"] == []
    assert people.pc.get("/api/v1/loan-reminders").json() == []
    assert people.pc.get("/api/v1/loan-reminders", {"status": "done"}).json()[0]["action"] == "extended"
    r = post(people.pc, f"/api/v1/loans/{loan.pk}/convert-permanent", {}, HTTP_IDEMPOTENCY_KEY="keep")
    assert r.status_code == 200 and r.json()["loan_type"] == "permanent" and r.json()["loan_until"] is None
    assert post(people.pc, f"/api/v1/loans/{loan.pk}/convert-permanent", {}, HTTP_IDEMPOTENCY_KEY="keep").json() \
        == r.json()
    problem(post(people.pc, f"/api/v1/loans/{loan.pk}/convert-permanent", {}), 409, "loan_not_trial")
    problem(post(people.pc, f"/api/v1/loans/{loan.pk}/extend", {"until": days(40).isoformat()}), 409,
            "loan_not_dated")


def test_loan_return_order_and_refusals(people, api):
    _o, loan = lent(people, L.TIME_LIMITED, days(5))
    for c in (people.oc, api.municipality):  # another customer: 404 for every loan action, nothing leaked
        body = problem(c.get(f"/api/v1/loans/{loan.pk}"), 404, "not_found")
        assert loan.device.serial not in json.dumps(body)
        problem(post(c, f"/api/v1/loans/{loan.pk}/extend", {"until": days(30).isoformat()}), 404, "not_found")
        problem(post(c, f"/api/v1/loans/{loan.pk}/return", {}), 404, "not_found")
        problem(post(c, f"/api/v1/loans/{loan.pk}/exchange", {"article_number": people.chair.article_number,
                                                              "reason": "worn_out"}), 404, "not_found")
    problem(people.hc.get(f"/api/v1/loans/{loan.pk}"), 403, "forbidden")
    problem(post(people.dc, f"/api/v1/loans/{loan.pk}/return", {}), 403, "forbidden")
    problem(post(people.pc, f"/api/v1/loans/{loan.pk}/return", {"requested_date": "2020-13-01"}), 422, "validation")
    r = post(people.pc, f"/api/v1/loans/{loan.pk}/return", {}, HTTP_IDEMPOTENCY_KEY="ret")
    assert r.status_code == 201, r.content
    assert r.json()["order_type"] == "pickup" and r.json()["details"]["lines"][0]["reason"] == "loan_period_ended"
    assert post(people.pc, f"/api/v1/loans/{loan.pk}/return", {}, HTTP_IDEMPOTENCY_KEY="ret").status_code == 201
    assert Order.objects.filter(order_type="pickup").count() == 1
    problem(post(people.pc, f"/api/v1/loans/{loan.pk}/return", {}), 409, "pickup_exists")  # one is open
    problem(people.pc.get("/api/v1/loan-reminders", {"status": "lost"}), 422, "validation")
    problem(people.hc.get("/api/v1/loan-reminders"), 403, "forbidden")


def test_overdue_returns_for_the_supply_centre(people, api):
    from audit.models import PatientAccess

    _o, loan = lent(people, L.TIME_LIMITED, days(5))
    Loan.objects.filter(pk=loan.pk).update(loan_until=days(-3))
    r = people.hc.get("/api/v1/overdue-returns")
    assert r.status_code == 200, r.content
    group = r.json()[0]
    assert group["customer_id"] == people.world["region"].pk and group["loans"][0]["days_overdue"] == 3
    assert PatientAccess.objects.filter(patient_id=people.patient.pk, view="api_overdue_returns").count() == 1
    assert api.supply.get("/api/v1/overdue-returns").status_code == 200
    problem(people.pc.get("/api/v1/overdue-returns"), 403, "forbidden")
    problem(api.region.get("/api/v1/overdue-returns"), 403, "forbidden")


# --------------------------------------------------------------------------- exchange


def _swap(people):
    from supply import services as supply

    order = make_order(people, lines=[chair_line(people)])
    supply.order_confirm(people.h, order.pk)
    supply.order_dispatch(people.h, order.pk)
    supply.order_deliver(people.h, order.pk, receiver_name="Astrid", place="stay_address", delivered_on=days(-10))
    loan = Loan.objects.get(patient=people.patient, ended_on__isnull=True)
    big = of.wheelchair()
    of.stock_devices(big, new=1)
    return loan, big


def test_exchange_makes_linked_orders(people):
    loan, big = _swap(people)
    url = f"/api/v1/loans/{loan.pk}/exchange"
    assert people.pc.get(f"/api/v1/loans/{loan.pk}").json()["exchange_refused"] == ""
    problem(post(people.pc, url, {"article_number": big.article_number, "reason": "too_small"}), 422, "validation")
    problem(post(people.pc, url, {"article_number": people.cushion.article_number, "reason": "worn_out"}), 422,
            "validation")  # not a tracked article
    problem(post(people.dc, url, {"article_number": big.article_number, "reason": "worn_out"}), 403, "forbidden")
    assert Order.objects.count() == 1
    body = {"article_number": big.article_number, "reason": "wrong_size", "note": "Större sits"}
    r = post(people.pc, url, body, HTTP_IDEMPOTENCY_KEY="swap-1")
    assert r.status_code == 201, r.content
    new, pickup = r.json()["order"], r.json()["pickup"]
    assert new["status"] == "submitted" and new["lines"][0]["article_number"] == big.article_number
    assert new["lines"][0]["loan_type"] == "permanent"
    assert pickup["order_type"] == "pickup" and pickup["details"]["lines"][0]["device_serial"] == loan.device.serial
    assert pickup["details"]["lines"][0]["reason"] == "wrong_size"
    assert post(people.pc, url, body, HTTP_IDEMPOTENCY_KEY="swap-1").json() == r.json()
    assert Order.objects.count() == 3
    problem(post(people.pc, url, body), 409, "pickup_exists")


# --------------------------------------------------------------------------- deceased


def test_patient_marked_deceased_stops_orders_and_proposes_the_pickup(people, api):
    _o, loan = lent(people, L.TRIAL, days(3))
    loans.loan_reminders_send()
    draft = make_order(people, submit=False)
    url = f"/api/v1/patients/{people.patient.pk}/deceased"
    problem(post(people.oc, url, {"on": days(-1).isoformat()}), 404, "not_found")
    problem(post(people.hc, url, {"on": days(-1).isoformat()}), 403, "forbidden")
    problem(post(people.pc, url, {"on": days(1).isoformat()}), 422, "validation")
    problem(post(people.pc, url, {}), 422, "validation")
    problem(post(people.pc, f"/api/v1/patients/{people.patient.pk}/pickup-all", {}), 409, "patient_not_deceased")
    r = post(people.pc, url, {"on": days(-1).isoformat()}, HTTP_IDEMPOTENCY_KEY="rip")
    assert r.status_code == 200, r.content
    body = r.json()
    assert draft.number in body["stopped"] and body["reminders"] == 1 and body["devices"] == [loan.device.serial]
    assert post(people.pc, url, {"on": days(-1).isoformat()}, HTTP_IDEMPOTENCY_KEY="rip").json() == body
    problem(post(people.pc, url, {"on": days(-1).isoformat()}), 409, "patient_deceased")
    assert Order.objects.get(pk=draft.pk).status == S.WITHDRAWN
    assert LoanReminder.objects.get(loan=loan).status == "stopped"
    problem(post(people.oc, f"/api/v1/patients/{people.patient.pk}/pickup-all", {}), 404, "not_found")
    r = post(people.pc, f"/api/v1/patients/{people.patient.pk}/pickup-all", {})
    assert r.status_code == 201 and r.json()["details"]["lines"][0]["reason"] == "deceased"
    problem(post(people.pc, f"/api/v1/patients/{people.patient.pk}/pickup-all", {}), 409, "nothing_to_pick_up")


# --------------------------------------------------------------------------- spare parts


@pytest.fixture
def bench(svc, make_user):
    ArticleFit.objects.create(main=svc.chair, part=svc.part)
    svc.brake = of.article(name="Broms vänster", kind="R", price="90.00")
    ArticleFit.objects.create(main=svc.chair, part=svc.brake)
    svc.region_tech = make_user(Role.CUSTOMER_TECHNICIAN, "region")
    svc.muni_tech = make_user(Role.CUSTOMER_TECHNICIAN, "municipality")
    return svc


def test_spare_parts_by_serial_then_ordered(bench):
    rc = session(bench.region_tech)
    r = rc.get(f"/api/v1/spare-parts/devices/{bench.device.serial.lower()}")
    assert r.status_code == 200, r.content
    body = r.json()
    parts = {p["article_number"]: p for p in body["parts"]}
    assert set(parts) == {bench.part.article_number, bench.brake.article_number} and body["loan_id"]
    assert parts[bench.part.article_number]["available"] == 10 and parts[bench.brake.article_number]["available"] == 0
    order = {"device_serial": bench.device.serial, "note": "Punktering",
             "lines": [{"article_number": bench.part.article_number, "quantity": 2},
                       {"article_number": bench.brake.article_number, "quantity": 1}]}
    r = post(rc, "/api/v1/spare-part-orders", order, HTTP_IDEMPOTENCY_KEY="parts-1")
    assert r.status_code == 201, r.content
    out = r.json()
    assert (out["kind"], out["status"]) == ("spare_parts", "submitted") and out["planned_date"]
    assert {ln["article_number"]: ln["backordered_quantity"] for ln in out["lines"]} == {
        bench.part.article_number: 0, bench.brake.article_number: 1}
    assert post(rc, "/api/v1/spare-part-orders", order, HTTP_IDEMPOTENCY_KEY="parts-1").json()["id"] == out["id"]
    assert Order.objects.filter(kind="spare_parts").count() == 1
    assert [o["number"] for o in rc.get(f"/api/v1/spare-parts/devices/{bench.device.serial}").json()["orders"]] == [
        out["number"]]
    # The supply centre's technician may order too.
    tc = session(bench.technician)
    assert post(tc, "/api/v1/spare-part-orders", order).status_code == 201


def test_spare_parts_refusals(bench, settings):
    rc, mc = session(bench.region_tech), session(bench.muni_tech)
    serial = bench.device.serial
    # Another customer's device, an unknown serial: the same 404, nothing about the device.
    a = problem(mc.get(f"/api/v1/spare-parts/devices/{serial}"), 404, "not_found")
    b = problem(mc.get("/api/v1/spare-parts/devices/NO-SUCH-1"), 404, "not_found")
    assert bench.chair.article_number not in json.dumps(a) and a["title"] == b["title"]
    good = {"device_serial": serial, "lines": [{"article_number": bench.part.article_number, "quantity": 1}]}
    problem(post(mc, "/api/v1/spare-part-orders", good), 404, "not_found")
    # Wrong role: a prescriber, the supply handler.
    problem(session(bench.prescriber).get(f"/api/v1/spare-parts/devices/{serial}"), 403, "forbidden")
    problem(post(session(bench.handler), "/api/v1/spare-part-orders", good), 403, "forbidden")
    # Bad input.
    bad = {**good, "lines": [{"article_number": bench.walker.article_number, "quantity": 1}]}
    assert "lines.0.article_number" in [e["field"] for e in problem(post(rc, "/api/v1/spare-part-orders", bad),
                                                                       422, "validation")["errors"]]
    problem(post(rc, "/api/v1/spare-part-orders", {**good, "lines": []}), 422, "validation")
    problem(post(rc, "/api/v1/spare-part-orders", {**good, "lines": [{"article_number": bench.part.article_number,
                                                                      "quantity": 5000}]}), 422, "validation")
    assert Order.objects.filter(kind="spare_parts").count() == 0
    # At most N part orders per device and day.
    settings.LYFTA_SPARE_PART_ORDERS_PER_DEVICE_DAY = 1
    assert post(rc, "/api/v1/spare-part-orders", good).status_code == 201
    problem(post(rc, "/api/v1/spare-part-orders", good), 409, "spare_part_limit")


def test_every_new_endpoint_is_documented_with_problem_responses():
    from integration.api import api

    paths = api.get_openapi_schema()["paths"]
    for path in ["/api/v1/prescribing-rights", "/api/v1/orders/{order_id}/special-request",
                 "/api/v1/special-requests/{order_id}/approve", "/api/v1/loans/{loan_id}/exchange",
                 "/api/v1/patients/{patient_id}/deceased", "/api/v1/spare-part-orders"]:
        for op in paths[path].values():
            for code in ("403", "404", "422"):
                assert op["responses"][code]["content"]["application/problem+json"], (path, code)


def test_prescribing_reasons_in_the_callers_language(people):
    """Issue 15: the reasons are rendered in the request's language (Accept-Language on the API);
    the refusal on an order names them the same way, and stored decisions stay Swedish."""
    ot = Competence.objects.create(code="AT", name="Arbetsterapeut")
    prescribing_rule_set(actor=people.h, level=PrescribingLevel.COMPETENCE, article=people.chair, competence=ot)
    prescribing_rule_set(actor=people.h, level=PrescribingLevel.CONSULTATION, article=people.cushion)
    url = "/api/v1/prescribing-rights"
    numbers = [people.chair.article_number, people.cushion.article_number]
    chair, cushion = people.pc.get(url, {"article_number": numbers}, HTTP_ACCEPT_LANGUAGE="en").json()["lines"]
    assert chair["reason"] == "requires the competence Arbetsterapeut, which the prescriber does not have"
    assert cushion["reason"] == "requires consultation with the supply centre"
    chair, _cushion = people.pc.get(url, {"article_number": numbers}).json()["lines"]
    assert chair["reason"] == "kräver kompetensen Arbetsterapeut, som förskrivaren saknar"


def test_prescribing_refusal_message_in_the_active_language():
    from django.utils import translation

    from core.errors import ValidationFailed
    from ordering.flows import prescribing as rules

    decision = {"lines": [{"field": "lines.0.article_number", "article": "A1", "outcome": rules.REFUSED,
                           "reason": "kräver konsultation med Hjälpmedelscentralen", "why": [["consultation", {}]]}]}
    with translation.override("en"), pytest.raises(ValidationFailed) as raised:
        rules.refuse_if_not_allowed(decision)
    assert raised.value.message == "Article A1 requires consultation with the supply centre."
    with pytest.raises(ValidationFailed) as raised:
        rules.refuse_if_not_allowed(decision)
    assert raised.value.message == "Artikeln A1 kräver konsultation med Hjälpmedelscentralen."
    del decision["lines"][0]["why"]  # a decision stored before the reasons had keys: as stored
    with translation.override("en"), pytest.raises(ValidationFailed) as raised:
        rules.refuse_if_not_allowed(decision)
    assert "kräver konsultation" in raised.value.message
