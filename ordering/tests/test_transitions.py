"""The customer-order state machine: every (from, to) pair over all statuses is either an
allowed move (DESIGN.md §4) that writes an event, or refused with IllegalTransition and no
change."""
import itertools

import pytest

from audit.models import AuditEvent
from core.errors import IllegalTransition
from ordering.models import Order, OrderEvent, OrderType
from ordering.transitions import MOVES, apply_transition, is_allowed

STATUSES = ["draft", "submitted", "confirmed", "dispatched", "delivered", "cancelled", "withdrawn",
            "special_requested", "info_requested", "rejected", "customer_approval"]
ALLOWED = {
    ("draft", "submitted"), ("submitted", "confirmed"), ("confirmed", "dispatched"), ("dispatched", "delivered"),
    ("submitted", "cancelled"), ("confirmed", "cancelled"), ("draft", "withdrawn"), ("submitted", "withdrawn"),
    # special requests (issue 17, docs/prescribing.md)
    ("draft", "special_requested"), ("special_requested", "submitted"), ("special_requested", "rejected"),
    ("special_requested", "info_requested"), ("info_requested", "special_requested"),
    ("special_requested", "withdrawn"), ("info_requested", "withdrawn"),
    # … first at the customer's own approver where the customer's terms say so
    ("draft", "customer_approval"), ("customer_approval", "special_requested"), ("customer_approval", "rejected"),
    ("customer_approval", "info_requested"), ("info_requested", "customer_approval"),
    ("customer_approval", "withdrawn"),
}
MATRIX = list(itertools.product(STATUSES, STATUSES))


def test_table_is_exactly_the_design():
    assert set(MOVES[OrderType.CUSTOMER]) == ALLOWED


@pytest.fixture
def bare_order(world):
    def make(status):
        return Order.objects.create(number=f"KT-{status[:13]}", status=status, customer=world["region"])
    return make


@pytest.mark.parametrize("from_status,to_status", MATRIX, ids=[f"{a}->{b}" for a, b in MATRIX])
def test_every_move_of_the_matrix(bare_order, from_status, to_status):
    order = bare_order(from_status)
    events_before = OrderEvent.objects.count()
    audits_before = AuditEvent.objects.count()
    if (from_status, to_status) in ALLOWED:
        event = apply_transition(order, to_status, None, reason="test")
        order.refresh_from_db()
        assert order.status == to_status
        assert (event.from_status, event.to_status, event.reason) == (from_status, to_status, "test")
        assert OrderEvent.objects.count() == events_before + 1
        assert AuditEvent.objects.filter(action=f"order.{to_status}").count() == 1
    else:
        assert not is_allowed("customer", from_status, to_status)
        with pytest.raises(IllegalTransition) as exc:
            apply_transition(order, to_status, None)
        assert exc.value.status == 409
        assert "Ordern kan inte" in exc.value.message or "Otillåten" in exc.value.message
        order.refresh_from_db()
        assert order.status == from_status
        assert OrderEvent.objects.count() == events_before
        assert AuditEvent.objects.count() == audits_before
