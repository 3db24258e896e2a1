"""Customer-side order API: create/submit/withdraw/get/list, Idempotency-Key, bad input
(problem documents, nothing written) and isolation between customers (404)."""
import json

import pytest

from audit.models import PatientAccess
from ordering.models import Order, OrderEvent, OrderLine
from ordering.tests import factories as of


def post(client, url, body, **headers):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(url, data=data, content_type="application/json", **headers)


@pytest.fixture
def goods(world):
    chair = of.wheelchair()
    return {"chair": chair, "cushion": of.cushion(chair), "patient": of.patient(world["region"])}


def order_body(goods, **kw):
    body = {"patient_identity_number": goods["patient"].identity_number,
            "lines": [{"article_number": goods["chair"].article_number, "quantity": 1},
                      {"article_number": goods["cushion"].article_number, "quantity": 2, "main_line_no": 1}],
            "contact_name": "Anna Kontakt", "note": "Ring innan", "orderer_username": "region-orderer"}
    body.update(kw)
    return body


def counts():
    return (Order.objects.count(), OrderLine.objects.count(), OrderEvent.objects.count())


def test_create_submit_get_list_withdraw(api, goods):
    r = post(api.region, "/api/v1/orders", order_body(goods))
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "draft" and body["number"].startswith("KO") and len(body["lines"]) == 2
    assert body["estimated_monthly_cost"] == "350.00" and body["purchases_total"] == "2400.00"
    oid = body["id"]
    r = post(api.region, f"/api/v1/orders/{oid}/submit", {})
    assert r.status_code == 200 and r.json()["status"] == "submitted" and r.json()["promised_date"]
    r = post(api.region, f"/api/v1/orders/{oid}/submit", {})  # no-op
    assert r.status_code == 200 and OrderEvent.objects.filter(order_id=oid, to_status="submitted").count() == 1
    r = api.region.get(f"/api/v1/orders/{oid}")
    assert r.status_code == 200 and [e["to_status"] for e in r.json()["events"]] == ["draft", "submitted"]
    r = api.region.get("/api/v1/orders", {"status": "submitted"})
    assert r.status_code == 200 and [o["id"] for o in r.json()] == [oid]
    r = post(api.region, f"/api/v1/orders/{oid}/withdraw", {"reason": "Behövs inte"})
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    r = post(api.region, f"/api/v1/orders/{oid}/withdraw", {"reason": "igen"})
    assert r.status_code == 200  # already withdrawn: no-op
    r = post(api.region, f"/api/v1/orders/{oid}/submit", {})
    assert r.status_code == 409 and r.json()["code"] == "illegal_transition"
    assert r["Content-Type"] == "application/problem+json"


def test_create_and_submit_at_once(api, goods):
    r = post(api.region, "/api/v1/orders", order_body(goods, submit=True, priority="urgent"))
    assert r.status_code == 201 and r.json()["status"] == "submitted" and r.json()["urgent_fee"] == "450.00"


def test_idempotency_key_makes_one_order(api, goods):
    body = order_body(goods, submit=True)
    r1 = post(api.region, "/api/v1/orders", body, HTTP_IDEMPOTENCY_KEY="k-1")
    r2 = post(api.region, "/api/v1/orders", body, HTTP_IDEMPOTENCY_KEY="k-1")
    assert r1.status_code == r2.status_code == 201
    assert r1.json()["id"] == r2.json()["id"] and Order.objects.count() == 1
    r3 = post(api.region, "/api/v1/orders", order_body(goods, note="annat"), HTTP_IDEMPOTENCY_KEY="k-1")
    assert r3.status_code == 409 and Order.objects.count() == 1


def test_create_and_submit_writes_each_table_once(api, goods):
    """The hot path of integrations (docs/performance.md): checks first, then one insert per
    table and no updates; the response matches what GET reads back."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from audit.models import AuditEvent

    api.region.get("/api/v1/me")  # the client's first call records last_used_at (at most every 5 minutes)
    with CaptureQueriesContext(connection) as ctx:
        r = post(api.region, "/api/v1/orders", order_body(goods, submit=True), HTTP_IDEMPOTENCY_KEY="hot-1")
    assert r.status_code == 201, r.content
    writes = [q["sql"].split()[2].strip('"') if q["sql"].startswith("INSERT") else q["sql"].split()[0]
              for q in ctx.captured_queries if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE")
              and "core_numbersequence" not in q["sql"]]  # SQLite numbers with a counter row, PostgreSQL a sequence
    # lines: the main device, then the accessory that points at it
    assert sorted(writes) == sorted(["ordering_order", "ordering_orderline", "ordering_orderline",
                                     "ordering_orderevent", "audit_auditevent", "core_idempotencyrecord",
                                     "integration_outboxevent"]), writes  # the outbox: docs/integration.md
    order = Order.objects.get(pk=r.json()["id"])
    main, accessory = order.lines.order_by("line_no")
    assert order.status == "submitted" and order.submitted_at and accessory.main_line_id == main.pk
    assert [(e.from_status, e.to_status) for e in order.events.all()] == [("", "draft"), ("draft", "submitted")]
    assert order.events.get(to_status="submitted").data == {"promised_date": str(order.promised_date)}
    audits = AuditEvent.objects.filter(object_type="ordering.order", object_id=str(order.pk)).order_by("id")
    assert [a.action for a in audits] == ["order.draft_created", "order.submitted"]
    assert all(a.actor_label == "api:" + order.created_by_client.name for a in audits)
    got = api.region.get(f"/api/v1/orders/{order.pk}").json()
    created = r.json()
    for k in ("number", "status", "promised_date", "estimated_monthly_cost", "purchases_total"):
        assert created[k] == got[k], k
    assert [ln["id"] for ln in created["lines"]] == [ln["id"] for ln in got["lines"]]


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_requests_with_one_key_make_one_order(api, goods):
    """Both requests may do the work; only one idempotency record can be inserted, so the
    other's transaction rolls back whole and it answers the stored response."""
    from django.test import Client

    from core.idempotency import IdempotencyRecord
    from supply.tests.test_concurrency import run_concurrently

    body = json.dumps(order_body(goods, submit=True))

    def call():
        client = Client(HTTP_AUTHORIZATION="Bearer test-region-token")
        return client.post("/api/v1/orders", data=body, content_type="application/json",
                           HTTP_IDEMPOTENCY_KEY="same-key")

    results = run_concurrently(call, call)
    assert [getattr(r, "status_code", r) for r in results] == [201, 201], results
    assert results[0].json()["id"] == results[1].json()["id"]
    assert Order.objects.count() == 1 and OrderLine.objects.count() == 2
    assert IdempotencyRecord.objects.count() == 1


BAD = [
    ("invalid identity number", {"patient_identity_number": "19121212-1213"}, 422),
    ("unknown article", {"lines": [{"article_number": "FINNS-EJ", "quantity": 1}]}, 422),
    ("zero quantity", {"lines": [{"article_number": "@chair", "quantity": 0}]}, 422),
    ("negative quantity", {"lines": [{"article_number": "@chair", "quantity": -1}]}, 422),
    ("huge quantity", {"lines": [{"article_number": "@chair", "quantity": 10**12}]}, 422),
    ("date in the past", {"requested_date": "2001-01-01"}, 422),
    ("oversized note", {"note": "x" * 5000}, 422),
    ("oversized contact", {"contact_name": "x" * 500}, 422),
    ("bad delivery", {"delivery_to": "moon"}, 422),
    ("wrong type", {"lines": "many"}, 422),
]


@pytest.mark.parametrize("label,patch,status", BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_a_problem_and_writes_nothing(api, goods, label, patch, status):
    body = order_body(goods, submit=True)
    for k, v in patch.items():
        if k == "lines" and isinstance(v, list):
            v = [dict(ln, article_number=goods["chair"].article_number if ln["article_number"] == "@chair"
                      else ln["article_number"]) for ln in v]
        body[k] = v
    before = counts()
    r = post(api.region, "/api/v1/orders", body)
    assert r.status_code == status, r.content
    problem = r.json()
    assert problem["status"] == status and problem["detail"] and problem["title"]
    assert counts() == before


def test_malformed_json_writes_nothing(api, goods):
    before = counts()
    r = post(api.region, "/api/v1/orders", '{"lines": [', HTTP_IDEMPOTENCY_KEY="bad-1")
    assert r.status_code in (400, 422) and r["Content-Type"] == "application/problem+json"
    assert counts() == before


def test_other_customer_gets_404_for_orders_and_patients(api, goods):
    oid = post(api.region, "/api/v1/orders", order_body(goods, submit=True)).json()["id"]
    assert api.municipality.get(f"/api/v1/orders/{oid}").status_code == 404
    assert post(api.municipality, f"/api/v1/orders/{oid}/withdraw", {}).status_code == 404
    assert post(api.municipality, f"/api/v1/orders/{oid}/submit", {}).status_code == 404
    assert api.municipality.get("/api/v1/orders").json() == []
    # Ordering for another customer's patient by id: 404, nothing written.
    before = counts()
    r = post(api.municipality, "/api/v1/orders", dict(order_body(goods), patient_identity_number=None,
                                                      patient_id=goods["patient"].pk,
                                                      orderer_username="municipality-orderer"))
    assert r.status_code == 404 and counts() == before
    assert Order.objects.get(pk=oid).status == "submitted"


def test_get_writes_one_patient_access_row(api, goods):
    oid = post(api.region, "/api/v1/orders", order_body(goods)).json()["id"]
    before = PatientAccess.objects.filter(patient_id=goods["patient"].pk).count()
    api.region.get(f"/api/v1/orders/{oid}")
    assert PatientAccess.objects.filter(patient_id=goods["patient"].pk).count() == before + 1


def test_supply_token_cannot_create_customer_orders(api, goods):
    r = post(api.supply, "/api/v1/orders", order_body(goods))
    assert r.status_code == 403 and Order.objects.count() == 0


def test_openapi_documents_the_order_endpoints(api):
    doc = api.region.get("/api/v1/openapi.json").json()
    ops = {op.get("operationId") for path in doc["paths"].values() for op in path.values()}
    assert {"order_create", "order_submit", "order_withdraw", "order_get", "order_list", "supply_order_confirm",
            "supply_order_delay", "supply_order_cancel", "supply_order_dispatch", "supply_order_deliver",
            "supply_order_inbox"} <= ops
    assert "OrderOut" in doc["components"]["schemas"]


def test_withdraw_without_body_and_list_filters(api, goods):
    oid = post(api.region, "/api/v1/orders", order_body(goods, submit=True)).json()["id"]
    r = api.region.post(f"/api/v1/orders/{oid}/withdraw")  # the body is required (may be {}); the test
    # client sends an empty multipart form, which is not application/json
    assert r.status_code == 415 and r.json()["title"] and Order.objects.get(pk=oid).status == "submitted"
    r = post(api.region, f"/api/v1/orders/{oid}/withdraw", {})
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    r = api.region.get("/api/v1/orders", {"patient_id": goods["patient"].pk, "status": "withdrawn"})
    assert [o["id"] for o in r.json()] == [oid]
    assert api.region.get("/api/v1/orders", {"limit": 100000}).status_code == 422
    assert api.region.get("/api/v1/orders", {"date_from": "igår"}).status_code == 422
