"""Issue 15: no page has duplicate ids, an aria-describedby/labelledby or label-for pointing at
nothing, or a radio/checkbox group outside a fieldset with a legend — on the customer's and the
supply centre's main pages, also when a form comes back with errors (422). The browser tests
run the same check on every page they visit (tests/browser/markup.py)."""
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import login_verified
from ordering.flows import pickup as pickups
from ordering.flows import work as works
from ordering.tests.service_fixtures import *  # noqa: F401,F403
from tests.browser.markup import problems

YESTERDAY = str(timezone.localdate() - dt.timedelta(days=1))


def check(client, url, data=None, *, status=(200,)):
    r = client.post(url, data) if data is not None else client.get(url)
    assert r.status_code in status, (url, r.status_code)
    found = problems(r.content.decode())
    assert not found, f"{url}: {found}"
    return r


@pytest.fixture
def orders(svc):
    pickup = pickups.pickup_create(svc.p, pickups.PickupInput(
        patient_id=svc.patient.pk, lines=[pickups.PickupLineInput(svc.walker_device.serial, "not_needed")]))
    work = works.work_order_create(svc.p, works.WorkOrderInput(
        patient_id=svc.patient.pk, kind="repair_patient", description="Däck", device_serial=svc.device.serial),
        submit=True)
    return pickup, work


def test_customer_pages(svc, orders, client):
    pickup, work = orders
    c = login_verified(client, svc.prescriber)
    pid = svc.patient.pk
    for url in [reverse("core:start"), reverse("patients:search") + "?q=Patientsson",
                reverse("patients:search") + "?q=19400101-0000", reverse("ordering:order_search"),
                reverse("ordering:order_search") + "?identity=abc",
                reverse("ordering:draft_new") + f"?patient={pid}", reverse("ordering:patient_view", args=[pid]),
                reverse("ordering:wo_new") + f"?patient={pid}", reverse("ordering:pickup_new") + f"?patient={pid}",
                reverse("ordering:fault_new") + f"?patient={pid}", reverse("ordering:receipt_new", args=[pid]),
                reverse("ordering:wo_detail", args=[work.pk]), reverse("ordering:pickup_detail", args=[pickup.pk]),
                reverse("ordering:inbox"), reverse("catalogue:search") + "?q=rullstol",
                reverse("catalogue:article", args=[svc.chair.article_number])]:
        check(c, url)
    check(c, reverse("ordering:wo_new") + f"?patient={pid}",
          {"kind": "repair_patient", "description": "", "requested_date": YESTERDAY}, status=(422,))
    check(c, reverse("ordering:pickup_new") + f"?patient={pid}", {"requested_date": YESTERDAY}, status=(422,))
    check(c, reverse("ordering:fault_new") + f"?patient={pid}", {"occurred_on": "2999-01-01"}, status=(422,))


def test_supply_pages(svc, orders, client):
    pickup, work = orders
    c = login_verified(client, svc.handler)
    for url in [reverse("core:start"), reverse("supply:inbox"), reverse("supply:wo_list"),
                reverse("supply:wo_handle", args=[work.pk]), reverse("supply:pickup_list"),
                reverse("supply:pickup_handle", args=[pickup.pk]), reverse("supply:fault_list"),
                reverse("supply:refurb_queue"), reverse("supply:dashboard")]:
        check(c, url)
    check(c, reverse("supply:wo_accept", args=[work.pk]), {"planned_date": YESTERDAY}, status=(422,))
    check(c, reverse("supply:pickup_plan", args=[pickup.pk]), {"planned_date": YESTERDAY}, status=(422,))


def test_supply_order_page_has_unique_ids_also_with_errors(stocked, client):
    from ordering.tests.conftest import make_order
    from supply import services

    order = make_order(stocked)
    services.order_confirm(stocked.h, order.pk)
    c = login_verified(client, stocked.handler)
    html = check(c, reverse("supply:order_handle", args=[order.pk])).content.decode()
    assert html.count('id="id_delay_reason"') == 1 and html.count('id="id_cancel_reason"') == 1
    r = check(c, reverse("supply:order_delay", args=[order.pk]), {"new_date": YESTERDAY, "reason": "x"},
              status=(422,))
    assert 'href="#id_delay_new_date"' in r.content.decode()  # the error summary links to the field
    services.order_dispatch(stocked.h, order.pk)
    check(c, reverse("supply:order_handle", args=[order.pk]))
    check(c, reverse("supply:order_deliver", args=[order.pk]), {"receiver_name": ""}, status=(422,))


def test_the_checker_finds_what_it_must():
    bad = ('<label for="nope">x</label><input id="a" aria-describedby="a-help"><input id="a">'
           '<input type="radio" name="r"><input type="radio" name="r">')
    found = problems(bad)
    assert any("duplicate id 'a'" in p for p in found) and any("a-help" in p for p in found)
    assert any("nope" in p for p in found) and any("radio group 'r'" in p for p in found)
    assert not problems('<fieldset><legend>R</legend><input type="radio" name="r"><input type="radio" name="r">'
                        '</fieldset>')


def test_article_page_orders_the_article_for_a_chosen_patient(stocked, client):
    from ordering.models import Order

    c = login_verified(client, stocked.prescriber)
    html = check(c, reverse("catalogue:article", args=[stocked.cushion.article_number])).content.decode()
    assert 'class="card card-wide"' in html
    start = f"{reverse('ordering:draft_new')}?article={stocked.cushion.article_number}"
    assert start in html.replace("&amp;", "&")
    check(c, start)  # the patient look-up, keeping the article
    r = c.get(start + f"&identity={stocked.patient.identity_number}")
    assert r.status_code == 302 and f"patient={stocked.patient.pk}" in r.url and "article=" in r.url
    check(c, r.url)
    r = c.post(r.url, {"patient": stocked.patient.pk, "article": stocked.cushion.article_number,
                       "unit": sorted(stocked.p.unit_ids)[0],
                       "delivery_to": "registered_address", "priority": "normal",
                       "contact_name": "Rita", "contact_phone": "070"})
    assert r.status_code == 302, r.content.decode()[:3000]
    order = Order.objects.get()
    assert [ln.article_id for ln in order.lines.all()] == [stocked.cushion.pk]
    h = login_verified(client, stocked.handler)
    assert "?article=" not in h.get(reverse("catalogue:article", args=[stocked.cushion.article_number])
                                    ).content.decode()


def test_supply_work_order_list_all_includes_accepted(svc, orders, client):
    _pickup, work = orders
    works.work_order_accept(svc.h, work.pk, planned_date=timezone.localdate() + dt.timedelta(days=1),
                            technician_id=svc.technician.pk)
    c = login_verified(client, svc.handler)
    for query in ({"status": ""}, {"status": "", "number": ""}, {"status": "accepted"}):
        assert work.number in c.get(reverse("supply:wo_list"), query).content.decode(), query
