"""Work orders: creation (customer side), the state machine (every move), supply handling,
messages, parts through the ledger, attachments, scheduled inspections."""
import datetime as dt
import itertools

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from audit.models import AuditEvent
from core.errors import Conflict, IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from ordering.flows import core as service_common
from ordering.flows import work as swo
from ordering.flows import work as wo
from ordering.models import Message, Order, OrderAttachment, OrderEvent, OrderType, WorkOrderDetail, WorkOrderPart
from ordering.tests.service_fixtures import *  # noqa: F401,F403
from ordering.transitions import MOVES, apply_transition
from stock.models import StockLevel, StockMovement

TOMORROW = lambda: timezone.localdate() + dt.timedelta(days=1)  # noqa: E731


def create(svc, submit=True, **kw):
    data = wo.WorkOrderInput(patient_id=svc.patient.pk, kind=kw.pop("kind", "repair_patient"),
                             description=kw.pop("description", "Bromsen tar inte."),
                             device_serial=kw.pop("device_serial", svc.device.serial), **kw)
    return wo.work_order_create(svc.p, data, submit=submit)


# --------------------------------------------------------------------------- state machine

STATUSES = ["draft", "submitted", "accepted", "in_progress", "completed", "cancelled"]
ALLOWED = {("draft", "submitted"), ("submitted", "accepted"), ("accepted", "in_progress"),
           ("in_progress", "completed"), ("submitted", "cancelled"), ("accepted", "cancelled")}
MATRIX = list(itertools.product(STATUSES, STATUSES))


def test_table_is_exactly_the_design():
    assert set(MOVES[OrderType.WORK]) == ALLOWED


@pytest.mark.parametrize("from_status,to_status", MATRIX, ids=[f"{a}->{b}" for a, b in MATRIX])
def test_every_move(world, from_status, to_status):
    order = Order.objects.create(number=f"T-{from_status[:12]}", order_type=OrderType.WORK, kind="repair_patient",
                                 status=from_status, customer=world["region"])
    events = OrderEvent.objects.count()
    if (from_status, to_status) in ALLOWED:
        apply_transition(order, to_status, None)
        order.refresh_from_db()
        assert order.status == to_status
        assert OrderEvent.objects.count() == events + 1
    else:
        with pytest.raises(IllegalTransition):
            apply_transition(order, to_status, None)
        order.refresh_from_db()
        assert order.status == from_status
        assert OrderEvent.objects.count() == events


# --------------------------------------------------------------------------- customer side


def test_create_draft_then_submit_idempotent(svc):
    order = create(svc, submit=False)
    assert order.number.startswith("AO") and order.status == "draft"
    assert order.work_detail.device == svc.device
    assert order.customer == svc.world["region"] and order.patient == svc.patient
    wo.work_order_submit(svc.p, order.pk)
    wo.work_order_submit(svc.p, order.pk)  # double click: no second event
    order.refresh_from_db()
    assert order.status == "submitted"
    assert order.events.filter(to_status="submitted").count() == 1


@pytest.mark.parametrize("kind", ["repair_patient", "repair_centre", "adaptation", "special_adaptation", "mounting",
                                  "installation", "consultation"])
def test_every_customer_kind(svc, kind):
    order = create(svc, kind=kind, device_serial="")
    assert order.kind == kind and order.status == "submitted"


@pytest.mark.parametrize("field,kw", [
    ("kind", {"kind": "inspection"}),
    ("kind", {"kind": "teleport"}),
    ("description", {"description": "  "}),
    ("device_serial", {"device_serial": "NOPE-1"}),
    ("requested_date", {"requested_date": "2001-01-01"}),
    ("requested_date", {"requested_date": "igår"}),
    ("order_line_id", {"order_line_id": 999999}),
])
def test_bad_input_writes_nothing(svc, field, kw):
    before = (Order.objects.count(), WorkOrderDetail.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationFailed) as exc:
        create(svc, **kw)
    assert field in exc.value.errors
    assert (Order.objects.count(), WorkOrderDetail.objects.count(), AuditEvent.objects.count()) == before


def test_device_of_another_patient_is_refused(svc):
    from ordering.tests import factories as of

    other_patient = of.patient(svc.world["region"])
    dev = svc.deliver(svc.chair, other_patient)
    with pytest.raises(ValidationFailed):
        create(svc, device_serial=dev.serial)


def test_other_customer_cannot_see_or_submit(svc):
    order = create(svc, submit=False)
    with pytest.raises(NotFound):
        wo.work_order_submit(svc.o, order.pk)
    with pytest.raises(NotFound):
        wo.work_order_create(svc.o, wo.WorkOrderInput(patient_id=svc.patient.pk, kind="repair_patient",
                                                      description="x"))


# --------------------------------------------------------------------------- supply side


def test_accept_start_complete_with_parts_and_message(svc):
    order = create(svc)
    swo.work_order_accept(svc.h, order.pk, planned_date=TOMORROW(), technician_id=svc.technician.pk)
    order.refresh_from_db()
    assert order.status == "accepted" and order.planned_date == TOMORROW()
    assert order.work_detail.technician == svc.technician
    swo.work_order_start(svc.t, order.pk)  # the assigned technician may start and complete
    level_before = StockLevel.objects.get(article=svc.part).on_hand
    swo.work_order_complete(svc.t, order.pk, report="Bytt däck.", hours="1,5",
                            parts=[(svc.part.article_number, 2)])
    order.refresh_from_db()
    assert order.status == "completed"
    assert str(order.work_detail.hours) == "1.50" and order.work_detail.report == "Bytt däck."
    assert WorkOrderPart.objects.get(order=order).quantity == 2
    assert StockLevel.objects.get(article=svc.part).on_hand == level_before - 2
    assert StockMovement.objects.filter(kind="issue", article=svc.part, ref=order.number).exists()
    msg = Message.objects.get(order=order)
    assert msg.recipient == svc.prescriber and msg.kind == "completed"


def test_accept_requires_a_technician(svc):
    order = create(svc)
    with pytest.raises(ValidationFailed) as exc:
        swo.work_order_accept(svc.h, order.pk, planned_date=TOMORROW(), technician_id=svc.handler.pk)
    assert "technician_id" in exc.value.errors
    order.refresh_from_db()
    assert order.status == "submitted"


def test_parts_short_in_stock_refuses_completion(svc):
    order = create(svc)
    swo.work_order_accept(svc.h, order.pk, planned_date=TOMORROW(), technician_id=svc.technician.pk)
    swo.work_order_start(svc.h, order.pk)
    with pytest.raises(Conflict):
        swo.work_order_complete(svc.h, order.pk, report="x", hours=1, parts=[(svc.part.article_number, 500)])
    order.refresh_from_db()
    assert order.status == "in_progress" and not WorkOrderPart.objects.exists()


def test_other_technician_cannot_start(svc, make_user):
    from access.principal import principal_for_user

    order = create(svc)
    swo.work_order_accept(svc.h, order.pk, planned_date=TOMORROW(), technician_id=svc.technician.pk)
    other = principal_for_user(make_user("technician"))
    with pytest.raises(PermissionDenied):
        swo.work_order_start(other, order.pk)


def test_cancel_with_reason_sends_message(svc):
    order = create(svc)
    with pytest.raises(ValidationFailed):
        swo.work_order_cancel(svc.h, order.pk, reason="")
    swo.work_order_cancel(svc.h, order.pk, reason="Hjälpmedlet är utgånget.")
    order.refresh_from_db()
    assert order.status == "cancelled" and order.closed_reason == "Hjälpmedlet är utgånget."
    msg = Message.objects.get(order=order, kind="cancelled")
    assert "En ny arbetsorder måste läggas" in msg.text


def test_customer_cannot_use_supply_moves(svc):
    order = create(svc)
    with pytest.raises((NotFound, PermissionDenied)):
        swo.work_order_accept(svc.p, order.pk, planned_date=TOMORROW(), technician_id=svc.technician.pk)


def test_supply_does_not_see_drafts(svc):
    order = create(svc, submit=False)
    with pytest.raises(NotFound):
        swo.work_order_cancel(svc.h, order.pk, reason="x")


# --------------------------------------------------------------------------- attachments


def test_attachment_stored(svc):
    order = create(svc)
    upload = SimpleUploadedFile("foto.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100, content_type="image/png")
    att = service_common.attachment_add(svc.p, order.pk, upload)
    assert att.size == 108 and att.content_type == "image/png"
    assert att.file.storage.exists(att.file.name)


@pytest.mark.parametrize("name,content", [
    ("virus.exe", b"MZ..."),
    ("fake.pdf", b"not a pdf"),
    ("empty.pdf", b""),
])
def test_bad_attachment_refused(svc, name, content):
    order = create(svc)
    with pytest.raises(ValidationFailed):
        service_common.attachment_add(svc.p, order.pk, SimpleUploadedFile(name, content))
    assert not OrderAttachment.objects.exists()


def test_attachment_size_limit(svc, settings):
    settings.LYFTA_ATTACHMENT_MAX_BYTES = 1000
    order = create(svc)
    with pytest.raises(ValidationFailed) as exc:
        service_common.attachment_add(svc.p, order.pk, SimpleUploadedFile("big.pdf", b"%PDF" + b"0" * 2000))
    assert "för stor" in exc.value.message
    assert not OrderAttachment.objects.exists()


# --------------------------------------------------------------------------- scheduled inspections


def test_inspection_orders_created_once_per_device(svc):
    from core import scheduler
    from supply.tasks import create_inspection_work_orders

    assert "supply.inspection_work_orders" in {j.name for j in scheduler.registered()}
    svc.device.next_inspection_date = timezone.localdate() - dt.timedelta(days=1)
    svc.device.save()
    created = swo.inspection_orders_create()
    assert len(created) == 1
    order = created[0]
    assert order.kind == "inspection" and order.status == "submitted" and order.patient == svc.patient
    assert order.work_detail.device == svc.device
    create_inspection_work_orders.enqueue()  # the daily task: idempotent, no second order
    assert swo.inspection_orders_create() == []
    assert Order.objects.filter(kind="inspection").count() == 1


def test_completed_inspection_moves_next_date(svc):
    svc.device.next_inspection_date = timezone.localdate()
    svc.device.save()
    (order,) = swo.inspection_orders_create()
    swo.work_order_accept(svc.h, order.pk, planned_date=TOMORROW(), technician_id=svc.technician.pk)
    swo.work_order_start(svc.h, order.pk)
    swo.work_order_complete(svc.h, order.pk, report="Besiktad utan anmärkning.", hours=1)
    svc.device.refresh_from_db()
    assert svc.device.next_inspection_date > timezone.localdate() + dt.timedelta(days=360)
    assert swo.inspection_orders_create() == []


def test_not_due_devices_get_no_order(svc):
    svc.device.next_inspection_date = timezone.localdate() + dt.timedelta(days=10)
    svc.device.save()
    assert swo.inspection_orders_create() == []


# --------------------------------------------------------------------------- a device on an open pickup

def _pickup(svc):
    from ordering.flows import pickup as pickups

    return pickups.pickup_create(svc.p, pickups.PickupInput(
        patient_id=svc.patient.pk, lines=[pickups.PickupLineInput(svc.device.serial, "not_needed")]))


def test_no_work_order_for_a_device_being_picked_up(svc):
    pickup = _pickup(svc)
    before = Order.objects.filter(order_type=OrderType.WORK).count()
    with pytest.raises(Conflict) as exc:
        create(svc)
    assert exc.value.code == "device_on_pickup" and pickup.number in exc.value.message
    assert Order.objects.filter(order_type=OrderType.WORK).count() == before


def test_a_draft_made_before_the_pickup_cannot_be_submitted_after_it(svc):
    draft = create(svc, submit=False)
    _pickup(svc)
    with pytest.raises(Conflict):
        wo.work_order_submit(svc.p, draft.pk)
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_api_answers_a_problem_document_for_a_device_being_picked_up(svc, api):
    _pickup(svc)
    from ordering.models import Order as O

    response = api.region.post("/api/v1/work-orders", {
        "patient_id": svc.patient.pk, "kind": "repair_patient", "description": "Trasig", "device_serial": svc.device.serial,
        "orderer_username": api.orderers["region"].username, "unit_id": svc.world["region_unit"].pk},
        content_type="application/json")
    assert response.status_code == 409 and response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "device_on_pickup"
    assert not O.objects.filter(order_type=OrderType.WORK).exists()
