"""A deceased patient (issue 17, docs/prescribing.md "Deceased patient"): every open order and
reminder stops through the move tables, messages say so, the pickup of every device is proposed
and made in one click; new orders, exchanges and reminders are refused."""
import pytest
from django.urls import reverse

from access.principal import principal_for_user
from access.roles import Role
from catalogue.models import LoanType
from conftest import login_verified
from core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ordering.flows import customer as services
from ordering.flows import deceased, exchange, loans
from ordering.models import LoanReminder, Message, Order, PickupLine
from stock.models import Device
from supply import services as supply

from .conftest import make_order
from .test_loans import chair_line, days, lent

pytestmark = pytest.mark.django_db
L = LoanType


def test_open_orders_and_reminders_stop_and_pickup_is_proposed(stocked):
    from ordering.tests import factories as of

    of.stock_devices(stocked.chair, new=2)
    _o, loan = lent(stocked, L.TRIAL, days(3))
    loans.loan_reminders_send()
    draft = make_order(stocked, submit=False)
    submitted = make_order(stocked, lines=[services.LineInput(stocked.cushion.article_number, 2)])
    confirmed = make_order(stocked, lines=[chair_line(stocked)])
    supply.order_confirm(stocked.h, confirmed.pk)
    device = confirmed.lines.get().device
    assert Device.objects.get(pk=device.pk).status == "reserved"
    dispatched = make_order(stocked, lines=[services.LineInput(stocked.cushion.article_number, 1)])
    supply.order_confirm(stocked.h, dispatched.pk)
    supply.order_dispatch(stocked.h, dispatched.pk)
    result = deceased.patient_deceased_record(stocked.p, stocked.patient.pk, on=days(-1))
    status = {o.pk: o.status for o in Order.objects.filter(pk__in=[draft.pk, submitted.pk, confirmed.pk,
                                                                    dispatched.pk])}
    assert status == {draft.pk: "withdrawn", submitted.pk: "withdrawn", confirmed.pk: "cancelled",
                      dispatched.pk: "dispatched"}  # on the road: left to the delivery's outcome
    assert result.left == [dispatched.number]
    assert Device.objects.get(pk=device.pk).status == "in_stock"  # the reservation released
    assert sorted(result.stopped) == sorted(o.number for o in (draft, submitted, confirmed))
    assert result.reminders == 1 and LoanReminder.objects.get().status == "stopped"
    assert result.devices == [loan.device.serial]
    assert Message.objects.filter(order=confirmed, subject__contains="avliden").exists()
    assert Order.objects.get(pk=confirmed.pk).events.order_by("-id").first().reason.startswith("Patienten är avliden")
    assert Message.objects.filter(recipient=stocked.prescriber, subject__startswith="Föreslagen hämtning").exists()
    # Nothing new for the patient; a pickup of everything in one click.
    with pytest.raises(ValidationFailed) as exc:
        make_order(stocked, submit=False)
    assert "avliden" in exc.value.errors["patient_id"][0]
    assert "avliden" in exchange.exchangeable(loan)
    assert loans.loan_reminders_send(today=days(10))["sent"] == 0
    pickup = deceased.patient_pickup_all(stocked.p, stocked.patient.pk)
    assert [(ln.device_id, ln.reason) for ln in PickupLine.objects.filter(order=pickup)] == [
        (loan.device_id, "deceased")]
    with pytest.raises(Conflict):
        deceased.patient_pickup_all(stocked.p, stocked.patient.pk)  # already under way


def test_refusals(stocked, make_user):
    with pytest.raises(Conflict):
        deceased.patient_pickup_all(stocked.p, stocked.patient.pk)  # not deceased
    with pytest.raises(ValidationFailed) as exc:
        deceased.patient_deceased_record(stocked.p, stocked.patient.pk, on=days(1))
    assert "framtiden" in exc.value.errors["on"][0]
    with pytest.raises(ValidationFailed):
        deceased.patient_deceased_record(stocked.p, stocked.patient.pk, on="igår")
    other = principal_for_user(make_user(Role.PRESCRIBER, "municipality"))
    with pytest.raises(NotFound):
        deceased.patient_deceased_record(other, stocked.patient.pk, on=days(0))
    orderer = principal_for_user(make_user(Role.ORDERER, "region"))
    with pytest.raises(PermissionDenied):
        deceased.patient_deceased_record(orderer, stocked.patient.pk, on=days(0))
    deceased.patient_deceased_record(stocked.p, stocked.patient.pk, on=days(0))
    with pytest.raises(Conflict):
        deceased.patient_deceased_record(stocked.p, stocked.patient.pk, on=days(0))


def test_pickup_work_and_in_progress_orders_are_left(stocked):
    _o, loan = lent(stocked, L.PERMANENT, None)
    pickup = loans.loan_return_order(stocked.p, loan.pk)
    result = deceased.patient_deceased_record(stocked.p, stocked.patient.pk, on=days(0))
    assert pickup.number in result.left and Order.objects.get(pk=pickup.pk).status == "submitted"


def test_patient_view_records_and_proposes(stocked):
    from django.test import Client

    _o, loan = lent(stocked, L.PERMANENT, None)
    c = login_verified(Client(), stocked.prescriber)
    url = reverse("ordering:patient_view", args=[stocked.patient.pk])
    page = c.get(url).content.decode()
    assert reverse("ordering:patient_deceased", args=[stocked.patient.pk]) in page
    r = c.post(reverse("ordering:patient_deceased", args=[stocked.patient.pk]), {"on": days(0).isoformat()})
    assert r.status_code == 302
    page = c.get(url).content.decode()
    assert "Patienten avled" in page and reverse("ordering:patient_pickup_all", args=[stocked.patient.pk]) in page
    assert reverse("ordering:draft_new") + f"?patient={stocked.patient.pk}" not in page
    r = c.post(reverse("ordering:patient_pickup_all", args=[stocked.patient.pk]))
    assert r.status_code == 302 and PickupLine.objects.filter(device=loan.device, reason="deceased").exists()


def test_special_requests_at_the_customer_and_at_the_consultants_stop(shop, make_user):
    """Special requests stop like every open order: awaiting the customer's approver
    (customer_approval), asked about by the approver (info_requested), and at the consultants
    (special_requested, and info_requested by the consultant) are withdrawn by the system with
    the reason; the prescriber gets the message for each, the approver is told the request no
    longer waits for them, and neither queue lists them any more."""
    from access.models import CustomerPrescribingTerms
    from catalogue.models import PrescribingLevel
    from catalogue.prescribing import prescribing_rule_set
    from ordering.flows import approval, special

    why = {"reason": "Utanför sortimentet", "need": "Stöd vid förflyttning", "tried": "Rollator"}
    prescribing_rule_set(actor=shop.h, level=PrescribingLevel.CONSULTATION, article=shop.cushion)
    CustomerPrescribingTerms.objects.create(organisation=shop.world["region"], customer_approval_required=True)
    approver_user = make_user(Role.CUSTOMER_APPROVER, "region")
    a = principal_for_user(approver_user)

    def request():
        order = make_order(shop, submit=False, lines=[services.LineInput(shop.cushion.article_number, 1)])
        return special.special_request_submit(shop.p, order.pk, **why)

    at_customer = request()
    asked_by_customer = approval.customer_approval_ask(a, request().pk, question="Billigare?")
    at_consultants = approval.customer_approval_approve(a, request().pk)
    asked_by_consultant = special.special_request_ask(shop.h, approval.customer_approval_approve(a, request().pk).pk,
                                                      question="Mått?")
    orders = {at_customer: "customer_approval", asked_by_customer: "info_requested",
              at_consultants: "special_requested", asked_by_consultant: "info_requested"}
    assert {o: Order.objects.get(pk=o.pk).status for o in orders} == orders
    assert approval.customer_approval_queue(a).count() == 1 and special.special_request_queue(shop.h).count() == 1

    result = deceased.patient_deceased_record(shop.p, shop.patient.pk, on=days(0))

    assert sorted(result.stopped) == sorted(o.number for o in orders) and result.left == []
    for order in orders:
        order = Order.objects.get(pk=order.pk)
        assert order.status == "withdrawn" and order.closed_reason.startswith("Patienten är avliden")
        event = order.events.order_by("-id").first()
        assert (event.from_status, event.to_status, event.actor_label) == (orders[order], "withdrawn", "system")
        assert Message.objects.filter(recipient=shop.prescriber, order=order,
                                      subject=f"Order {order.number} är stoppad: patienten är avliden").exists()
    assert approval.customer_approval_queue(a).count() == 0 and special.special_request_queue(shop.h).count() == 0
    # The approver was told about the one waiting for them (not about those past their step).
    told = Message.objects.filter(recipient=approver_user, subject__contains="väntar inte längre")
    assert list(told.values_list("order_id", flat=True)) == [at_customer.pk]
    assert "avliden" in told.get().text
