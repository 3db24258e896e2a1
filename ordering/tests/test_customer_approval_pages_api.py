"""The customer's own approver on the pages and over the API (issue 17, docs/prescribing.md):
the queue of the own customer only (oldest first, late ones marked), the decision page with the
error next to the field, the start-page panel, `GET /customer-approvals` and
`POST …/approve|reject|ask` with Idempotency-Key, problem documents, 404 for another customer."""
import datetime as dt
import json

import pytest
from django.test import Client
from django.urls import reverse

from access.models import CustomerPrescribingTerms
from access.roles import Role
from audit.models import PatientAccess
from catalogue.models import PrescribingLevel
from catalogue.prescribing import prescribing_rule_set
from conftest import login_verified
from ordering.flows import customer as services
from ordering.flows import special
from ordering.models import Order, OrderStatus

from .conftest import make_order

pytestmark = pytest.mark.django_db
S = OrderStatus
WHY = {"reason": "Utanför sortimentet", "need": "Behöver stöd vid förflyttning", "tried": "Rollator, käpp"}


def post(client, url, body=None, **headers):
    return client.post(url, data=json.dumps({} if body is None else body), content_type="application/json",
                       **headers)


def problem(r, status: int, code: str | None = None) -> dict:
    assert r.status_code == status, r.content
    assert r["Content-Type"] == "application/problem+json"
    body = r.json()
    if code is not None:
        assert body["code"] == code, body
    return body


@pytest.fixture
def two(shop, make_user):
    """Both customers require their own approver; a request waiting at each, one approver each."""
    prescribing_rule_set(actor=shop.h, level=PrescribingLevel.CONSULTATION, article=shop.cushion)
    for org in (shop.world["region"], shop.world["municipality"]):
        CustomerPrescribingTerms.objects.create(organisation=org, customer_approval_required=True)
    shop.order = make_order(shop, submit=False, lines=[services.LineInput(shop.cushion.article_number, 1)])
    special.special_request_submit(shop.p, shop.order.pk, **WHY)
    from access.principal import principal_for_user
    from ordering.tests import factories as of

    other_prescriber = make_user(Role.PRESCRIBER, "municipality")
    op = principal_for_user(other_prescriber)
    patient = of.patient(shop.world["municipality"])
    draft = services.order_draft_create(op, services.DraftInput(
        patient_id=patient.pk, lines=[services.LineInput(shop.cushion.article_number, 1)]))
    shop.other_order = special.special_request_submit(op, draft.pk, **WHY)
    shop.ac = login_verified(Client(), make_user(Role.CUSTOMER_APPROVER, "region"))
    shop.oac = login_verified(Client(), make_user(Role.CUSTOMER_APPROVER, "municipality"))
    shop.pc = login_verified(Client(), shop.prescriber)
    shop.hc = login_verified(Client(), shop.handler)
    return shop


def test_queue_page_shows_the_own_customer_only_and_marks_late_ones(two):
    body = two.ac.get(reverse("ordering:approval_queue")).content.decode()
    assert two.order.number in body and two.other_order.number not in body
    assert "försenat" not in body
    order = Order.objects.get(pk=two.order.pk)
    order.extra["special_request"]["customer_due_on"] = (dt.date.today() - dt.timedelta(days=3)).isoformat()
    order.save(update_fields=["extra"])
    body = two.ac.get(reverse("ordering:approval_queue")).content.decode()
    assert 'class="card late"' in body and "försenat" in body
    # The consultants' page does not list it; the start page counts it for the approver.
    assert two.order.number not in two.hc.get(reverse("ordering:special_queue")).content.decode()
    start = two.ac.get(reverse("core:start")).content.decode()
    assert "Väntar på ditt godkännande" in start and "1 försenade" in start
    assert 'href="/bestallningar/godkannanden/"' in start


def test_decision_page_errors_next_to_the_field_then_reject_and_approve(two):
    url = reverse("ordering:approval_decide", args=[two.order.pk])
    r = two.ac.get(url)
    assert r.status_code == 200 and WHY["need"] in r.content.decode()
    assert PatientAccess.objects.filter(view="customer_approval", patient_id=two.order.patient_id).count() == 1
    assert two.ac.post(url, {"text": "x"}).status_code == 404  # no action, no decision
    r = two.ac.post(url + "?action=avsla", {"text": ""})
    assert r.status_code == 422
    html = r.content.decode()
    assert "Ange varför det särskilda beslutet avslås." in html and 'aria-invalid="true"' in html
    r = two.ac.post(url + "?action=godkann", {"text": "Inom budget"})
    assert r.status_code == 302 and r["Location"] == reverse("ordering:approval_queue")
    order = Order.objects.get(pk=two.order.pk)
    assert order.status == S.SPECIAL_REQUESTED
    # The order's history shows the decision with its reason.
    detail = two.pc.get(reverse("ordering:order_detail", args=[order.pk])).content.decode()
    assert "Inom budget" in detail and "kundens godkännare" in detail
    # Decided: no longer the approver's (404), and another customer's never was.
    assert two.ac.get(url).status_code == 404
    assert two.ac.get(reverse("ordering:approval_decide", args=[two.other_order.pk])).status_code == 404
    assert two.oac.post(reverse("ordering:approval_decide", args=[two.order.pk]) + "?action=avsla",
                        {"text": "x"}).status_code == 404


def test_api_queue_decisions_idempotency_and_problems(two):
    oid = two.order.pk
    queue = two.ac.get("/api/v1/customer-approvals")
    assert queue.status_code == 200 and [q["order_id"] for q in queue.json()] == [oid]
    assert queue.json()[0]["status"] == "customer_approval" and queue.json()[0]["customer_due_on"]
    assert queue.json()[0]["customer_approval"]["required"] is True
    problem(two.pc.get("/api/v1/customer-approvals"), 403, "forbidden")
    problem(two.hc.get("/api/v1/customer-approvals"), 403, "forbidden")
    # Another customer's approver: 404 with nothing about the order.
    body = problem(post(two.oac, f"/api/v1/customer-approvals/{oid}/approve", {}), 404, "not_found")
    assert two.order.number not in json.dumps(body)
    problem(post(two.pc, f"/api/v1/customer-approvals/{oid}/approve", {}), 403, "forbidden")
    problem(post(two.ac, f"/api/v1/customer-approvals/{oid}/reject", {"reason": " "}), 422, "validation")
    problem(post(two.ac, f"/api/v1/customer-approvals/{oid}/ask", {}), 422)
    problem(post(two.hc, f"/api/v1/special-requests/{oid}/approve", {}), 409, "illegal_transition")
    r = post(two.ac, f"/api/v1/customer-approvals/{oid}/ask", {"question": "Billigare alternativ?"},
             HTTP_IDEMPOTENCY_KEY="ca-1")
    assert r.status_code == 200 and r.json()["status"] == "info_requested"
    again = post(two.ac, f"/api/v1/customer-approvals/{oid}/ask", {"question": "Billigare alternativ?"},
                 HTTP_IDEMPOTENCY_KEY="ca-1")
    assert again.status_code == 200 and again.json() == r.json()
    assert Order.objects.get(pk=oid).events.filter(to_status=S.INFO_REQUESTED).count() == 1
    problem(post(two.ac, f"/api/v1/customer-approvals/{oid}/ask", {"question": "Annat"},
                 HTTP_IDEMPOTENCY_KEY="ca-1"), 409, "idempotency_key_reused")
    problem(post(two.ac, f"/api/v1/customer-approvals/{oid}/approve", {}), 409, "illegal_transition")
    r = post(two.pc, f"/api/v1/orders/{oid}/special-request", {**WHY, "tried": "Billigare sits"})
    assert r.status_code == 200 and r.json()["status"] == "customer_approval"
    r = post(two.ac, f"/api/v1/customer-approvals/{oid}/reject", {"reason": "Ryms inte i budgeten"})
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert [(d["step"], d["outcome"]) for d in r.json()["decisions"]] == [("customer", "info_requested"),
                                                                         ("customer", "rejected")]
    problem(post(two.ac, "/api/v1/customer-approvals/999999/approve", {}), 404, "not_found")


def test_the_new_endpoints_are_documented_with_problem_responses():
    from integration.api import api

    paths = api.get_openapi_schema()["paths"]
    for path in ["/api/v1/customer-approvals/{order_id}/approve", "/api/v1/customer-approvals/{order_id}/reject",
                 "/api/v1/customer-approvals/{order_id}/ask"]:
        for op in paths[path].values():
            for code in ("403", "404", "422"):
                assert op["responses"][code]["content"]["application/problem+json"], (path, code)
