"""Partial pickup at the door (issue 15): the driver marks each device collected or not, with a
reason for the ones left ("finns inte på plats", "patienten behåller", "annat" with a comment).
The collected devices' loans end and the return receipt lists them; the order is partly picked
up and a new stop can be planned for the rest — except what the patient keeps, which is closed
without collection (the loan goes on). The orderer and prescriber are told what was and was not
collected. Service, state machine, page and API; the race is in test_runs_concurrency.py."""
import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import login_verified
from core.errors import IllegalTransition, ValidationFailed
from ordering.flows import pickup as pickups
from ordering.models import Message, OrderEvent, OrderType, PickupLine, ReturnReceipt
from ordering.transitions import is_allowed
from stock.models import Loan
from supply.models import Run, RunStop
from supply.runs import outcomes
from supply.runs import services as rs
from supply.tests.runs_fixtures import *  # noqa: F401,F403
from supply.tests.runs_fixtures import signature_url

BASE = "/api/v1/supply"


@pytest.fixture
def two(runs):
    """A pickup order for the chair and the walker, on today's run."""
    s = runs
    s.pickup2 = pickups.pickup_create(s.p, pickups.PickupInput(patient_id=s.patient.pk, lines=[
        pickups.PickupLineInput(s.walker_device.serial, "not_needed")]))
    # the fixture's pickup order (the chair) gets the walker's line too: one order, two devices
    PickupLine.objects.filter(order=s.pickup2).update(order=s.pickup)
    s.pickup2.delete()
    s.pickup.pickup_lines.filter(device=s.device).delete()
    PickupLine.objects.create(order=s.pickup, device=s.device, loan=Loan.objects.get(device=s.device, ended_on=None),
                              reason="not_needed")
    s.run = rs.run_create(s.h, date=timezone.localdate(), driver_id=s.driver.pk)
    s.stop = rs.run_stop_add(s.h, s.run.pk, order_id=s.pickup.pk)
    return s


def done(s, stop=None, **kw):
    return outcomes.run_stop_complete(s.d, (stop or s.stop).pk, receiver_name="Anna Andersson",
                                      signature=signature_url(), **kw)


def line(s, device):
    return PickupLine.objects.get(order=s.pickup, device=device)


def open_loan(device):
    return Loan.objects.filter(device=device, ended_on=None).first()


def test_state_machine_has_the_partial_moves_and_refuses_the_others():
    P = OrderType.PICKUP
    assert is_allowed(P, "planned", "partly_picked_up")
    assert is_allowed(P, "partly_picked_up", "planned") and is_allowed(P, "partly_picked_up", "cancelled")
    for frm, to in (("submitted", "partly_picked_up"), ("partly_picked_up", "picked_up"),
                    ("partly_picked_up", "received"), ("picked_up", "partly_picked_up"),
                    ("received", "partly_picked_up")):
        assert not is_allowed(P, frm, to), (frm, to)


def test_partial_pickup_collects_part_and_leaves_the_rest_for_a_new_stop(two):
    s = two
    stop = done(s, not_collected={s.walker_device.serial: "not_there"})
    assert stop.outcome == "partial"
    s.pickup.refresh_from_db()
    assert s.pickup.status == "partly_picked_up"
    assert line(s, s.device).outcome == "collected" and open_loan(s.device) is None
    walker = line(s, s.walker_device)
    assert walker.outcome == "" and walker.not_collected_reason == "not_there" and open_loan(s.walker_device)
    receipt = ReturnReceipt.objects.get(pickup_order=s.pickup)
    assert [ln.device_id for ln in receipt.lines.all()] == [s.device.pk]
    event = OrderEvent.objects.filter(order=s.pickup, to_status="partly_picked_up").get()
    assert event.data["collected"] == [s.device.serial] and event.data["not_collected"] == {
        s.walker_device.serial: "not_there"}
    msg = Message.objects.get(order=s.pickup, recipient=s.prescriber)
    assert "1 av 2" in msg.subject and s.device.serial in msg.text and s.walker_device.serial in msg.text
    assert "finns inte på plats" in msg.text and "ny hämtning" in msg.text

    # a new stop for the rest (the order is planned again) collects only the walker
    run2 = rs.run_create(s.h, date=timezone.localdate(), driver_id=s.driver.pk)
    stop2 = rs.run_stop_add(s.h, run2.pk, order_id=s.pickup.pk)
    s.pickup.refresh_from_db()
    assert s.pickup.status == "planned"
    from supply.runs import selectors
    view = selectors.stop_views(run2, s.h, view="run_plan")[0]
    assert [c[0] for c in view.collect] == [s.walker_device.serial]
    assert done(s, stop2).outcome == "picked_up"
    s.pickup.refresh_from_db()
    assert s.pickup.status == "picked_up" and open_loan(s.walker_device) is None
    second = ReturnReceipt.objects.filter(pickup_order=s.pickup).order_by("-id").first()
    assert [ln.device_id for ln in second.lines.all()] == [s.walker_device.pk]


def test_what_the_patient_keeps_is_closed_without_collection(two):
    s = two
    stop = done(s, collected_serials=[s.device.serial], not_collected={s.walker_device.serial: "kept"})
    assert stop.outcome == "picked_up"
    s.pickup.refresh_from_db()
    assert s.pickup.status == "picked_up"
    walker = line(s, s.walker_device)
    assert walker.outcome == "kept" and open_loan(s.walker_device) is not None  # the loan goes on
    msg = Message.objects.get(order=s.pickup, recipient=s.prescriber)
    assert "patienten behåller" in msg.text and "lånet fortsätter" in msg.text
    pickups.pickup_receive(s.h, s.pickup.pk)  # only the chair comes to refurbishment
    assert line(s, s.walker_device).received_at is None and line(s, s.device).received_at is not None
    # the walker can be put on a new pickup order later
    again = pickups.pickup_create(s.p, pickups.PickupInput(patient_id=s.patient.pk, lines=[
        pickups.PickupLineInput(s.walker_device.serial, "not_needed")]))
    assert again.status == "submitted"


@pytest.mark.parametrize("kw, field, text", [
    ({"not_collected": {"X": "other"}}, "not_collected", "finns inte att hämta"),
    ({"collected_serials": [], "not_collected": {}}, "collected", "minst ett hjälpmedel"),
    ({"collected_serials": ["C"]}, "not_collected.W", "Ange varför"),
    ({"not_collected": {"W": "lost"}}, "not_collected.W", "Ange varför"),
    ({"not_collected": {"W": "other"}}, "note", "orsak Annat"),
    ({"not_collected": [("W", "kept"), ("W", "other")]}, "not_collected", "två gånger"),
    ({"collected_serials": ["C", "W"], "not_collected": {"W": "kept"}}, "collected", "både hämtad och kvar"),
    ({"collected_serials": ["C", "C"], "not_collected": {"W": "kept"}}, "collected", "två gånger"),
])
def test_partial_pickup_refusals(two, kw, field, text):
    s = two
    names = {"C": s.device.serial, "W": s.walker_device.serial}
    if "collected_serials" in kw:
        kw["collected_serials"] = [names.get(x, x) for x in kw["collected_serials"]]
    left = kw.get("not_collected")
    if isinstance(left, dict):
        kw["not_collected"] = {names.get(k, k): v for k, v in left.items()}
    elif left is not None:
        kw["not_collected"] = [(names.get(k, k), v) for k, v in left]
    field = field.replace(".W", "." + s.walker_device.serial)
    with pytest.raises(ValidationFailed) as exc:
        done(s, **kw)
    assert field in exc.value.errors and text in exc.value.errors[field][0], exc.value.errors
    s.pickup.refresh_from_db()
    assert s.pickup.status == "planned" and RunStop.objects.get(pk=s.stop.pk).outcome == ""
    assert not ReturnReceipt.objects.filter(pickup_order=s.pickup).exists() and open_loan(s.device)


def test_other_with_a_note_is_told_to_the_orderer(two):
    s = two
    done(s, not_collected={s.walker_device.serial: "other"}, note="Rollatorn är utlånad till grannen")
    msg = Message.objects.get(order=s.pickup, recipient=s.prescriber)
    assert "annat" in msg.text and "grannen" in msg.text


def test_a_partly_picked_up_order_must_be_planned_again_before_the_next_pickup(two):
    s = two
    done(s, not_collected={s.walker_device.serial: "not_there"})
    s.pickup.refresh_from_db()
    with pytest.raises(IllegalTransition):
        pickups.pickup_mark_picked_up(s.pickup, s.h, picked_up_on=timezone.localdate())
    with pytest.raises(IllegalTransition):
        pickups.pickup_receive(s.h, s.pickup.pk)
    pickups.pickup_cancel(s.h, s.pickup.pk, reason="Rollatorn är borttappad")  # giving up the rest
    s.pickup.refresh_from_db()
    assert s.pickup.status == "cancelled" and open_loan(s.device) is None


def test_a_submitted_order_cannot_be_partly_picked_up(two):
    s = two
    from ordering.models import Order

    Order.objects.filter(pk=s.pickup.pk).update(status="submitted")
    s.pickup.refresh_from_db()
    with pytest.raises(IllegalTransition):
        pickups.pickup_mark_picked_up(s.pickup, s.h, picked_up_on=timezone.localdate(),
                                      left={s.walker_device.serial: "not_there"})


# --------------------------------------------------------------------------- page and API


def test_driver_page_partial_pickup(two):
    s = two
    dc = login_verified(Client(), s.driver)
    page = dc.get(reverse("supply:driver_stop", args=[s.stop.pk])).content.decode()
    assert page.count('<fieldset class="field pick-line"') == 2 and "Inte hämtad – patienten behåller" in page
    form = {"receiver_name": "Anna", "signature": signature_url(), "collect_shown": "1",
            "pick-1-serial": s.walker_device.serial, "pick-1": "other",
            "pick-2-serial": s.device.serial, "pick-2": "collected"}
    r = dc.post(reverse("supply:driver_stop_done", args=[s.stop.pk]), form)
    assert r.status_code == 422
    html = r.content.decode()
    assert "orsak Annat" in html and 'value="other" id="pick-1-other" checked' in html  # kept as marked
    form["pickup_note"] = "Grannen har den"
    r = dc.post(reverse("supply:driver_stop_done", args=[s.stop.pk]), form)
    assert r.status_code == 302
    assert "Delvis hämtat och kvitterat" in dc.get(r.url).content.decode()
    s.pickup.refresh_from_db()
    assert s.pickup.status == "partly_picked_up"


def test_api_partial_pickup(two):
    s = two
    dc = login_verified(Client(), s.driver)
    url = f"{BASE}/run-stops/{s.stop.pk}/done"

    def post(body):
        return dc.post(url, data=json.dumps({"receiver_name": "Anna", "signature": signature_url(), **body}),
                       content_type="application/json")

    r = post({"not_collected": [{"serial": s.walker_device.serial, "reason": "lost"}]})
    assert r.status_code == 422 and r["Content-Type"] == "application/problem+json"
    r = post({"not_collected": [{"serial": s.walker_device.serial, "reason": "other"}]})
    assert r.status_code == 422 and "note" in [e["field"] for e in r.json()["errors"]]
    r = post({"not_collected": [{"serial": s.walker_device.serial, "reason": "not_there"}]})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["outcome"] == "partial" and {c["serial"] for c in body["collect"]} == {s.device.serial, s.walker_device.serial}
    r = post({"not_collected": [{"serial": s.walker_device.serial, "reason": "not_there"}]})
    assert r.status_code == 409  # the stop is done once
    assert Run.objects.get(pk=s.run.pk).status == "done"
