"""Device history (individkort): loans, orders, work orders, pickups, fault reports and
movements; the device-card section; the reuse rate on the dashboard."""
import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import PatientAccess
from conftest import login_verified
from ordering.flows import fault as fr
from ordering.flows import pickup as pickups
from ordering.flows import pickup as sp
from ordering.flows import work as wo
from ordering.tests.service_fixtures import *  # noqa: F401,F403
from supply import dashboard, refurbishment
from supply.selectors import device_history, device_orders


def _history(svc):
    w = wo.work_order_create(svc.p, wo.WorkOrderInput(patient_id=svc.patient.pk, kind="adaptation",
                                                      description="Höj sitsen", device_serial=svc.device.serial),
                             submit=True)
    f = fr.fault_report_create(svc.p, fr.FaultReportInput(kind="near_miss", concerns="device", description="x",
                                                          occurred_on=timezone.localdate(),
                                                          device_serial=svc.device.serial))
    p = pickups.pickup_create(svc.p, pickups.PickupInput(patient_id=svc.patient.pk, lines=[
        pickups.PickupLineInput(svc.device.serial, "replaced")]))
    return w, f, p


def test_device_history_has_everything(svc):
    w, f, p = _history(svc)
    sp.pickup_plan(svc.h, p.pk, planned_date=timezone.localdate())
    sp.pickup_picked_up(svc.h, p.pk)
    h = device_history(svc.device, principal=svc.h, view="device_card")
    kinds = {i.kind for i in h.items}
    assert {"loan", "work_order", "pickup", "fault_report", "movement"} <= kinds
    assert {o.number for o in h.work_orders + h.pickups + h.fault_reports} == {w.number, p.number, f.number}
    assert PatientAccess.objects.filter(patient_id=svc.patient.pk, view="device_card").count() == 1


def test_device_orders_one_query(svc):
    _history(svc)
    with CaptureQueriesContext(connection) as q:
        items = device_orders(svc.device)
    assert len(items) == 3 and len(q) == 1


def test_device_card_section(svc, client):
    w, f, p = _history(svc)
    c = login_verified(client, svc.handler)
    html = c.get(reverse("stock:device", args=[svc.device.serial])).content.decode()
    for o in (w, f, p):
        assert o.number in html


def test_reuse_rate_counts_refurbished_deliveries(svc):
    before = dashboard.reuse_rate()
    p = pickups.pickup_create(svc.p, pickups.PickupInput(patient_id=svc.patient.pk, lines=[
        pickups.PickupLineInput(svc.device.serial, "replaced")]))
    sp.pickup_plan(svc.h, p.pk, planned_date=timezone.localdate())
    sp.pickup_picked_up(svc.h, p.pk)
    sp.pickup_receive(svc.h, p.pk)
    refurbishment.device_refurbished(svc.h, svc.device.serial)
    from ordering.tests import factories as of

    svc.deliver(svc.chair, of.patient(svc.world["region"]), condition="refurbished")
    after = dashboard.reuse_rate()
    assert (after.refurbished, after.new) == (before.refurbished + 1, before.new)
    assert after.percent == round(100 * after.refurbished / after.total, 1)
    assert dashboard.reuse_rate(since=timezone.localdate() + dt.timedelta(days=1)).total == 0
