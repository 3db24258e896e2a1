"""Fault reports: creation, complaint window, the state machine, supply handling, answer to
the reporter only when asked for, the label PDF."""
import datetime as dt
import itertools

import pytest
from django.utils import timezone

from core.errors import IllegalTransition, NotFound, ValidationFailed
from ordering.flows import fault as fr
from ordering.flows import fault as sfr
from ordering.models import FaultReportDetail, Message, Order, OrderEvent, OrderType
from ordering.tests.service_fixtures import *  # noqa: F401,F403
from ordering.transitions import MOVES, apply_transition

STATUSES = ["registered", "investigating", "answered", "closed"]
ALLOWED = {("registered", "investigating"), ("investigating", "answered"), ("answered", "closed")}
MATRIX = list(itertools.product(STATUSES, STATUSES))


def create(svc, principal=None, **kw):
    data = dict(kind="negative_event", concerns="device", description="Bromsen släppte i backe.",
                occurred_on=timezone.localdate(), patient_id=svc.patient.pk, device_serial=svc.device.serial,
                injury=False, remedy="replacement", return_method="technician", reply_to_reporter=True)
    data.update(kw)
    return fr.fault_report_create(principal or svc.p, fr.FaultReportInput(**data))


def test_table_is_exactly_the_design():
    assert set(MOVES[OrderType.FAULT]) == ALLOWED


@pytest.mark.parametrize("from_status,to_status", MATRIX, ids=[f"{a}->{b}" for a, b in MATRIX])
def test_every_move(world, from_status, to_status):
    order = Order.objects.create(number=f"T-{from_status[:12]}", order_type=OrderType.FAULT, kind="near_miss",
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


def test_create_registered(svc):
    order = create(svc)
    assert order.number.startswith("AV") and order.status == "registered"
    d = order.fault_detail
    assert (d.device, d.article, d.remedy, d.return_method, d.reply_to_reporter) == (
        svc.device, svc.chair, "replacement", "technician", True)


@pytest.mark.parametrize("kind", ["negative_event", "near_miss", "complaint"])
def test_every_kind(svc, kind):
    assert create(svc, kind=kind).kind == kind


def test_about_an_article_and_about_a_service(svc):
    from ordering.flows import work as wo

    assert create(svc, concerns="article", device_serial="", article_number=svc.part.article_number)\
        .fault_detail.article == svc.part
    work = wo.work_order_create(svc.p, wo.WorkOrderInput(patient_id=svc.patient.pk, kind="consultation",
                                                         description="Hjälp"), submit=True)
    assert create(svc, concerns="service", device_serial="", related_order_id=work.pk)\
        .fault_detail.related_order == work


@pytest.mark.parametrize("kw,field", [
    ({"kind": "x"}, "kind"),
    ({"concerns": "x"}, "concerns"),
    ({"description": ""}, "description"),
    ({"occurred_on": "2099-01-01"}, "occurred_on"),
    ({"occurred_on": ""}, "occurred_on"),
    ({"device_serial": "NOPE"}, "device_serial"),
    ({"concerns": "article", "article_number": ""}, "article_number"),
    ({"concerns": "service", "related_order_id": None}, "related_order_id"),
    ({"remedy": "money"}, "remedy"),
])
def test_bad_input_writes_nothing(svc, kw, field):
    with pytest.raises(ValidationFailed) as exc:
        create(svc, **kw)
    assert field in exc.value.errors
    assert not FaultReportDetail.objects.exists() and not Order.objects.filter(order_type="fault").exists()


def test_complaint_window_rented_three_months(svc):
    old = svc.deliver(svc.chair, svc.patient, on=timezone.localdate() - dt.timedelta(days=100))
    with pytest.raises(ValidationFailed) as exc:
        create(svc, kind="complaint", device_serial=old.serial)
    assert "Reklamationstiden har gått ut" in exc.value.message and "3 månader" in exc.value.message
    # a near-miss is not a complaint: no window
    assert create(svc, kind="near_miss", device_serial=old.serial).status == "registered"


def test_complaint_window_purchased_twelve_months(svc):
    ok = svc.deliver(svc.walker, svc.patient, on=timezone.localdate() - dt.timedelta(days=200))
    assert create(svc, kind="complaint", device_serial=ok.serial).status == "registered"
    old = svc.deliver(svc.walker, svc.patient, on=timezone.localdate() - dt.timedelta(days=400))
    with pytest.raises(ValidationFailed) as exc:
        create(svc, kind="complaint", device_serial=old.serial)
    assert "12 månader" in exc.value.message


def test_complaint_about_article_needs_the_delivery(svc):
    with pytest.raises(ValidationFailed):
        create(svc, kind="complaint", concerns="article", device_serial="", article_number=svc.part.article_number)


def test_device_of_other_customer_refused(svc):
    with pytest.raises(ValidationFailed):
        create(svc, principal=svc.o, patient_id=None)


def test_supply_flow_with_reply(svc):
    order = create(svc)
    sfr.fault_investigate(svc.h, order.pk)
    sfr.fault_record_reports(svc.h, order.pk, manufacturer_on=timezone.localdate(),
                             authority_on=timezone.localdate())
    with pytest.raises(ValidationFailed):
        sfr.fault_answer(svc.h, order.pk, answer="")
    sfr.fault_answer(svc.h, order.pk, answer="Bromsen är bytt hos tillverkaren.")
    order.refresh_from_db()
    assert order.status == "answered"
    assert order.fault_detail.reported_to_authority_on == timezone.localdate()
    msg = Message.objects.get(order=order)
    assert msg.kind == "answer" and "Bromsen är bytt" in msg.text and msg.recipient == svc.prescriber
    sfr.fault_close(svc.h, order.pk)
    order.refresh_from_db()
    assert order.status == "closed"
    with pytest.raises(IllegalTransition):
        sfr.fault_record_reports(svc.h, order.pk, manufacturer_on=timezone.localdate())


def test_no_message_without_reply_flag(svc):
    order = create(svc, reply_to_reporter=False)
    sfr.fault_investigate(svc.h, order.pk)
    sfr.fault_answer(svc.h, order.pk, answer="Utrett.")
    assert not Message.objects.filter(order=order).exists()


def test_answer_before_investigation_refused(svc):
    order = create(svc)
    with pytest.raises(IllegalTransition):
        sfr.fault_answer(svc.h, order.pk, answer="x")


def test_customer_cannot_handle(svc):
    order = create(svc)
    with pytest.raises(Exception) as exc:
        sfr.fault_investigate(svc.p, order.pk)
    assert exc.value.status in (403, 404)


def test_label_pdf(svc):
    from ordering.documents import render_fault_label

    order = create(svc)
    assert render_fault_label(order).startswith(b"%PDF")


def test_other_customer_404(svc):
    from ordering.kind_selectors import service_order_get

    order = create(svc)
    with pytest.raises(NotFound):
        service_order_get(svc.o, order.pk, "fault")
