"""Gaps found going through issue 17's "Must hold" (the rest is listed in the issue's report):
every move of a loan reminder, allowed and refused (`REMINDER_MOVES`); and a special request
through the customer's own approver all the way: approved by the customer, by the consultant,
confirmed, delivered, with the prescriber's message at each step."""
import itertools

import pytest

from access.models import CustomerPrescribingTerms
from access.principal import principal_for_user
from access.roles import Role
from catalogue.models import LoanType, PrescribingLevel
from catalogue.prescribing import prescribing_rule_set
from core.errors import IllegalTransition
from ordering.flows import approval, loans, special
from ordering.flows import customer as services
from ordering.models import LoanReminder, Message, OrderStatus
from supply import services as supply

from .conftest import make_order
from .test_loans import days, lent

pytestmark = pytest.mark.django_db
R = LoanReminder.Status
S = OrderStatus
PAIRS = list(itertools.permutations(R.values, 2))


@pytest.mark.parametrize(("from_status", "to_status"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_every_move_of_a_loan_reminder(stocked, from_status, to_status):
    lent(stocked, LoanType.TRIAL, days(3))
    assert loans.loan_reminders_send()["sent"] == 1
    reminder = LoanReminder.objects.get()
    LoanReminder.objects.filter(pk=reminder.pk).update(status=from_status)
    reminder.refresh_from_db()
    if (from_status, to_status) in loans.REMINDER_MOVES:
        loans._move(reminder, to_status, action="test")
        reminder.refresh_from_db()
        assert (reminder.status, reminder.action) == (to_status, "test") and reminder.closed_at is not None
    else:
        with pytest.raises(IllegalTransition):
            loans._move(reminder, to_status, action="test")
        reminder.refresh_from_db()
        assert reminder.status == from_status
    assert loans.REMINDER_MOVES == {(R.SENT, R.DONE), (R.SENT, R.STOPPED)}


def test_special_request_through_the_customers_approver_to_delivery_with_its_messages(stocked, make_user):
    prescribing_rule_set(actor=stocked.h, level=PrescribingLevel.CONSULTATION, article=stocked.cushion)
    CustomerPrescribingTerms.objects.create(organisation=stocked.world["region"], customer_approval_required=True)
    a = principal_for_user(make_user(Role.CUSTOMER_APPROVER, "region"))
    order = make_order(stocked, submit=False, lines=[services.LineInput(stocked.cushion.article_number, 2)])
    special.special_request_submit(stocked.p, order.pk, reason="Utanför sortimentet", need="Sitter snett",
                                   tried="Vanlig dyna")
    approval.customer_approval_approve(a, order.pk, note="Inom budget")
    special.special_request_approve(stocked.h, order.pk, note="Enligt riktlinje")
    supply.order_confirm(stocked.h, order.pk)
    supply.order_dispatch(stocked.h, order.pk)
    supply.order_deliver(stocked.h, order.pk, receiver_name="Astrid", place="stay_address")
    order.refresh_from_db()
    assert order.status == S.DELIVERED and order.lines.get().delivered_quantity == 2
    assert [e.to_status for e in order.events.filter(event_type="transition").order_by("at", "id")] == [
        "draft", "customer_approval", "special_requested", "submitted", "confirmed", "dispatched", "delivered"]
    decisions = order.extra["special_request"]["decisions"]
    assert [(d["step"], d["outcome"], d["text"]) for d in decisions] == [
        ("customer", "approved", "Inom budget"), ("supply", "approved", "Enligt riktlinje")]
    messages = list(Message.objects.filter(order=order, recipient=stocked.prescriber).order_by("id")
                    .values_list("kind", "subject"))
    subjects = [s for _k, s in messages]
    assert "skickad" in subjects[0]
    assert any("Kunden har godkänt" in s for s in subjects) and any("är godkänt" in s for s in subjects)
    assert [k for k, _s in messages][-2:] == [Message.Kind.CONFIRMED, Message.Kind.DELIVERED]
    # Measured apart: the customer's step, then the consultant's (both the same day here).
    assert [r["outcome"] for r in approval.customer_decision_times([order.pk])] == [S.SPECIAL_REQUESTED]
    assert [r["outcome"] for r in special.decision_times([order.pk])] == [S.SUBMITTED]
