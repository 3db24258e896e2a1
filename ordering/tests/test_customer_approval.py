"""The customer's own approver of special requests (issue 17, docs/prescribing.md "The customer's
own approver"): where the customer's terms say so a request waits for the customer's approver
before the consultants; the moves in the customer order's table, allowed and refused (wrong side,
wrong customer, the prescriber themself, missing permission), messages at each step, the
consultants' queue without the customer's step, and the measured service level."""
import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from access import services as access_services
from access.models import CustomerPrescribingTerms, RoleAssignment
from access.principal import principal_for_user
from access.roles import Role
from audit.models import AuditEvent
from catalogue.models import PrescribingLevel
from catalogue.prescribing import prescribing_rule_set
from core.errors import IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from ordering.flows import approval, special
from ordering.flows import customer as services
from ordering.models import Message, OrderStatus
from ordering.transitions import MOVES

from .conftest import make_order

pytestmark = pytest.mark.django_db
S = OrderStatus
WHY = {"reason": "Behöver utprovas", "need": "Kan inte gå utan stöd", "tried": "Rollator, käpp"}


@pytest.fixture
def gated(shop, make_user):
    """A consultation article; the region's terms require its own approver; an approver there."""
    prescribing_rule_set(actor=shop.h, level=PrescribingLevel.CONSULTATION, article=shop.cushion)
    CustomerPrescribingTerms.objects.create(organisation=shop.world["region"], customer_approval_required=True)
    shop.order = make_order(shop, submit=False, lines=[services.LineInput(shop.cushion.article_number, 2)])
    shop.approver_user = make_user(Role.CUSTOMER_APPROVER, "region", first_name="Gun", last_name="Godkänd")
    shop.a = principal_for_user(shop.approver_user)
    return shop


def sent(shop):
    return special.special_request_submit(shop.p, shop.order.pk, **WHY)


def test_the_customer_moves_are_in_the_table():
    table = MOVES["customer"]
    for move in [(S.DRAFT, S.CUSTOMER_APPROVAL), (S.CUSTOMER_APPROVAL, S.SPECIAL_REQUESTED),
                 (S.CUSTOMER_APPROVAL, S.REJECTED), (S.CUSTOMER_APPROVAL, S.INFO_REQUESTED),
                 (S.INFO_REQUESTED, S.CUSTOMER_APPROVAL), (S.CUSTOMER_APPROVAL, S.WITHDRAWN)]:
        assert table[move] == "customer", move
    assert (S.CUSTOMER_APPROVAL, S.SUBMITTED) not in table  # never past the consultants


def test_approved_by_the_customer_then_by_the_consultant(gated):
    order = sent(gated)
    assert order.status == S.CUSTOMER_APPROVAL
    req = order.extra["special_request"]
    assert req["customer_approval"] == {"required": True, "above": None, "cost": str(order.lines.get().quantity *
                                                                                       gated.cushion.purchase_price)}
    assert req["customer_due_on"]
    # The approver is told, the consultants do not see it yet.
    assert Message.objects.filter(recipient=gated.approver_user, order=order).exists()
    assert list(special.special_request_queue(gated.h)) == []
    assert list(approval.customer_approval_queue(gated.a)) == [order]
    approval.customer_approval_approve(gated.a, order.pk, note="Inom budget")
    order.refresh_from_db()
    assert order.status == S.SPECIAL_REQUESTED
    assert list(approval.customer_approval_queue(gated.a)) == []
    assert list(special.special_request_queue(gated.h)) == [order]
    special.special_request_approve(gated.h, order.pk)
    order.refresh_from_db()
    assert order.status == S.SUBMITTED
    decisions = order.extra["special_request"]["decisions"]
    assert [(d["step"], d["outcome"]) for d in decisions] == [("customer", "approved"), ("supply", "approved")]
    assert decisions[0]["by"] == "Gun Godkänd" and decisions[0]["text"] == "Inom budget"
    events = list(order.events.filter(event_type="transition").values_list("to_status", "reason", "actor_label"))
    assert [e[0] for e in events] == ["draft", "customer_approval", "special_requested", "submitted"]
    assert events[2][1:] == ("Inom budget", "Gun Godkänd")
    assert AuditEvent.objects.filter(action="order.special_requested", object_id=str(order.pk)).exists()
    subjects = list(Message.objects.filter(order=order, recipient=gated.prescriber).values_list("subject", flat=True))
    assert any("är skickad" in s for s in subjects) and any("Kunden har godkänt" in s for s in subjects)
    assert any("är godkänt" in s for s in subjects)
    times = approval.customer_decision_times([order.pk])
    assert times == [{"order_id": order.pk, "outcome": S.SPECIAL_REQUESTED, "weekdays": 0, "within": True}]
    # The consultants' measure starts when the request reached them.
    assert [r["outcome"] for r in special.decision_times([order.pk])] == [S.SUBMITTED]


def test_rejected_by_the_customer_with_a_reason(gated):
    order = sent(gated)
    with pytest.raises(ValidationFailed) as exc:
        approval.customer_approval_reject(gated.a, order.pk, reason=" ")
    assert "reason" in exc.value.errors
    approval.customer_approval_reject(gated.a, order.pk, reason="Likvärdig finns i sortimentet")
    order.refresh_from_db()
    assert order.status == S.REJECTED and order.closed_reason == "Likvärdig finns i sortimentet"
    last = order.events.filter(event_type="transition").last()
    assert (last.from_status, last.to_status, last.reason) == (S.CUSTOMER_APPROVAL, S.REJECTED,
                                                             "Likvärdig finns i sortimentet")
    assert last.data["special_request"] == "customer_rejected"
    assert Message.objects.filter(order=order, recipient=gated.prescriber, subject__contains="avslagit").exists()
    with pytest.raises(IllegalTransition):
        approval.customer_approval_approve(gated.a, order.pk)
    assert list(special.special_request_queue(gated.h)) == []


def test_ask_goes_back_to_the_customer_and_the_consultants_question_to_the_consultant(gated):
    order = sent(gated)
    approval.customer_approval_ask(gated.a, order.pk, question="Finns det en billigare?")
    order.refresh_from_db()
    assert order.status == S.INFO_REQUESTED
    assert Message.objects.filter(order=order, recipient=gated.prescriber,
                                  subject__startswith="Komplettering").exists()
    # The approver cannot push a request waiting for the prescriber on to the consultants.
    with pytest.raises(IllegalTransition):
        approval.customer_approval_approve(gated.a, order.pk)
    special.special_request_submit(gated.p, order.pk, **{**WHY, "tried": "Billigare sits, fungerade inte"})
    order.refresh_from_db()
    assert order.status == S.CUSTOMER_APPROVAL
    approval.customer_approval_approve(gated.a, order.pk)
    special.special_request_ask(gated.h, order.pk, question="Vilken sitthöjd?")
    special.special_request_submit(gated.p, order.pk, **{**WHY, "need": "Sitthöjd 45 cm"})
    order.refresh_from_db()
    assert order.status == S.SPECIAL_REQUESTED  # the consultant asked: back to the consultant
    assert [r["outcome"] for r in approval.customer_decision_times([order.pk])] == [S.INFO_REQUESTED,
                                                                                   S.SPECIAL_REQUESTED]


def test_refusals_wrong_side_wrong_customer_own_request_and_missing_permission(gated, make_user):
    order = sent(gated)
    # Missing permission: the prescriber and the supply centre's consultant.
    with pytest.raises(PermissionDenied):
        approval.customer_approval_approve(gated.p, order.pk)
    with pytest.raises(PermissionDenied):
        approval.customer_approval_approve(gated.h, order.pk)
    # Wrong side: the consultants' services refuse a request still at the customer.
    with pytest.raises(IllegalTransition):
        special.special_request_approve(gated.h, order.pk)
    with pytest.raises(IllegalTransition):
        special.special_request_reject(gated.h, order.pk, reason="Nej")
    # The prescriber cannot send it on themself.
    with pytest.raises(IllegalTransition):
        special.special_request_submit(gated.p, order.pk, **WHY)
    # Another customer's approver: the order does not exist for them.
    other = principal_for_user(make_user(Role.CUSTOMER_APPROVER, "municipality"))
    with pytest.raises(NotFound):
        approval.customer_approval_approve(other, order.pk)
    assert list(approval.customer_approval_queue(other)) == []
    # An approver at the municipality who also has another role at the region: still not theirs.
    mixed = make_user(Role.CUSTOMER_APPROVER, "municipality")
    RoleAssignment.objects.create(user=mixed, unit=gated.world["region_unit"], role=Role.ORDERER)
    with pytest.raises(NotFound):
        approval.customer_approval_reject(principal_for_user(mixed), order.pk, reason="Nej")
    # Four eyes: a prescriber who is also the customer's approver may not decide their own request.
    RoleAssignment.objects.create(user=gated.prescriber, unit=gated.world["region_unit"], role=Role.CUSTOMER_APPROVER)
    me = principal_for_user(gated.prescriber)
    with pytest.raises(PermissionDenied) as exc:
        approval.customer_approval_approve(me, order.pk)
    assert exc.value.code == "own_request"
    assert list(approval.customer_approval_queue(me)) == []
    order.refresh_from_db()
    assert order.status == S.CUSTOMER_APPROVAL


def test_the_prescriber_may_withdraw_while_it_waits_for_the_customer(gated):
    order = sent(gated)
    services.order_withdraw(gated.p, order.pk, reason="Behövs inte")
    order.refresh_from_db()
    assert order.status == S.WITHDRAWN


def test_without_the_flag_or_below_the_threshold_the_consultants_decide_alone(gated):
    terms = CustomerPrescribingTerms.objects.get(organisation=gated.world["region"])
    terms.customer_approval_above = Decimal("1000000")
    terms.save()
    order = sent(gated)
    assert order.status == S.SPECIAL_REQUESTED and order.extra["special_request"]["customer_approval"] is None
    terms.customer_approval_above = Decimal("0.5")
    terms.save()
    other = make_order(gated, submit=False, lines=[services.LineInput(gated.cushion.article_number, 1)])
    assert special.special_request_submit(gated.p, other.pk, **WHY).status == S.CUSTOMER_APPROVAL


def test_the_role_is_granted_by_the_customers_access_admin(gated, make_user):
    admin = principal_for_user(make_user(Role.CUSTOMER_ACCESS_ADMIN, "region"))
    user = make_user(Role.ORDERER, "region")
    access_services.role_assign(actor=admin, user=user, unit=gated.world["region_unit"], role=Role.CUSTOMER_APPROVER)
    p = principal_for_user(user)
    assert p.has_perm("ordering.customer_approvals")
    assert approval.approver_customer_ids(p) == {gated.world["region"].pk}


def test_the_consultants_queue_never_shows_the_customers_step(gated, shop):
    """The queue filter (status only, no JSON look-up) gives the same answer on SQLite and
    PostgreSQL: waiting for the customer, asked, and decided requests are not in it."""
    waiting = sent(gated)
    CustomerPrescribingTerms.objects.filter(organisation=gated.world["region"]).update(
        customer_approval_required=False)
    direct = make_order(gated, submit=False, lines=[services.LineInput(gated.cushion.article_number, 1)])
    direct = special.special_request_submit(gated.p, direct.pk, **WHY)
    assert list(special.special_request_queue(gated.h)) == [direct]
    assert waiting.status == S.CUSTOMER_APPROVAL


def test_late_customer_decisions_are_measured(gated, settings):
    settings.LYFTA_CUSTOMER_APPROVAL_WEEKDAYS = 1
    order = sent(gated)
    ev = order.events.get(to_status=S.CUSTOMER_APPROVAL)
    ev.at = timezone.now() - dt.timedelta(days=10)
    ev.save(update_fields=["at"])
    approval.customer_approval_approve(gated.a, order.pk)
    [row] = approval.customer_decision_times([order.pk])
    assert row["weekdays"] >= 5 and not row["within"]
    level = approval.customer_service_level(gated.a)
    assert level["decisions"] == 1 and level["share"] == 0
