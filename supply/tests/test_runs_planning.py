"""Planning runs: each rule of run_create / run_stop_add / move / sort / remove, with the
Swedish message, and nothing written when refused."""
import datetime as dt

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from core.errors import Conflict, NotFound, ValidationFailed
from ordering.flows import work as wo
from ordering.models import Order
from supply.models import Run, RunStop
from supply.runs import services as rs
from supply.tests.runs_fixtures import *  # noqa: F401,F403
from supply.tests.runs_fixtures import make_delivery_order

TODAY = timezone.localdate


def _run(s, **kw):
    return rs.run_create(s.h, date=kw.pop("date", TODAY()), driver_id=kw.pop("driver_id", s.driver.pk),
                         vehicle=kw.pop("vehicle", "Bil 3"), **kw)


def test_create_run_is_audited(runs):
    run = _run(runs)
    assert run.status == "planned" and run.driver == runs.driver and run.vehicle == "Bil 3"
    assert AuditEvent.objects.filter(action="run.created").count() == 1


def test_create_refuses_a_past_date(runs):
    with pytest.raises(ValidationFailed) as exc:
        _run(runs, date=TODAY() - dt.timedelta(days=1))
    assert exc.value.errors["date"] == ["En körning kan inte planeras bakåt i tiden."]
    assert not Run.objects.exists()


def test_create_refuses_more_than_a_year_ahead(runs):
    with pytest.raises(ValidationFailed) as exc:
        _run(runs, date=TODAY() + dt.timedelta(days=400))
    assert "högst ett år" in exc.value.errors["date"][0]


def test_create_refuses_a_user_without_driver_runs(runs):
    with pytest.raises(ValidationFailed) as exc:
        _run(runs, driver_id=runs.prescriber.pk)
    assert "behörighet för körningar" in exc.value.errors["driver_id"][0]
    with pytest.raises(ValidationFailed):
        _run(runs, driver_id="abc")


def test_create_refuses_a_long_vehicle_and_reports_every_field(runs):
    with pytest.raises(ValidationFailed) as exc:
        _run(runs, vehicle="x" * 41, date="", driver_id=None)
    assert set(exc.value.errors) == {"vehicle", "date", "driver_id"}


def test_only_a_handler_plans(runs):
    from core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        rs.run_create(runs.d, date=TODAY(), driver_id=runs.driver.pk)


def test_add_delivery_and_pickup(runs):
    run = _run(runs, date=TODAY() + dt.timedelta(days=1))
    a = rs.run_stop_add(runs.h, run.pk, order_id=runs.delivery.pk)
    b = rs.run_stop_add(runs.h, run.pk, order_id=runs.pickup.pk)
    assert (a.kind, a.position, b.kind, b.position) == ("delivery", 1, "pickup", 2)
    runs.pickup.refresh_from_db()
    assert runs.pickup.status == "planned" and runs.pickup.planned_date == run.date  # planned for the run's day
    assert AuditEvent.objects.filter(action="run.stop_added").count() == 2


def test_add_refuses_an_order_on_another_open_run(runs):
    first, second = _run(runs), _run(runs)
    rs.run_stop_add(runs.h, first.pk, order_id=runs.delivery.pk)
    with pytest.raises(Conflict) as exc:
        rs.run_stop_add(runs.h2, second.pk, order_id=runs.delivery.pk)
    assert f"Order {runs.delivery.number} finns redan på körning {first.pk}" in exc.value.message
    with pytest.raises(Conflict) as exc:
        rs.run_stop_add(runs.h, first.pk, order_id=runs.delivery.pk)
    assert "den här körningen" in exc.value.message
    assert RunStop.objects.count() == 1


def test_add_refuses_an_order_not_ready(runs):
    submitted = make_delivery_order(runs, confirm=False)
    run = _run(runs)
    with pytest.raises(ValidationFailed) as exc:
        rs.run_stop_add(runs.h, run.pk, order_id=submitted.pk)
    assert "måste vara bekräftad eller skickad" in exc.value.errors["order_id"][0]
    with pytest.raises(ValidationFailed) as exc:
        rs.run_stop_add(runs.h, run.pk, order_id=999999)
    assert exc.value.errors["order_id"] == ["Ordern finns inte."]
    assert not RunStop.objects.exists()


def _accepted_visit(s, technician):
    order = wo.work_order_create(s.p, wo.WorkOrderInput(patient_id=s.patient.pk, kind="repair_patient",
                                                        description="Trasig broms", device_serial=s.walker_device.serial),
                                 submit=True)
    wo.work_order_accept(s.h, order.pk, planned_date=TODAY(), technician_id=technician.pk)
    return Order.objects.get(pk=order.pk)


def test_visit_stop_only_for_the_work_orders_technician(runs):
    order = _accepted_visit(runs, runs.technician)
    own = _run(runs, driver_id=runs.technician.pk)
    stop = rs.run_stop_add(runs.h, own.pk, order_id=order.pk)
    assert stop.kind == "visit"
    rs.run_stop_remove(runs.h, stop.pk)
    other = _run(runs)
    with pytest.raises(ValidationFailed) as exc:
        rs.run_stop_add(runs.h, other.pk, order_id=order.pk)
    assert "annan tekniker" in exc.value.errors["order_id"][0]


def test_move_up_and_down_and_edges(runs):
    run = _run(runs)
    a = rs.run_stop_add(runs.h, run.pk, order_id=runs.delivery.pk)
    b = rs.run_stop_add(runs.h, run.pk, order_id=runs.pickup.pk)
    rs.run_stop_move(runs.h, b.pk, direction="up")
    assert list(run.stops.values_list("pk", flat=True)) == [b.pk, a.pk]
    with pytest.raises(ValidationFailed) as exc:
        rs.run_stop_move(runs.h, b.pk, direction="up")
    assert exc.value.errors["direction"] == ["Stoppet är redan först."]
    with pytest.raises(ValidationFailed):
        rs.run_stop_move(runs.h, a.pk, direction="down")
    with pytest.raises(ValidationFailed):
        rs.run_stop_move(runs.h, a.pk, direction="sideways")
    with pytest.raises(NotFound):
        rs.run_stop_move(runs.h, 999999, direction="up")


def test_sort_by_postcode(runs):
    run = _run(runs)
    north = make_delivery_order(runs, postal_code="981 31")
    south = make_delivery_order(runs, postal_code="211 20")
    for order in (north, runs.delivery, south):
        rs.run_stop_add(runs.h, run.pk, order_id=order.pk)
    rs.run_sort_by_postcode(runs.h, run.pk)
    codes = [s.order.delivery_postal_code for s in run.stops.select_related("order")]
    assert codes == sorted(codes, key=rs.postcode_key)
    assert codes == ["12346", "211 20", "981 31"]
    assert AuditEvent.objects.filter(action="run.sorted_by_postcode").count() == 1


def test_remove_renumbers(runs):
    run = _run(runs)
    a = rs.run_stop_add(runs.h, run.pk, order_id=runs.delivery.pk)
    b = rs.run_stop_add(runs.h, run.pk, order_id=runs.pickup.pk)
    rs.run_stop_remove(runs.h, a.pk)
    b.refresh_from_db()
    assert b.position == 1 and run.stops.count() == 1
    # the order is free again for another run
    other = _run(runs)
    assert rs.run_stop_add(runs.h, other.pk, order_id=runs.delivery.pk).run_id == other.pk


def test_a_done_run_cannot_change(runs):
    run = _run(runs)
    Run.objects.filter(pk=run.pk).update(status="done")
    with pytest.raises(Conflict) as exc:
        rs.run_stop_add(runs.h, run.pk, order_id=runs.delivery.pk)
    assert exc.value.message == "Körningen är klar och kan inte ändras."
