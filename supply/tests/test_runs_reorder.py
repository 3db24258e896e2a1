"""Drag and drop of the stops (issue 15): `run_stop_reorder` takes the whole new order of the
run's stops still to do. Each refusal (an id missing, twice, a done stop, another run's, not a
number; a done run) has its Swedish message and leaves the order as it was; the page answers
htmx with the re-rendered stops and the sentence for the live region, and a plain form with a
message; the API answers 200 with the run, 422 / 404 / 409 as problem documents."""
import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from conftest import login_verified
from core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from supply.models import Run
from supply.runs import outcomes
from supply.runs import services as rs
from supply.tests.runs_fixtures import *  # noqa: F401,F403
from supply.tests.runs_fixtures import make_delivery_order

BASE = "/api/v1/supply"


@pytest.fixture
def three(runs):
    s = runs
    s.run = rs.run_create(s.h, date=timezone.localdate(), driver_id=s.driver.pk)
    s.third = make_delivery_order(s)
    s.a, s.b, s.c = (rs.run_stop_add(s.h, s.run.pk, order_id=o.pk) for o in (s.delivery, s.pickup, s.third))
    return s


def order_of(run):
    return list(run.stops.order_by("position").values_list("pk", flat=True))


def test_reorder_puts_the_stops_in_the_new_order_and_is_audited(three):
    s = three
    result = rs.run_stop_reorder(s.h, s.run.pk, stop_ids=[s.c.pk, s.a.pk, s.b.pk])
    assert [st.pk for st in result] == [s.c.pk, s.a.pk, s.b.pk] == order_of(s.run)
    assert list(s.run.stops.order_by("position").values_list("position", flat=True)) == [1, 2, 3]
    event = AuditEvent.objects.get(action="run.stops_reordered")
    assert event.data["stops"] == [s.c.pk, s.a.pk, s.b.pk]


def test_reorder_keeps_done_stops_first(three):
    s = three
    outcomes.run_stop_nobody_home(s.d, s.a.pk)
    rs.run_stop_reorder(s.h, s.run.pk, stop_ids=[s.c.pk, s.b.pk])
    assert order_of(s.run) == [s.a.pk, s.c.pk, s.b.pk]
    with pytest.raises(ValidationFailed) as exc:  # a done stop cannot be moved
        rs.run_stop_reorder(s.h, s.run.pk, stop_ids=[s.a.pk, s.c.pk, s.b.pk])
    assert exc.value.errors["stop_ids"] == ["Ett stopp som redan är utfört kan inte flyttas."]


@pytest.mark.parametrize("case, message", [
    ("missing", "Den nya ordningen saknar stopp; ladda om sidan och försök igen."),
    ("duplicate", "Samma stopp finns med flera gånger i den nya ordningen."),
    ("other_run", "Den nya ordningen har ett stopp som inte hör till den här körningen."),
    ("unknown", "Den nya ordningen har ett stopp som inte hör till den här körningen."),
    ("not_a_number", "Stoppen ska anges med sina nummer (id)."),
    ("not_a_list", "Ange stoppen i den nya ordningen."),
])
def test_reorder_refuses_ids_that_are_not_exactly_the_open_stops(three, case, message):
    s = three
    other = rs.run_create(s.h, date=timezone.localdate(), driver_id=s.driver.pk)
    foreign = rs.run_stop_add(s.h, other.pk, order_id=make_delivery_order(s).pk)
    ids = {"missing": [s.c.pk, s.a.pk], "duplicate": [s.c.pk, s.a.pk, s.b.pk, s.c.pk],
           "other_run": [s.c.pk, s.a.pk, foreign.pk], "unknown": [s.c.pk, s.a.pk, 999999],
           "not_a_number": [s.c.pk, "x", s.b.pk], "not_a_list": str(s.c.pk)}[case]
    before = order_of(s.run)
    with pytest.raises(ValidationFailed) as exc:
        rs.run_stop_reorder(s.h, s.run.pk, stop_ids=ids)
    assert exc.value.errors["stop_ids"] == [message]
    assert order_of(s.run) == before and order_of(other) == [foreign.pk]
    assert not AuditEvent.objects.filter(action="run.stops_reordered").exists()


def test_reorder_refuses_a_done_run_an_unknown_run_and_a_non_planner(three):
    s = three
    with pytest.raises(NotFound):
        rs.run_stop_reorder(s.h, 999999, stop_ids=[s.a.pk])
    with pytest.raises(PermissionDenied):
        rs.run_stop_reorder(s.d, s.run.pk, stop_ids=[s.c.pk, s.a.pk, s.b.pk])
    Run.objects.filter(pk=s.run.pk).update(status="done")
    with pytest.raises(Conflict) as exc:
        rs.run_stop_reorder(s.h, s.run.pk, stop_ids=[s.c.pk, s.a.pk, s.b.pk])
    assert exc.value.message == "Körningen är klar och kan inte ändras."
    assert order_of(s.run) == [s.a.pk, s.b.pk, s.c.pk]


# --------------------------------------------------------------------------- the page


@pytest.fixture
def hc(three):
    return login_verified(Client(), three.handler)


def test_plan_page_has_the_drag_handles_the_script_and_the_live_region(three, hc):
    page = hc.get(reverse("supply:run_plan", args=[three.run.pk])).content.decode()
    assert "lyfta/js/run-reorder.js" in page and 'id="reorder-status"' in page and 'aria-live="polite"' in page
    assert page.count('class="drag-handle"') == 3
    assert f'data-reorder-url="{reverse("supply:run_stop_reorder", args=[three.run.pk])}"' in page


def test_htmx_drop_answers_json_with_the_new_stops_and_the_sentence(three, hc):
    s = three
    url = reverse("supply:run_stop_reorder", args=[s.run.pk])
    r = hc.post(url, {"stop": [s.b.pk, s.c.pk, s.a.pk], "moved": s.a.pk}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["message"] == f"Ordningen är sparad: {s.delivery.number} är nu stopp 3 av 3."
    assert body["stops_html"].index(f'id="stop-{s.b.pk}"') < body["stops_html"].index(f'id="stop-{s.a.pk}"')
    assert 'id="load-bring"' in body["load_html"]
    assert order_of(s.run) == [s.b.pk, s.c.pk, s.a.pk]
    r = hc.post(url, {"stop": [s.b.pk, s.c.pk], "moved": s.a.pk}, HTTP_HX_REQUEST="true")
    assert r.status_code == 422 and r.json() == {"message": "Den nya ordningen saknar stopp; ladda om sidan och försök igen."}
    Run.objects.filter(pk=s.run.pk).update(status="done")
    r = hc.post(url, {"stop": [s.a.pk, s.b.pk, s.c.pk]}, HTTP_HX_REQUEST="true")
    assert r.status_code == 409 and "klar" in r.json()["message"]


def test_plain_form_reorder_redirects_with_a_message(three, hc):
    s = three
    url = reverse("supply:run_stop_reorder", args=[s.run.pk])
    r = hc.post(url, {"stop": [s.c.pk, s.a.pk, s.b.pk], "moved": s.c.pk})
    assert r.status_code == 302 and order_of(s.run) == [s.c.pk, s.a.pk, s.b.pk]
    assert "är nu stopp 1 av 3" in hc.get(r.url).content.decode()
    assert hc.post(reverse("supply:run_stop_reorder", args=[999999]), {"stop": [s.a.pk]}).status_code == 404


# --------------------------------------------------------------------------- the API


def post(client, url, body=None, **headers):
    return client.post(url, data=json.dumps(body or {}), content_type="application/json", **headers)


def problem(r, status):
    assert r.status_code == status, r.content
    assert r["Content-Type"] == "application/problem+json"
    return r.json()


def test_api_reorder(three, hc):
    s = three
    r = post(hc, f"{BASE}/runs/{s.run.pk}/reorder", {"stop_ids": [s.c.pk, s.b.pk, s.a.pk]},
             HTTP_IDEMPOTENCY_KEY="reorder-1")
    assert r.status_code == 200, r.content
    assert [st["id"] for st in r.json()["stops"]] == [s.c.pk, s.b.pk, s.a.pk]
    assert [st["position"] for st in r.json()["stops"]] == [1, 2, 3]
    again = post(hc, f"{BASE}/runs/{s.run.pk}/reorder", {"stop_ids": [s.c.pk, s.b.pk, s.a.pk]},
                 HTTP_IDEMPOTENCY_KEY="reorder-1")
    assert again.status_code == 200 and again.json() == r.json()
    assert AuditEvent.objects.filter(action="run.stops_reordered").count() == 1  # the replay did nothing


def test_api_reorder_refusals_are_problem_documents(three, hc):
    s = three
    other = rs.run_create(s.h, date=timezone.localdate(), driver_id=s.driver.pk)
    foreign = rs.run_stop_add(s.h, other.pk, order_id=make_delivery_order(s).pk)
    body = problem(post(hc, f"{BASE}/runs/{s.run.pk}/reorder", {"stop_ids": [s.a.pk, s.a.pk, s.b.pk, s.c.pk]}), 422)
    assert [e["field"] for e in body["errors"]] == ["stop_ids"]
    problem(post(hc, f"{BASE}/runs/{s.run.pk}/reorder", {"stop_ids": [s.a.pk, s.b.pk, foreign.pk]}), 422)
    problem(post(hc, f"{BASE}/runs/{s.run.pk}/reorder", {"stop_ids": "nej"}), 422)
    # another run's stops do not make that run's order (the ids are checked against the URL's run)
    problem(post(hc, f"{BASE}/runs/{other.pk}/reorder", {"stop_ids": [s.a.pk]}), 422)
    assert order_of(other) == [foreign.pk]
    problem(post(hc, f"{BASE}/runs/999999/reorder", {"stop_ids": [s.a.pk]}), 404)
    assert order_of(s.run) == [s.a.pk, s.b.pk, s.c.pk]
    dc = login_verified(Client(), s.driver)
    problem(post(dc, f"{BASE}/runs/{s.run.pk}/reorder", {"stop_ids": [s.c.pk, s.b.pk, s.a.pk]}), 403)
