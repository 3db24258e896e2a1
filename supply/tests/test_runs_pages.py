"""The runs pages: the handler plans (create, add, move, sort, remove, load list, run sheet),
the driver works from the phone (today, a stop, delivered with a signature, nobody home), the
protected address shown only to the run's driver, and the patient-access rows."""
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from access.roles import Perm
from audit.models import PatientAccess
from conftest import login_verified
from ordering.models import Delivery, Message, Order
from supply.models import Run, RunStop
from supply.runs import services as rs
from supply.tests.runs_fixtures import *  # noqa: F401,F403
from supply.tests.runs_fixtures import signature_url


@pytest.fixture
def hc(runs):
    return login_verified(Client(), runs.handler)


@pytest.fixture
def dc(runs):
    return login_verified(Client(), runs.driver)


def test_driver_runs_is_used_by_pages():
    from tests.test_permission_matrix import PAGES

    assert dict(PAGES)["supply:driver_today"] == Perm.DRIVER_RUNS
    assert dict(PAGES)["supply:run_list"] == Perm.ORDER_HANDLE


def test_handler_plans_a_run(runs, hc):
    today = timezone.localdate().isoformat()
    r = hc.post(reverse("supply:run_list"), {"date": today, "driver_id": runs.driver.pk, "vehicle": "Bil 2"})
    run = Run.objects.get()
    assert r.status_code == 302 and r.url == reverse("supply:run_plan", args=[run.pk])
    page = hc.get(r.url).content.decode()
    assert runs.delivery.number in page and runs.pickup.number in page  # offered as stops
    for kind, order in (("delivery", runs.delivery), ("pickup", runs.pickup)):
        r = hc.post(reverse("supply:run_stop_add", args=[run.pk, kind]), {f"{kind}-order_id": order.pk})
        assert r.status_code == 302, r.content.decode()[:500]
    stops = list(run.stops.all())
    assert [s.kind for s in stops] == ["delivery", "pickup"]
    hc.post(reverse("supply:run_stop_move", args=[run.pk, stops[1].pk, "up"]))
    assert list(run.stops.values_list("kind", flat=True)) == ["pickup", "delivery"]
    assert hc.post(reverse("supply:run_sort", args=[run.pk])).status_code == 302
    page = hc.get(reverse("supply:run_plan", args=[run.pk])).content.decode()
    assert 'id="load-bring"' in page and runs.chair.article_number in page and runs.device.serial in page
    pdf = hc.get(reverse("supply:run_sheet", args=[run.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert PatientAccess.objects.filter(view="run_plan", patient_id=runs.patient.pk).exists()


def test_add_refusal_is_shown_next_to_the_field(runs, hc):
    run = rs.run_create(runs.h, date=timezone.localdate(), driver_id=runs.driver.pk)
    other = rs.run_create(runs.h, date=timezone.localdate(), driver_id=runs.driver.pk)
    rs.run_stop_add(runs.h, other.pk, order_id=runs.delivery.pk)
    r = hc.post(reverse("supply:run_stop_add", args=[run.pk, "delivery"]), {"delivery-order_id": runs.delivery.pk})
    # the order is on another run: a conflict, told at the top of the page after the redirect
    assert r.status_code == 302
    assert "finns redan på körning" in hc.get(r.url).content.decode()
    r = hc.post(reverse("supply:run_list"), {"date": "2000-01-01", "driver_id": runs.driver.pk})
    assert r.status_code == 422 and "bakåt i tiden" in r.content.decode()


def _planned(runs, *, protected=False):
    if protected:
        Order.objects.filter(pk__in=[runs.delivery.pk, runs.pickup.pk]).update(delivery_protected=True)
    run = rs.run_create(runs.h, date=timezone.localdate(), driver_id=runs.driver.pk)
    a = rs.run_stop_add(runs.h, run.pk, order_id=runs.delivery.pk)
    b = rs.run_stop_add(runs.h, run.pk, order_id=runs.pickup.pk)
    return run, a, b


def test_driver_delivers_with_signature_and_records_nobody_home(runs, dc):
    run, a, b = _planned(runs)
    page = dc.get(reverse("supply:driver_today")).content.decode()
    assert runs.delivery.number in page and runs.pickup.number in page
    stop_page = dc.get(reverse("supply:driver_stop", args=[a.pk])).content.decode()
    assert 'href="geo:' in stop_page and "google.com/maps" in stop_page and 'id="signature-pad"' in stop_page
    r = dc.post(reverse("supply:driver_stop_done", args=[a.pk]), {"receiver_name": "", "signature": ""})
    assert r.status_code == 422 and "field has-error" in r.content.decode()
    r = dc.post(reverse("supply:driver_stop_done", args=[a.pk]),
                {"receiver_name": "Anna", "signature": signature_url(), "lines_shown": "1",
                 "line": [str(ln.pk) for ln in runs.delivery.lines.all()]})
    assert r.status_code == 302
    delivery = Delivery.objects.get(order=runs.delivery)
    assert delivery.signature_png
    r = dc.post(reverse("supply:driver_stop_nobody_home", args=[b.pk]), {"note": ""})
    assert r.status_code == 302
    assert set(RunStop.objects.values_list("outcome", flat=True)) == {"delivered", "nobody_home"}
    assert Run.objects.get(pk=run.pk).status == "done"


def test_prescriber_sees_the_signature_and_the_message(runs, dc):
    run, a, b = _planned(runs)
    dc.post(reverse("supply:driver_stop_done", args=[a.pk]), {"receiver_name": "Anna", "signature": signature_url()})
    pc = login_verified(Client(), runs.prescriber)
    delivery = Delivery.objects.get(order=runs.delivery)
    img = pc.get(reverse("ordering:delivery_signature", args=[delivery.pk]))
    assert img.status_code == 200 and img["Content-Type"] == "image/png"
    note = pc.get(reverse("ordering:delivery_note", args=[delivery.pk]))
    assert note.status_code == 200 and b"/Subtype /Image" in note.content
    assert Message.objects.filter(recipient=runs.prescriber, kind="delivered").exists()
    other = login_verified(Client(), runs.other)  # another customer's prescriber
    assert other.get(reverse("ordering:delivery_signature", args=[delivery.pk])).status_code == 404


def test_protected_address_only_for_the_runs_driver(runs, dc, hc, make_user):
    from access.roles import Role

    run, a, b = _planned(runs, protected=True)
    street = runs.delivery.delivery_street
    assert street and street in dc.get(reverse("supply:driver_stop", args=[a.pk])).content.decode()
    plan = hc.get(reverse("supply:run_plan", args=[run.pk])).content.decode()
    assert street not in plan and "Skyddad adress" in plan
    from reportlab import rl_config

    rl_config.pageCompression = 0  # readable page streams for the check below
    try:
        for_handler = hc.get(reverse("supply:run_sheet", args=[run.pk])).content
        for_driver = dc.get(reverse("supply:driver_sheet", args=[run.pk])).content
    finally:
        rl_config.pageCompression = 1
    assert b"Parkv" in for_driver and b"Parkv" not in for_handler and b"Skyddad adress" in for_handler
    other = login_verified(Client(), make_user(Role.DRIVER))
    assert other.get(reverse("supply:driver_stop", args=[a.pk])).status_code == 404
    assert PatientAccess.objects.filter(view="driver_stop", patient_id=runs.patient.pk).exists()


def test_start_panel_shows_todays_run(runs, dc):
    _planned(runs)
    body = dc.get(reverse("core:start")).content.decode()
    assert "I dag" in body and "av 2 stopp klara" in body


def test_plan_and_driver_pages_query_count_does_not_grow_with_stops(runs, hc, dc):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from supply.tests.runs_fixtures import make_delivery_order

    run, a, b = _planned(runs)

    def count(client, url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    plan, today = reverse("supply:run_plan", args=[run.pk]), reverse("supply:driver_today")
    count(hc, plan), count(dc, today)  # warm (session, caches)
    before = (count(hc, plan), count(dc, today))
    for _ in range(3):
        rs.run_stop_add(runs.h, run.pk, order_id=make_delivery_order(runs).pk)
    after = (count(hc, plan), count(dc, today))
    assert after == before, (before, after)
    print("QUERIES plan, driver_today:", after)


def test_a_stop_of_another_run_is_404(runs, hc):
    run, a, b = _planned(runs)
    other = rs.run_create(runs.h, date=timezone.localdate(), driver_id=runs.driver.pk)
    assert hc.post(reverse("supply:run_stop_move", args=[other.pk, a.pk, "down"])).status_code == 404
    assert hc.post(reverse("supply:run_stop_remove", args=[other.pk, a.pk])).status_code == 404
    assert RunStop.objects.filter(pk=a.pk, position=1).exists()


def test_technicians_today_panel(runs):
    from ordering.flows import work as wo

    order = wo.work_order_create(runs.p, wo.WorkOrderInput(patient_id=runs.patient.pk, kind="repair_patient",
                                                           description="Trasig broms",
                                                           device_serial=runs.walker_device.serial), submit=True)
    wo.work_order_accept(runs.h, order.pk, planned_date=timezone.localdate(), technician_id=runs.technician.pk)
    run = rs.run_create(runs.h, date=timezone.localdate(), driver_id=runs.technician.pk)
    assert rs.run_stop_add(runs.h, run.pk, order_id=order.pk).kind == "visit"
    tc = login_verified(Client(), runs.technician)
    body = tc.get(reverse("core:start")).content.decode()
    assert "Arbetsordrar planerade i dag" in body and "av 1 stopp klara" in body
    assert order.number in tc.get(reverse("supply:driver_today")).content.decode()


def test_runs_pages_markup_also_with_errors(runs, hc, dc):
    """No duplicate ids, dangling aria references or ungrouped checkboxes (tests/browser/markup.py),
    on every runs page, also when a form comes back with errors (422)."""
    from tests.browser.markup import problems

    run, a, b = _planned(runs)

    def check(client, url, data=None, status=200):
        r = client.post(url, data) if data is not None else client.get(url)
        assert r.status_code == status, (url, r.status_code)
        assert not problems(r.content.decode()), (url, problems(r.content.decode()))

    check(hc, reverse("supply:run_list"))
    check(hc, reverse("supply:run_list"), {"date": "2000-01-01", "driver_id": "", "vehicle": "x" * 41}, status=422)
    check(hc, reverse("supply:run_plan", args=[run.pk]))
    check(hc, reverse("supply:run_stop_add", args=[run.pk, "pickup"]), {"pickup-order_id": ""}, status=422)
    check(dc, reverse("supply:driver_today"))
    check(dc, reverse("supply:driver_stop", args=[a.pk]))
    check(dc, reverse("supply:driver_stop", args=[b.pk]))
    check(dc, reverse("supply:driver_stop_done", args=[a.pk]),
          {"receiver_name": "Anna", "signature": signature_url(blank=True)}, status=422)


def test_add_refusal_by_the_service_is_shown_next_to_the_field(runs, hc):
    from supply.tests.runs_fixtures import make_delivery_order

    run = rs.run_create(runs.h, date=timezone.localdate(), driver_id=runs.driver.pk)
    not_ready = make_delivery_order(runs, confirm=False)
    r = hc.post(reverse("supply:run_stop_add", args=[run.pk, "delivery"]), {"delivery-order_id": not_ready.pk})
    body = r.content.decode()
    assert r.status_code == 422 and "måste vara bekräftad eller skickad" in body
    assert 'id="id_delivery-order_id_error"' in body and not RunStop.objects.exists()
