"""Runs over the API: the planning rules and the driver's outcomes answer the same as the pages
(the same services), every refusal a JSON problem document."""
import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from conftest import login_verified
from ordering.models import Delivery, OrderEvent
from supply.models import Run, RunStop
from supply.tests.runs_fixtures import *  # noqa: F401,F403
from supply.tests.runs_fixtures import make_delivery_order, signature_url

BASE = "/api/v1/supply"


def post(client, url, body=None, **headers):
    return client.post(url, data=json.dumps(body or {}), content_type="application/json", **headers)


def problem(r, status, field=None):
    assert r.status_code == status, r.content
    assert r["Content-Type"] == "application/problem+json"
    body = r.json()
    if field:
        assert field in [e["field"] for e in body.get("errors", [])], body
    return body


@pytest.fixture
def api(runs):
    runs.hc = login_verified(Client(), runs.handler)
    runs.dc = login_verified(Client(), runs.driver)
    runs.pc = login_verified(Client(), runs.prescriber)
    return runs


def _create(api, **kw):
    body = {"date": timezone.localdate().isoformat(), "driver_id": api.driver.pk, "vehicle": "Bil 1", **kw}
    return post(api.hc, f"{BASE}/runs", body)


def test_plan_over_the_api(api):
    r = _create(api)
    assert r.status_code == 200, r.content
    run_id = r.json()["id"]
    r = post(api.hc, f"{BASE}/runs/{run_id}/stops", {"order_id": api.delivery.pk})
    r = post(api.hc, f"{BASE}/runs/{run_id}/stops", {"order_id": api.pickup.pk})
    stops = r.json()["stops"]
    assert [s["kind"] for s in stops] == ["delivery", "pickup"]
    assert stops[0]["bring"][0]["article_number"] == api.chair.article_number
    assert stops[1]["collect"][0]["serial"] == api.device.serial
    r = post(api.hc, f"{BASE}/runs/{run_id}/stops/{stops[1]['id']}/move", {"direction": "up"})
    assert [s["kind"] for s in r.json()["stops"]] == ["pickup", "delivery"]
    r = post(api.hc, f"{BASE}/runs/{run_id}/sort-by-postcode")
    assert r.status_code == 200
    r = post(api.hc, f"{BASE}/runs/{run_id}/stops/{stops[1]['id']}/remove")
    assert len(r.json()["stops"]) == 1
    assert api.hc.get(f"{BASE}/runs").json()[0]["id"] == run_id


@pytest.mark.parametrize("body, field", [
    ({"date": (timezone.localdate() - dt.timedelta(days=1)).isoformat()}, "date"),
    ({"date": (timezone.localdate() + dt.timedelta(days=400)).isoformat()}, "date"),
    ({"driver_id": 0}, "driver_id"),
])
def test_create_refusals_are_problems(api, body, field):
    body = problem(_create(api, **body), 422, field)
    assert body["status"] == 422 and not Run.objects.exists()


def test_vehicle_too_long_is_a_problem(api):
    problem(_create(api, vehicle="x" * 41), 422)


def test_stop_refusals_are_problems(api):
    run_id = _create(api).json()["id"]
    other_id = _create(api).json()["id"]
    post(api.hc, f"{BASE}/runs/{other_id}/stops", {"order_id": api.delivery.pk})
    body = problem(post(api.hc, f"{BASE}/runs/{run_id}/stops", {"order_id": api.delivery.pk}), 409)
    assert "finns redan på körning" in body["detail"]
    not_ready = make_delivery_order(api, confirm=False)
    problem(post(api.hc, f"{BASE}/runs/{run_id}/stops", {"order_id": not_ready.pk}), 422, "order_id")
    problem(post(api.hc, f"{BASE}/runs/{run_id}/stops", {"order_id": 999999}), 422, "order_id")
    stop_id = RunStop.objects.get(run_id=other_id).pk
    problem(post(api.hc, f"{BASE}/runs/{other_id}/stops/{stop_id}/move", {"direction": "up"}), 422, "direction")
    problem(post(api.hc, f"{BASE}/runs/{other_id}/stops/{stop_id}/move", {"direction": "x"}), 422, "direction")
    problem(post(api.hc, f"{BASE}/runs/{run_id}/stops/{stop_id}/remove"), 404)  # not that run's stop
    problem(api.hc.get(f"{BASE}/runs/999999"), 404)


def test_only_handlers_plan_and_only_drivers_record(api):
    problem(post(api.dc, f"{BASE}/runs", {"date": timezone.localdate().isoformat(), "driver_id": api.driver.pk}), 403)
    problem(api.pc.get(f"{BASE}/my-runs/today"), 403)


def test_driver_records_over_the_api(api):
    run_id = _create(api).json()["id"]
    post(api.hc, f"{BASE}/runs/{run_id}/stops", {"order_id": api.delivery.pk})
    post(api.hc, f"{BASE}/runs/{run_id}/stops", {"order_id": api.pickup.pk})
    runs_today = api.dc.get(f"{BASE}/my-runs/today").json()
    first, second = runs_today[0]["stops"]
    assert first["geo_url"].startswith("geo:") and first["address_lines"]
    problem(post(api.dc, f"{BASE}/run-stops/{first['id']}/done", {"receiver_name": "Anna", "signature": ""}),
            422, "signature")
    problem(post(api.dc, f"{BASE}/run-stops/{first['id']}/done",
                 {"receiver_name": "Anna", "signature": signature_url(blank=True)}), 422, "signature")
    problem(post(api.dc, f"{BASE}/run-stops/{first['id']}/done",
                 {"receiver_name": " ", "signature": signature_url()}), 422, "receiver_name")
    r = post(api.dc, f"{BASE}/run-stops/{first['id']}/done", {"receiver_name": "Anna", "signature": signature_url()},
             HTTP_IDEMPOTENCY_KEY="k-1")
    assert r.status_code == 200 and r.json()["outcome"] == "delivered"
    again = post(api.dc, f"{BASE}/run-stops/{first['id']}/done", {"receiver_name": "Anna",
                                                                   "signature": signature_url()},
                 HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 200 and Delivery.objects.filter(order=api.delivery).count() == 1
    problem(post(api.dc, f"{BASE}/run-stops/{first['id']}/nobody-home"), 409)
    r = post(api.dc, f"{BASE}/run-stops/{second['id']}/nobody-home", {"note": "Ingen öppnade"})
    assert r.status_code == 200 and r.json()["outcome"] == "nobody_home"
    assert OrderEvent.objects.filter(order=api.pickup, data__failed_pickup=True).count() == 1


def test_nobody_home_on_a_delivery_over_the_api_bills_once(api):
    run_id = _create(api).json()["id"]
    stop_id = post(api.hc, f"{BASE}/runs/{run_id}/stops", {"order_id": api.delivery.pk}).json()["stops"][0]["id"]
    assert post(api.dc, f"{BASE}/run-stops/{stop_id}/nobody-home").status_code == 200
    problem(post(api.dc, f"{BASE}/run-stops/{stop_id}/nobody-home"), 409)
    assert OrderEvent.objects.filter(order=api.delivery, data__failed_delivery=True).count() == 1


def test_another_driver_gets_404(api, make_user):
    from access.roles import Role

    run_id = _create(api).json()["id"]
    stop_id = post(api.hc, f"{BASE}/runs/{run_id}/stops", {"order_id": api.delivery.pk}).json()["stops"][0]["id"]
    other = login_verified(Client(), make_user(Role.DRIVER))
    problem(post(other, f"{BASE}/run-stops/{stop_id}/nobody-home"), 404)
    assert other.get(f"{BASE}/my-runs/today").json() == []


def test_door_rules_over_the_api(api):
    run_id = _create(api).json()["id"]
    post(api.hc, f"{BASE}/runs/{run_id}/stops", {"order_id": api.delivery.pk})
    stops = post(api.hc, f"{BASE}/runs/{run_id}/stops", {"order_id": api.pickup.pk}).json()["stops"]
    problem(post(api.dc, f"{BASE}/run-stops/{stops[0]['id']}/done",
                 {"receiver_name": "A", "signature": signature_url(), "line_ids": []}), 422, "lines")
    problem(post(api.dc, f"{BASE}/run-stops/{stops[1]['id']}/done",
                 {"receiver_name": "A", "signature": signature_url(), "collected_serials": []}), 422, "collected")
    problem(post(api.dc, f"{BASE}/run-stops/{stops[1]['id']}/done",
                 {"receiver_name": "A", "signature": signature_url(size=(20, 20))}), 422, "signature")
    Run.objects.filter(pk=run_id).update(date=timezone.localdate() + dt.timedelta(days=1))
    body = problem(post(api.dc, f"{BASE}/run-stops/{stops[0]['id']}/nobody-home"), 409)
    assert "körningens dag" in body["detail"]
    assert not OrderEvent.objects.filter(data__failed_delivery=True).exists()


def test_a_started_run_takes_no_new_stops_over_the_api(api):
    run_id = _create(api).json()["id"]
    Run.objects.filter(pk=run_id).update(status="started")
    body = problem(post(api.hc, f"{BASE}/runs/{run_id}/stops", {"order_id": api.delivery.pk}), 409)
    assert "påbörjats" in body["detail"]
