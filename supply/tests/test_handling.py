"""The supply centre's handling: confirm (allocating refurbished first), back-order, delay,
cancel (releasing), dispatch, deliver (loan starts) and the messages the customer is owed."""
import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from core.calendar import add_weekdays
from core.errors import Conflict, IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from ordering.models import Delivery, Message, Order, OrderEvent
from ordering.tests.conftest import make_order
from stock.models import Device, Loan, StockMovement
from supply import services


def test_confirm_allocates_refurbished_first_and_messages(stocked, django_capture_on_commit_callbacks):
    order = make_order(stocked)
    with django_capture_on_commit_callbacks(execute=True):
        services.order_confirm(stocked.h, order.pk)
    order.refresh_from_db()
    assert order.status == "confirmed" and order.planned_date == order.promised_date
    chair_line = order.lines.get(line_no=1)
    assert chair_line.device.condition == "refurbished" and chair_line.device.status == "reserved"
    assert chair_line.allocated_quantity == 1 and chair_line.backordered_quantity == 0
    msg = Message.objects.get(order=order, kind="confirmed")
    assert msg.recipient == stocked.prescriber and str(order.planned_date) in msg.text
    assert len(mail.outbox) == 1 and order.number in mail.outbox[0].subject
    assert stocked.patient.last_name not in mail.outbox[0].body  # no patient data by e-mail


def test_confirm_twice_is_a_clear_conflict(stocked):
    order = make_order(stocked)
    services.order_confirm(stocked.h, order.pk)
    with pytest.raises(IllegalTransition) as exc:
        services.order_confirm(stocked.h, order.pk)
    assert "Ordern har redan bekräftats av" in exc.value.message
    assert stocked.handler.get_full_name() in exc.value.message
    assert OrderEvent.objects.filter(order=order, to_status="confirmed").count() == 1
    assert Device.objects.filter(status="reserved").count() == 1


def test_backorder_when_no_device_left(stocked):
    first, second, third = make_order(stocked), make_order(stocked), make_order(stocked)
    services.order_confirm(stocked.h, first.pk)
    services.order_confirm(stocked.h, second.pk)
    services.order_confirm(stocked.h, third.pk)
    conditions = [Order.objects.get(pk=o.pk).lines.get(line_no=1).device for o in (first, second, third)]
    assert conditions[0].condition == "refurbished" and conditions[1].condition == "new" and conditions[2] is None
    third.refresh_from_db()
    line = third.lines.get(line_no=1)
    assert line.backordered_quantity == 1
    assert third.planned_date >= add_weekdays(timezone.localdate(), 17)
    assert "restnoterad" in Message.objects.get(order=third, kind="confirmed").text
    with pytest.raises(Conflict):
        services.order_dispatch(stocked.h, third.pk)


def test_delay_requires_confirmed_and_messages(stocked):
    order = make_order(stocked)
    with pytest.raises(IllegalTransition):
        services.order_delay(stocked.h, order.pk, new_date=add_weekdays(timezone.localdate(), 20), reason="x")
    services.order_confirm(stocked.h, order.pk)
    new = add_weekdays(timezone.localdate(), 20)
    services.order_delay(stocked.h, order.pk, new_date=new, reason="Leverantören är sen")
    order.refresh_from_db()
    assert order.planned_date == new and order.status == "confirmed"
    ev = OrderEvent.objects.get(order=order, event_type="delay")
    assert ev.reason == "Leverantören är sen" and ev.data["new_date"] == str(new)
    assert "Leverantören är sen" in Message.objects.get(order=order, kind="delayed").text


@pytest.mark.parametrize("kwargs,field", [
    ({"new_date": dt.date(2001, 1, 1), "reason": "x"}, "new_date"),
    ({"new_date": "1 maj", "reason": "x"}, "new_date"),
    ({"new_date": None, "reason": "x"}, "new_date"),
    ({"new_date": "2099-01-01", "reason": "x"}, "new_date"),
    ({"new_date": dt.date.today() + dt.timedelta(days=30), "reason": ""}, "reason"),
    ({"new_date": dt.date.today() + dt.timedelta(days=30), "reason": "y" * 1001}, "reason"),
])
def test_bad_delay_input_changes_nothing(stocked, kwargs, field):
    order = make_order(stocked)
    services.order_confirm(stocked.h, order.pk)
    order.refresh_from_db()
    with pytest.raises(ValidationFailed) as exc:
        services.order_delay(stocked.h, order.pk, **kwargs)
    assert field in exc.value.errors
    assert Order.objects.get(pk=order.pk).planned_date == order.planned_date
    assert not OrderEvent.objects.filter(event_type="delay").exists()


def test_cancel_releases_stock_and_says_a_new_order_is_needed(stocked):
    order = make_order(stocked)
    services.order_confirm(stocked.h, order.pk)
    services.order_cancel(stocked.h, order.pk, reason="Artikeln utgår")
    order.refresh_from_db()
    assert order.status == "cancelled" and order.closed_reason == "Artikeln utgår"
    assert not Device.objects.filter(status="reserved").exists()
    assert StockMovement.objects.filter(kind="release").count() == 2  # device + cushions
    msg = Message.objects.get(order=order, kind="cancelled")
    assert "En ny beställning måste göras" in msg.text and "Artikeln utgår" in msg.text


def test_deliver_at_stay_address_starts_loan_and_messages(stocked):
    order = make_order(stocked)
    services.order_confirm(stocked.h, order.pk)
    services.order_dispatch(stocked.h, order.pk)
    delivery = services.order_deliver(stocked.h, order.pk, receiver_name="Astrid själv", place="stay_address")
    order.refresh_from_db()
    assert order.status == "delivered" and order.delivered_at is not None
    loan = Loan.objects.get(patient=stocked.patient)
    assert loan.device == order.lines.get(line_no=1).device and loan.customer == order.customer
    assert loan.cost_centre == order.cost_centre and loan.started_on == timezone.localdate()
    assert delivery.lines.count() == 2
    kinds = list(Message.objects.filter(order=order).order_by("id").values_list("kind", flat=True))
    assert kinds == ["confirmed", "delivered"]


def test_delivery_to_hospital_sends_no_delivery_message(stocked):
    order = make_order(stocked)
    services.order_confirm(stocked.h, order.pk)
    services.order_dispatch(stocked.h, order.pk)
    services.order_deliver(stocked.h, order.pk, receiver_name="Sjuksköterska Berg", place="hospital_or_unit")
    assert Order.objects.get(pk=order.pk).status == "delivered"
    assert not Message.objects.filter(order=order, kind="delivered").exists()


def test_part_delivery(stocked):
    from ordering.flows import customer as osvc

    order = make_order(stocked, lines=[osvc.LineInput(stocked.chair.article_number, 1),
                                       osvc.LineInput(stocked.cushion.article_number, 3)])
    services.order_confirm(stocked.h, order.pk)
    services.order_dispatch(stocked.h, order.pk)
    cushion_line = order.lines.get(line_no=2)
    services.order_deliver(stocked.h, order.pk, receiver_name="A", place="stay_address",
                           quantities={cushion_line.pk: 2})
    order.refresh_from_db()
    assert order.status == "dispatched"
    cushion_line.refresh_from_db()
    assert cushion_line.delivered_quantity == 2
    with pytest.raises(ValidationFailed):
        services.order_deliver(stocked.h, order.pk, receiver_name="A", place="stay_address",
                               quantities={cushion_line.pk: 2})
    services.order_deliver(stocked.h, order.pk, receiver_name="A", place="stay_address")
    order.refresh_from_db()
    assert order.status == "delivered" and Delivery.objects.filter(order=order).count() == 2
    assert Message.objects.filter(order=order, kind="delivered").count() == 2


@pytest.mark.parametrize("kwargs,field", [
    ({"receiver_name": "", "place": "stay_address"}, "receiver_name"),
    ({"receiver_name": "x" * 121, "place": "stay_address"}, "receiver_name"),
    ({"receiver_name": "A", "place": "garden"}, "place"),
    ({"receiver_name": "A", "place": "stay_address", "delivered_on": dt.date(2099, 1, 1)}, "delivered_on"),
    ({"receiver_name": "A", "place": "stay_address", "quantities": {999999: 1}}, "lines.0.line_id"),
])
def test_bad_delivery_input_writes_nothing(stocked, kwargs, field):
    order = make_order(stocked)
    services.order_confirm(stocked.h, order.pk)
    services.order_dispatch(stocked.h, order.pk)
    with pytest.raises(ValidationFailed) as exc:
        services.order_deliver(stocked.h, order.pk, **kwargs)
    assert field in exc.value.errors
    assert not Delivery.objects.exists() and not Loan.objects.exists()
    assert Order.objects.get(pk=order.pk).status == "dispatched"


def test_customer_cannot_handle_and_drafts_are_hidden_from_supply(stocked):
    order = make_order(stocked)
    with pytest.raises(PermissionDenied):
        services.order_confirm(stocked.p, order.pk)
    draft = make_order(stocked, submit=False)
    with pytest.raises(NotFound):
        services.order_confirm(stocked.h, draft.pk)
    assert Order.objects.get(pk=order.pk).status == "submitted"


SERVICE_MOVES = {
    "confirm": ("confirmed", {"submitted"}),
    "dispatch": ("dispatched", {"confirmed"}),
    "deliver": ("delivered", {"dispatched"}),
    "cancel": ("cancelled", {"submitted", "confirmed"}),
}
STATUSES = ["submitted", "confirmed", "dispatched", "delivered", "cancelled", "withdrawn"]


def _bring_to(shop, status):
    from ordering.flows import customer as osvc

    order = make_order(shop, lines=[osvc.LineInput(shop.cushion.article_number, 1)])
    path = {"submitted": [], "confirmed": ["confirm"], "dispatched": ["confirm", "dispatch"],
            "delivered": ["confirm", "dispatch", "deliver"], "cancelled": ["cancel"], "withdrawn": ["withdraw"]}
    for step in path[status]:
        _call(shop, step, order.pk)
    return order


def _call(shop, action, pk):
    from ordering.flows import customer as osvc

    if action == "confirm":
        services.order_confirm(shop.h, pk)
    elif action == "dispatch":
        services.order_dispatch(shop.h, pk)
    elif action == "deliver":
        services.order_deliver(shop.h, pk, receiver_name="A", place="hospital_or_unit")
    elif action == "cancel":
        services.order_cancel(shop.h, pk, reason="Går inte")
    elif action == "withdraw":
        osvc.order_withdraw(shop.p, pk, "")


@pytest.mark.parametrize("action", list(SERVICE_MOVES))
@pytest.mark.parametrize("status", STATUSES)
def test_supply_services_over_every_status(stocked, action, status):
    order = _bring_to(stocked, status)
    target, allowed_from = SERVICE_MOVES[action]
    if status in allowed_from:
        _call(stocked, action, order.pk)
        assert Order.objects.get(pk=order.pk).status == target
    else:
        events = OrderEvent.objects.filter(order=order).count()
        with pytest.raises(IllegalTransition):
            _call(stocked, action, order.pk)
        assert Order.objects.get(pk=order.pk).status == status
        assert OrderEvent.objects.filter(order=order).count() == events
