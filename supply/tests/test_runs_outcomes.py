"""The driver at the door: delivered with a signature (the delivery note shows it, the
prescriber is told), picked up (the return receipt carries the signature), nobody home (the
failed-delivery fee once, the prescriber's message), and the signature checks."""
import base64
import datetime as dt

import pytest
from django.utils import timezone

from core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ordering.delivery_note import delivery_note_content
from ordering.models import Delivery, Message, OrderEvent, ReturnReceipt
from stock.models import Loan
from supply.models import Run, RunStop
from supply.runs import outcomes
from supply.runs import services as rs
from supply.runs.signature import clean_signature
from supply.tests.runs_fixtures import *  # noqa: F401,F403
from supply.tests.runs_fixtures import signature_url


@pytest.fixture
def planned(runs):
    s = runs
    s.run = rs.run_create(s.h, date=timezone.localdate(), driver_id=s.driver.pk, vehicle="Bil 1")
    s.stop1 = rs.run_stop_add(s.h, s.run.pk, order_id=s.delivery.pk)
    s.stop2 = rs.run_stop_add(s.h, s.run.pk, order_id=s.pickup.pk)
    return s


def test_deliver_with_signature(planned):
    s = planned
    stop = outcomes.run_stop_complete(s.d, s.stop1.pk, receiver_name="Anna Andersson", signature=signature_url())
    assert stop.outcome == "delivered" and stop.recorded_by == s.driver
    s.delivery.refresh_from_db()
    assert s.delivery.status == "delivered"
    delivery = Delivery.objects.get(order=s.delivery)
    assert bytes(delivery.signature_png).startswith(b"\x89PNG") and delivery.receiver_name == "Anna Andersson"
    assert delivery_note_content(delivery, s.h)["signature"] is not None
    assert Message.objects.filter(order=s.delivery, kind="delivered", recipient=s.prescriber).exists()
    assert Loan.objects.filter(patient=s.patient, ended_on__isnull=True).count() == 3  # the new chair on loan
    run = Run.objects.get(pk=s.run.pk)
    assert run.status == "started"


def test_nobody_home_books_the_fee_once_and_tells_the_prescriber(planned):
    s = planned
    outcomes.run_stop_nobody_home(s.d, s.stop1.pk, note="Ringde på två gånger")
    with pytest.raises(Conflict):
        outcomes.run_stop_nobody_home(s.d, s.stop1.pk)
    events = OrderEvent.objects.filter(order=s.delivery, data__failed_delivery=True)
    assert events.count() == 1
    s.delivery.refresh_from_db()
    assert s.delivery.status in ("confirmed", "dispatched")  # still open, to go on a new run
    msg = Message.objects.get(order=s.delivery, kind="failed_delivery")
    assert msg.recipient == s.prescriber and "bomkörning" in msg.text
    # the order is free for another run
    other = rs.run_create(s.h, date=timezone.localdate(), driver_id=s.driver.pk)
    assert rs.run_stop_add(s.h, other.pk, order_id=s.delivery.pk).kind == "delivery"


def test_the_invoice_basis_bills_the_failed_delivery_once(planned):
    from invoicing.charges import fee_charges

    class Terms:
        def on(self, day):
            return type("T", (), {"failed_delivery_fee": 30000, "urgent_delivery_fee": 0})()

    outcomes.run_stop_nobody_home(planned.d, planned.stop1.pk)
    today = timezone.localdate()
    charges = [c for c in fee_charges(today.replace(day=1), Terms()) if c.rule == "failed_delivery_fee"]
    assert len(charges) == 1 and charges[0].unit_price_ore == 30000


def test_pickup_with_signature_makes_a_signed_return_receipt(planned):
    s = planned
    outcomes.run_stop_complete(s.d, s.stop2.pk, receiver_name="Anna Andersson", signature=signature_url(),
                               collected_serials=[s.device.serial])
    s.pickup.refresh_from_db()
    assert s.pickup.status == "picked_up"
    receipt = ReturnReceipt.objects.get(pickup_order=s.pickup)
    assert receipt.signed_by_name == "Anna Andersson" and bytes(receipt.signature_png).startswith(b"\x89PNG")
    assert [ln.device_id for ln in receipt.lines.all()] == [s.device.pk]


def test_pickup_must_collect_every_device(planned):
    s = planned
    with pytest.raises(ValidationFailed) as exc:
        outcomes.run_stop_complete(s.d, s.stop2.pk, receiver_name="A", signature=signature_url(), collected_serials=[])
    assert "minst ett hjälpmedel" in exc.value.errors["collected"][0]
    assert RunStop.objects.get(pk=s.stop2.pk).outcome == ""


def test_last_stop_finishes_the_run(planned):
    s = planned
    outcomes.run_stop_complete(s.d, s.stop1.pk, receiver_name="A", signature=signature_url())
    outcomes.run_stop_nobody_home(s.d, s.stop2.pk)
    assert Run.objects.get(pk=s.run.pk).status == "done"
    assert OrderEvent.objects.filter(order=s.pickup, data__failed_pickup=True).count() == 1


def test_only_the_runs_driver_records(planned, make_user):
    from access.principal import principal_for_user
    from access.roles import Role

    other = principal_for_user(make_user(Role.DRIVER))
    with pytest.raises(NotFound):
        outcomes.run_stop_nobody_home(other, planned.stop1.pk)
    with pytest.raises(PermissionDenied):
        outcomes.run_stop_nobody_home(planned.p, planned.stop1.pk)
    assert not OrderEvent.objects.filter(data__failed_delivery=True).exists()


def test_outcomes_only_on_the_runs_day(planned):
    Run.objects.filter(pk=planned.run.pk).update(date=timezone.localdate() + dt.timedelta(days=1))
    with pytest.raises(Conflict) as exc:
        outcomes.run_stop_nobody_home(planned.d, planned.stop1.pk)
    assert "registreras på körningens dag" in exc.value.message


def test_receiver_name_is_required(planned):
    with pytest.raises(ValidationFailed) as exc:
        outcomes.run_stop_complete(planned.d, planned.stop1.pk, receiver_name=" ", signature=signature_url())
    assert exc.value.errors["receiver_name"] == ["Ange mottagarens namn."]


def test_per_line_delivery_needs_a_line(planned):
    with pytest.raises(ValidationFailed) as exc:
        outcomes.run_stop_complete(planned.d, planned.stop1.pk, receiver_name="A", signature=signature_url(),
                                   line_ids=[])
    assert "minst en rad" in exc.value.errors["lines"][0]


@pytest.mark.parametrize("value, message", [
    ("", "Mottagaren måste signera på skärmen."),
    ("data:image/jpeg;base64,AAAA", "Signaturen måste vara en PNG-bild."),
    ("data:image/png;base64,not base64!", "Signaturen kunde inte läsas."),
    ("data:image/png;base64," + base64.b64encode(b"GIF89a" + b"\0" * 50).decode(), "Signaturen måste vara en PNG-bild."),
    ("data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 50).decode(),
     "Signaturen kunde inte läsas."),
])
def test_signature_must_be_a_real_png(value, message):
    with pytest.raises(ValidationFailed) as exc:
        clean_signature(value)
    assert exc.value.errors["signature"] == [message]


def test_signature_must_not_be_blank_too_big_or_odd_sized():
    with pytest.raises(ValidationFailed) as exc:
        clean_signature(signature_url(blank=True))
    assert "tom" in exc.value.errors["signature"][0]
    with pytest.raises(ValidationFailed) as exc:
        clean_signature(signature_url(size=(20, 20)))
    assert exc.value.errors["signature"] == ["Signaturens storlek är orimlig."]
    with pytest.raises(ValidationFailed) as exc:
        clean_signature("data:image/png;base64," + "A" * (500 * 1024))
    assert exc.value.errors["signature"] == ["Signaturen är för stor."]
    png = clean_signature(signature_url())
    assert png.startswith(b"\x89PNG")
