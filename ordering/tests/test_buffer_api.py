"""The buffer-store API: isolation (404), problem documents for bad input, Idempotency-Key."""
import datetime as dt
import json

import pytest
from django.utils import timezone

from access.roles import Role
from ordering.models import Order
from stock.models import ReorderRule

from .test_buffer import store  # noqa: F401  (fixture)


@pytest.fixture
def apis(store, api):  # noqa: F811
    # The municipality's system client names a store keeper of the store's unit as the orderer.
    store.keeper.hsa_id = "SE2321000016-K00001"
    store.keeper.save(update_fields=["hsa_id"])
    return api


def post(client, path, body, **headers):
    return client.post(path, json.dumps(body), content_type="application/json", **headers)


def test_store_list_and_stock_are_isolated(store, apis):  # noqa: F811
    mine = apis.municipality.get("/api/v1/buffer-stores").json()
    assert [s["code"] for s in mine] == [store.store.code]
    assert apis.region.get("/api/v1/buffer-stores").json() == []
    assert apis.region.get(f"/api/v1/buffer-stores/{store.store.pk}").status_code == 404
    got = apis.municipality.get(f"/api/v1/buffer-stores/{store.store.pk}").json()
    walker = next(s for s in got["stock"] if s["article_number"] == store.walker.article_number)
    assert walker["on_hand"] == 3 and walker["serials"] == ["W0", "W1", "W2"]
    rules = apis.supply.get(f"/api/v1/buffer-stores/{store.store.pk}/rules").json()
    assert {r["article_number"]: r["safety_level"] for r in rules} == {store.walker.article_number: 2,
                                                                       store.pads.article_number: 4}


def test_withdrawal_over_the_api(store, apis):  # noqa: F811
    path = f"/api/v1/buffer-stores/{store.store.pk}/withdrawals"
    body = {"article_number": store.pads.article_number, "patient_id": store.patient.pk, "quantity": 7,
            "orderer_hsa_id": store.keeper.hsa_id}
    first = post(apis.municipality, path, body, HTTP_IDEMPOTENCY_KEY="w-1")
    assert first.status_code == 201, first.content
    again = post(apis.municipality, path, body, HTTP_IDEMPOTENCY_KEY="w-1")
    assert again.status_code == 201 and again.json()["number"] == first.json()["number"]
    assert Order.objects.filter(kind="withdrawal").count() == 1
    assert Order.objects.filter(kind="replenishment").count() == 1


@pytest.mark.parametrize("case", ["future", "old", "not_in_store", "invisible_patient", "other_store"])
def test_bad_withdrawals_are_problem_documents(store, apis, world, case):  # noqa: F811
    from ordering.tests import factories as of

    body = {"article_number": store.walker.article_number, "patient_id": store.patient.pk, "serial": "W0",
            "orderer_hsa_id": store.keeper.hsa_id}
    client, store_id, status = apis.municipality, store.store.pk, 422
    if case == "future":
        body["withdrawn_at"] = (timezone.now() + dt.timedelta(hours=2)).isoformat()
    elif case == "old":
        body["withdrawn_at"] = (timezone.now() - dt.timedelta(hours=25)).isoformat()
    elif case == "not_in_store":
        body["serial"] = "NOPE"
    elif case == "invisible_patient":
        body["patient_id"] = of.patient(world["region"]).pk
        status = 404
    elif case == "other_store":
        client, status = apis.region, 404
    r = post(client, f"/api/v1/buffer-stores/{store_id}/withdrawals", body)
    assert r.status_code == status, r.content
    assert r["Content-Type"] == "application/problem+json"
    assert r.json()["detail"]
    assert not Order.objects.filter(kind="withdrawal").exists()


def test_manual_buffer_order_and_rules_over_the_api(store, apis):  # noqa: F811
    r = post(apis.municipality, f"/api/v1/buffer-stores/{store.store.pk}/orders",
             {"lines": [{"article_number": store.pads.article_number, "quantity": 5}],
              "orderer_hsa_id": store.keeper.hsa_id})
    assert r.status_code == 201 and r.json()["status"] == "draft" and r.json()["kind"] == "buffer_manual"
    sub = post(apis.municipality, f"/api/v1/buffer-orders/{r.json()['id']}/submit", {})
    assert sub.status_code == 200 and sub.json()["status"] == "submitted"
    assert post(apis.region, f"/api/v1/buffer-orders/{r.json()['id']}/submit", {}).status_code == 404
    bad = post(apis.supply, f"/api/v1/buffer-stores/{store.store.pk}/rules",
               {"article_number": store.pads.article_number, "safety_level": 5, "refill_level": 2})
    assert bad.status_code == 422 and bad["Content-Type"] == "application/problem+json"
    ok = post(apis.supply, f"/api/v1/buffer-stores/{store.store.pk}/rules",
              {"article_number": store.pads.article_number, "safety_level": 5, "refill_level": 25})
    assert ok.status_code == 200
    assert ReorderRule.objects.get(pk=store.pads_rule.pk).refill_level == 25
    assert post(apis.municipality, f"/api/v1/buffer-stores/{store.store.pk}/rules",
                {"article_number": store.pads.article_number, "safety_level": 5,
                 "refill_level": 25}).status_code == 403


def test_store_keeper_user_over_the_api(store, make_user):  # noqa: F811
    from django.test import Client

    from conftest import login_verified

    client = login_verified(Client(), store.keeper)
    assert [s["id"] for s in client.get("/api/v1/buffer-stores").json()] == [store.store.pk]
    other = login_verified(Client(), make_user(Role.STORE_KEEPER, "region"))
    assert other.get(f"/api/v1/buffer-stores/{store.store.pk}").status_code == 404
