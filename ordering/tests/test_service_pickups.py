"""Pickup orders and return receipts: creation, the state machine, supply handling, the
rent-end rule, devices leaving the patient view, refurbishment and reuse."""
import datetime as dt
import itertools

import pytest
from django.utils import timezone

from core.calendar import add_weekdays
from core.errors import Conflict, IllegalTransition, NotFound, ValidationFailed
from ordering.flows import pickup as pickups
from ordering.flows import pickup as sp
from ordering.models import Message, Order, OrderEvent, OrderType, PickupLine, ReturnReceipt
from ordering.tests.service_fixtures import *  # noqa: F401,F403
from ordering.transitions import MOVES, apply_transition
from stock.models import Device, Loan
from supply import refurbishment

STATUSES = ["submitted", "planned", "partly_picked_up", "picked_up", "received", "cancelled"]
ALLOWED = {("submitted", "planned"), ("planned", "picked_up"), ("picked_up", "received"),
           ("submitted", "cancelled"), ("planned", "cancelled"),
           # a partial pickup at the door (docs/runs.md): the rest is planned again or given up
           ("planned", "partly_picked_up"), ("partly_picked_up", "planned"), ("partly_picked_up", "cancelled")}
MATRIX = list(itertools.product(STATUSES, STATUSES))


def create(svc, serials=None, reason="not_needed", **kw):
    lines = [pickups.PickupLineInput(s, reason) for s in (serials or [svc.device.serial])]
    return pickups.pickup_create(svc.p, pickups.PickupInput(patient_id=svc.patient.pk, lines=lines, **kw))


def test_table_is_exactly_the_design():
    assert set(MOVES[OrderType.PICKUP]) == ALLOWED


@pytest.mark.parametrize("from_status,to_status", MATRIX, ids=[f"{a}->{b}" for a, b in MATRIX])
def test_every_move(world, from_status, to_status):
    order = Order.objects.create(number=f"T-{from_status[:12]}", order_type=OrderType.PICKUP, kind="pickup",
                                 status=from_status, customer=world["region"])
    events = OrderEvent.objects.count()
    if (from_status, to_status) in ALLOWED:
        apply_transition(order, to_status, None)
        order.refresh_from_db()
        assert order.status == to_status and OrderEvent.objects.count() == events + 1
    else:
        with pytest.raises(IllegalTransition):
            apply_transition(order, to_status, None)
        order.refresh_from_db()
        assert order.status == from_status and OrderEvent.objects.count() == events


def test_create_is_submitted_with_reasons(svc):
    order = create(svc, serials=[svc.device.serial, svc.walker_device.serial], reason="deceased",
                   requested_date=timezone.localdate() + dt.timedelta(days=3))
    assert order.number.startswith("HO") and order.status == "submitted" and order.submitted_at
    assert sorted(order.pickup_lines.values_list("reason", flat=True)) == ["deceased", "deceased"]


@pytest.mark.parametrize("kw,field", [
    ({"serials": ["NOPE"]}, "lines.0.device_serial"),
    ({"reason": "bored"}, "lines.0.reason"),
    ({"requested_date": "2000-01-01"}, "requested_date"),
])
def test_bad_input_writes_nothing(svc, kw, field):
    with pytest.raises(ValidationFailed) as exc:
        create(svc, **kw)
    assert field in exc.value.errors
    assert not Order.objects.filter(order_type="pickup").exists() and not PickupLine.objects.exists()


def test_no_lines_refused(svc):
    with pytest.raises(ValidationFailed):
        pickups.pickup_create(svc.p, pickups.PickupInput(patient_id=svc.patient.pk, lines=[]))


def test_second_open_pickup_for_same_device_refused(svc):
    create(svc)
    with pytest.raises(Conflict):
        create(svc)


def test_other_customer_gets_404(svc):
    with pytest.raises(NotFound):
        pickups.pickup_create(svc.o, pickups.PickupInput(
            patient_id=svc.patient.pk, lines=[pickups.PickupLineInput(svc.device.serial, "not_needed")]))


@pytest.mark.parametrize("days_after_submit,expected_rule", [(1, "pickup"), (10, "rule")])
def test_rent_end_rule(days_after_submit, expected_rule):
    submitted = dt.date(2026, 3, 2)  # a Monday
    picked = submitted + dt.timedelta(days=days_after_submit)
    end = pickups.rent_end_date(submitted_on=submitted, picked_up_on=picked, started_on=dt.date(2026, 1, 1))
    assert end == (picked if expected_rule == "pickup" else add_weekdays(submitted, 3))
    assert pickups.rent_end_date(submitted_on=submitted, picked_up_on=picked, started_on=picked) == picked


def test_rent_end_rule_is_configurable(settings):
    settings.LYFTA_PICKUP_RENT_END_WEEKDAYS = 5
    submitted = dt.date(2026, 3, 2)
    assert pickups.rent_end_date(submitted_on=submitted, picked_up_on=dt.date(2026, 4, 1),
                                 started_on=dt.date(2026, 1, 1)) == add_weekdays(submitted, 5)


def test_full_flow_to_refurbished_and_reused(svc):
    order = create(svc)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    sp.pickup_plan(svc.h, order.pk, planned_date=tomorrow)
    order.refresh_from_db()
    assert order.status == "planned" and order.planned_date == tomorrow
    sp.pickup_picked_up(svc.h, order.pk)
    loan = Loan.objects.get(device=svc.device)
    assert loan.ended_on == timezone.localdate()  # picked up earlier than the 3-weekday rule
    svc.device.refresh_from_db()
    assert svc.device.status == "in_transit" and svc.device.holder_patient is None
    assert not Loan.objects.filter(patient=svc.patient, device=svc.device, ended_on__isnull=True).exists()
    sp.pickup_receive(svc.h, order.pk)
    svc.device.refresh_from_db()
    assert svc.device.status == "awaiting_refurbishment" and svc.device.location.kind == "refurbishment"
    refurbishment.device_refurbished(svc.h, svc.device.serial)
    svc.device.refresh_from_db()
    assert (svc.device.status, svc.device.condition, svc.device.location.kind) == ("in_stock", "refurbished",
                                                                                   "central")
    assert svc.device.available_since is not None
    from catalogue.models import ArticleAvailability
    assert ArticleAvailability.objects.get(article=svc.chair).qty_refurbished == 1
    # The refurbished device is allocated first to another patient's order (reuse).
    from stock import services as stock_services
    alloc = stock_services.allocate(article=svc.chair, quantity=1, ref="KO-next:1")
    assert alloc.devices[0] == svc.device


def test_scrap_after_inspection_needs_reason(svc):
    order = create(svc)
    sp.pickup_plan(svc.h, order.pk, planned_date=timezone.localdate())
    sp.pickup_picked_up(svc.h, order.pk)
    sp.pickup_receive(svc.h, order.pk)
    with pytest.raises(ValidationFailed):
        refurbishment.device_scrapped(svc.h, svc.device.serial, reason=" ")
    refurbishment.device_scrapped(svc.h, svc.device.serial, reason="Sprucken ram")
    svc.device.refresh_from_db()
    assert svc.device.status == "scrapped" and svc.device.scrapped_reason == "Sprucken ram"


def test_refurbish_refused_for_device_on_loan(svc):
    with pytest.raises(Conflict):
        refurbishment.device_refurbished(svc.h, svc.device.serial)


def test_cancel_sends_message(svc):
    order = create(svc)
    sp.pickup_cancel(svc.h, order.pk, reason="Patienten vill behålla rullstolen.")
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert "En ny hämtorder måste läggas" in Message.objects.get(order=order).text
    assert Loan.objects.get(device=svc.device).ended_on is None


def test_pick_up_before_planning_refused(svc):
    order = create(svc)
    with pytest.raises(IllegalTransition):
        sp.pickup_picked_up(svc.h, order.pk)
    assert Loan.objects.get(device=svc.device).ended_on is None


# --------------------------------------------------------------------------- return receipt


def test_return_receipt_ends_loans_and_gives_pdf(svc):
    from ordering.documents import render_return_receipt

    receipt = pickups.return_receipt_create(svc.p, svc.patient.pk, [svc.walker_device.serial])
    assert receipt.number.startswith("RK")
    loan = Loan.objects.get(device=svc.walker_device)
    assert loan.ended_on == timezone.localdate()
    svc.walker_device.refresh_from_db()
    assert svc.walker_device.status == "in_transit"
    assert Loan.objects.get(device=svc.device).ended_on is None  # the other device stays
    pdf = render_return_receipt(pickups.return_receipt_for(svc.p, receipt.pk), svc.p)
    assert pdf.startswith(b"%PDF")
    refurbishment.device_receive(svc.h, svc.walker_device.serial)
    svc.walker_device.refresh_from_db()
    assert svc.walker_device.status == "awaiting_refurbishment"


def test_return_receipt_bad_device_writes_nothing(svc):
    with pytest.raises(ValidationFailed):
        pickups.return_receipt_create(svc.p, svc.patient.pk, [svc.device.serial, "NOPE"])
    assert not ReturnReceipt.objects.exists()
    assert Loan.objects.get(device=svc.device).ended_on is None


def test_return_receipt_of_other_customer_is_404(svc):
    receipt = pickups.return_receipt_create(svc.p, svc.patient.pk, [svc.walker_device.serial])
    with pytest.raises(NotFound):
        pickups.return_receipt_for(svc.o, receipt.pk)
    with pytest.raises(NotFound):
        pickups.return_receipt_create(svc.o, svc.patient.pk, [svc.device.serial])


def test_device_on_open_pickup_cannot_be_handed_back(svc):
    """Issue 10: a return receipt for a device on an open pickup order is refused (the pickup
    would stay open); after the pickup is cancelled it can be handed back."""
    from core.errors import Conflict

    order = create(svc, serials=[svc.device.serial, svc.walker_device.serial])
    with pytest.raises(Conflict) as exc:
        pickups.return_receipt_create(svc.p, svc.patient.pk, [svc.walker_device.serial])
    assert order.number in exc.value.message and "hämtorder" in exc.value.message
    assert Loan.objects.filter(device=svc.walker_device, ended_on__isnull=True).count() == 1
    sp.pickup_plan(svc.h, order.pk, planned_date=timezone.localdate())
    sp.pickup_picked_up(svc.h, order.pk)
    assert Loan.objects.filter(device=svc.device, ended_on__isnull=False).count() == 1
    assert Device.objects.get(pk=svc.walker_device.pk).status == "in_transit"


def test_search_by_pickup_date_after_pickup(svc):
    from ordering.kind_selectors import ServiceFilter, service_order_search

    order = create(svc)
    sp.pickup_plan(svc.h, order.pk, planned_date=timezone.localdate() + dt.timedelta(days=5))
    sp.pickup_picked_up(svc.h, order.pk)
    today = timezone.localdate()
    found = service_order_search(svc.p, "pickup", ServiceFilter(planned_from=today, planned_to=today))
    assert [o.pk for o in found] == [order.pk]
    assert service_order_search(svc.p, "pickup", ServiceFilter(planned_from=today + dt.timedelta(days=1))) == []
