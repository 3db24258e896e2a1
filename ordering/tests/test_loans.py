"""Loan types and reminders (issue 17, docs/prescribing.md "Loan types and returns"): chosen on the
order line (default from the article), checked in the service, carried to the loan at delivery,
reminders to the prescriber (idempotent) and the one-click answers (pickup, extend, convert)."""
import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from access.principal import principal_for_user
from access.roles import Role
from catalogue.models import LoanType
from conftest import login_verified
from core.errors import Conflict, NotFound, ValidationFailed
from ordering.flows import customer as services
from ordering.flows import loans
from ordering.models import LoanReminder, Message, Order, OrderType, PickupLine
from stock.models import Loan
from supply import services as supply

from .conftest import make_order

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate
L = LoanType


def days(n: int) -> dt.date:
    return TODAY() + dt.timedelta(days=n)


def chair_line(shop, loan_type="", until=None, qty=1):
    return services.LineInput(shop.chair.article_number, qty, None, loan_type, until)


def deliver(shop, order):
    supply.order_confirm(shop.h, order.pk)
    supply.order_dispatch(shop.h, order.pk)
    supply.order_deliver(shop.h, order.pk, receiver_name="Astrid själv", place="stay_address")
    return Loan.objects.get(device=order.lines.get(line_no=1).device, ended_on__isnull=True)


def lent(shop, loan_type, until):
    order = make_order(shop, lines=[chair_line(shop, loan_type, until)])
    return order, deliver(shop, order)


# --------------------------------------------------------------------------- the order line


def test_line_gets_the_articles_default_and_non_lent_lines_none(shop):
    order = make_order(shop, submit=False)
    chair, cushion = order.lines.order_by("line_no")
    assert (chair.loan_type, chair.loan_until) == (L.PERMANENT, None)
    assert (cushion.loan_type, cushion.loan_until) == ("", None)  # not a tracked article
    shop.chair.default_loan_type = L.SHORT_TERM
    shop.chair.save(update_fields=["default_loan_type"])
    order = make_order(shop, submit=False, lines=[chair_line(shop)])
    assert order.lines.get().loan_type == L.SHORT_TERM


@pytest.mark.parametrize(("loan_type", "until", "field", "words"), [
    (L.TRIAL, None, "lines.0.loan_until", "kräver ett slutdatum"),
    (L.TIME_LIMITED, None, "lines.0.loan_until", "kräver ett återlämningsdatum"),
    (L.TRIAL, -1, "lines.0.loan_until", "bakåt i tiden"),
    (L.TIME_LIMITED, 0, "lines.0.loan_until", "efter i dag"),
    (L.PERMANENT, 10, "lines.0.loan_until", "inget slutdatum"),
    (L.TRIAL, 400, "lines.0.loan_until", "för långt fram"),
    ("forever", 10, "lines.0.loan_type", "Ogiltig låneform"),
])
def test_line_terms_refused_and_nothing_written(shop, loan_type, until, field, words):
    before = Order.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        make_order(shop, submit=False, lines=[chair_line(shop, loan_type, None if until is None else days(until))])
    assert field in exc.value.errors and words in exc.value.errors[field][0]
    assert Order.objects.count() == before


def test_terms_on_an_article_that_is_not_lent_are_refused(shop):
    with pytest.raises(ValidationFailed) as exc:
        make_order(shop, submit=False, lines=[services.LineInput(shop.cushion.article_number, 1, None, L.TRIAL,
                                                                 days(10))])
    assert "lånas inte ut" in exc.value.errors["lines.0.loan_type"][0]


def test_every_device_line_of_a_quantity_gets_the_terms_and_line_add_checks_too(shop):
    order = make_order(shop, submit=False, lines=[chair_line(shop, L.TRIAL, days(30), qty=2)])
    assert [(ln.loan_type, ln.loan_until) for ln in order.lines.all()] == [(L.TRIAL, days(30))] * 2
    with pytest.raises(ValidationFailed) as exc:
        services.order_line_add(shop.p, order.pk, shop.chair.article_number, 1, loan_type=L.TIME_LIMITED)
    assert "loan_until" in exc.value.errors
    rows = services.order_line_add(shop.p, order.pk, shop.chair.article_number, 1, loan_type=L.TIME_LIMITED,
                                   loan_until=days(60))
    assert rows[0].loan_type == L.TIME_LIMITED and rows[0].loan_until == days(60)


def test_the_terms_go_to_the_loan_at_delivery(stocked):
    order, loan = lent(stocked, L.TRIAL, days(20))
    assert (loan.loan_type, loan.loan_until, loan.source_ref) == (L.TRIAL, days(20), f"{order.number}:1")


def test_stock_refuses_terms_of_the_wrong_shape(stocked):
    from stock import services as stock_services

    device = stocked.devices[0]
    with pytest.raises(ValidationFailed):
        stock_services.deliver_to_patient(device=device, patient=stocked.patient, customer=stocked.patient.customer,
                                          loan_type=L.TRIAL)
    with pytest.raises(ValidationFailed):
        stock_services.deliver_to_patient(device=device, patient=stocked.patient, customer=stocked.patient.customer,
                                          loan_type=L.PERMANENT, loan_until=days(3))
    assert not Loan.objects.exists()


# --------------------------------------------------------------------------- reminders


def test_trial_reminder_once_then_convert_to_permanent(stocked, settings):
    settings.LYFTA_TRIAL_REMINDER_DAYS = 7
    order, loan = lent(stocked, L.TRIAL, days(10))
    assert loans.loan_reminders_send()["sent"] == 0  # ten days left: not yet
    result = loans.loan_reminders_send(today=days(3))
    assert result["sent"] == 1
    reminder = LoanReminder.objects.get()
    assert (reminder.kind, reminder.due_on, reminder.recipient) == ("trial_ending", days(10), stocked.prescriber)
    msg = reminder.message
    assert msg.kind == Message.Kind.REMINDER and msg.order == order and msg.recipient == stocked.prescriber
    assert loan.device.serial in msg.subject and stocked.patient.last_name not in msg.text
    assert loans.loan_reminders_send(today=days(3))["sent"] == 0  # idempotent
    assert loans.loan_reminders_send(today=days(5))["sent"] == 0
    assert Message.objects.filter(kind="reminder").count() == 1
    loans.loan_convert_permanent(stocked.p, loan.pk)
    loan.refresh_from_db()
    reminder.refresh_from_db()
    assert (loan.loan_type, loan.loan_until) == (L.PERMANENT, None)
    assert (reminder.status, reminder.action) == ("done", "converted")
    assert order.events.filter(event_type="note", data__loan_action="converted").exists()
    with pytest.raises(Conflict):
        loans.loan_convert_permanent(stocked.p, loan.pk)  # not a trial any more
    assert loans.loan_reminders_send(today=days(30))["sent"] == 0


def test_return_date_passed_reminder_then_extend_and_again_for_the_new_date(stocked):
    order, loan = lent(stocked, L.TIME_LIMITED, days(5))
    assert loans.loan_reminders_send(today=days(5))["sent"] == 0  # the return day itself is not late
    assert loans.loan_reminders_send(today=days(6))["sent"] == 1
    reminder = LoanReminder.objects.get()
    assert reminder.kind == "return_overdue" and "Återlämningsdatum passerat" in reminder.message.subject
    with pytest.raises(ValidationFailed) as exc:
        loans.loan_extend(stocked.p, loan.pk, until=days(5))
    assert "efter" in exc.value.errors["until"][0]
    with pytest.raises(ValidationFailed):
        loans.loan_extend(stocked.p, loan.pk, until=days(-1))
    loans.loan_extend(stocked.p, loan.pk, until=days(40))
    loan.refresh_from_db()
    reminder.refresh_from_db()
    assert loan.loan_until == days(40) and (reminder.status, reminder.action) == ("done", "extended")
    assert loans.loan_reminders_send(today=days(20))["sent"] == 0
    assert loans.loan_reminders_send(today=days(41))["sent"] == 1
    assert list(LoanReminder.objects.order_by("id").values_list("due_on", flat=True)) == [days(5), days(40)]


def test_pickup_from_the_reminder_closes_it_and_a_second_is_refused(stocked):
    order, loan = lent(stocked, L.TRIAL, days(3))
    loans.loan_reminders_send()
    pickup = loans.loan_return_order(stocked.p, loan.pk)
    assert pickup.order_type == OrderType.PICKUP and pickup.status == "submitted"
    line = PickupLine.objects.get(order=pickup)
    assert (line.loan_id, line.reason) == (loan.pk, "trial_ended")
    assert LoanReminder.objects.get().status == "done"
    with pytest.raises(Conflict):
        loans.loan_return_order(stocked.p, loan.pk)


def test_no_reminder_while_a_pickup_is_under_way_and_closed_when_the_loan_ends(stocked):
    from stock import services as stock_services

    order, loan = lent(stocked, L.TIME_LIMITED, days(2))
    loans.loan_return_order(stocked.p, loan.pk)
    assert loans.loan_reminders_send(today=days(10)) == {"sent": 0, "skipped": 1, "closed": 0}
    # A reminder that was sent before the loan ended is closed by the next run.
    order2, loan2 = lent(stocked, L.TRIAL, days(2))
    loans.loan_reminders_send()
    stock_services.loan_end(loan=loan2, reason="återlämnad")
    assert loans.loan_reminders_send()["closed"] == 1
    assert LoanReminder.objects.get(loan=loan2).action == "loan_ended"


def test_permanent_loans_are_never_reminded_nor_extended(stocked):
    order, loan = lent(stocked, L.PERMANENT, None)
    assert loans.loan_reminders_send(today=days(1000))["sent"] == 0
    with pytest.raises(Conflict):
        loans.loan_extend(stocked.p, loan.pk, until=days(10))


def test_other_customers_cannot_see_or_answer_a_loan(stocked, make_user):
    order, loan = lent(stocked, L.TRIAL, days(3))
    other = principal_for_user(make_user(Role.PRESCRIBER, "municipality"))
    for action in (lambda: loans.loan_extend(other, loan.pk, until=days(30)),
                   lambda: loans.loan_convert_permanent(other, loan.pk),
                   lambda: loans.loan_return_order(other, loan.pk)):
        with pytest.raises(NotFound):
            action()
    loan.refresh_from_db()
    assert loan.loan_type == L.TRIAL


def test_reminders_stop_for_a_patient(stocked):
    order, loan = lent(stocked, L.TRIAL, days(3))
    loans.loan_reminders_send()
    assert loans.loan_reminders_stop(stocked.patient) == 1
    assert LoanReminder.objects.get().status == "stopped"
    assert loans.loan_reminders_stop(stocked.patient) == 0
    from core.errors import IllegalTransition

    with pytest.raises(IllegalTransition):
        loans._move(LoanReminder.objects.get(), "done", action="x")


def test_the_job_is_scheduled_daily():
    from core import scheduler

    jobs = {j.name: j for j in scheduler.registered()}
    assert jobs["ordering.loan_reminders"].every == dt.timedelta(hours=24)
    assert jobs["ordering.loan_reminders"].task_path == "ordering.tasks.send_loan_reminders"


def test_the_reminder_is_emailed(stocked, mailoutbox, django_capture_on_commit_callbacks):
    order, loan = lent(stocked, L.TRIAL, days(2))
    stocked.prescriber.email = "anna@example.se"
    stocked.prescriber.save(update_fields=["email"])
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        loans.loan_reminders_send()
    assert any("Utprovningen" in m.subject for m in mailoutbox)


# --------------------------------------------------------------------------- pages


def _client(user):
    from django.test import Client

    return login_verified(Client(), user)


def test_inbox_patient_view_and_loan_page_offer_the_answers(stocked):
    order, loan = lent(stocked, L.TRIAL, days(2))
    loans.loan_reminders_send()
    c = _client(stocked.prescriber)
    inbox = c.get(reverse("ordering:inbox")).content.decode()
    assert reverse("ordering:loan_convert", args=[loan.pk]) in inbox
    assert reverse("ordering:loan_pickup", args=[loan.pk]) in inbox
    view = c.get(reverse("ordering:patient_view", args=[stocked.patient.pk])).content.decode()
    assert "Utprovning" in view and days(2).isoformat() in view
    page = c.get(reverse("ordering:loan_detail", args=[loan.pk]))
    assert page.status_code == 200 and "Utprovning" in page.content.decode()
    r = c.post(reverse("ordering:loan_extend", args=[loan.pk]), {"until": days(-3).isoformat()})
    assert r.status_code == 422 and "bakåt i tiden" in r.content.decode()
    r = c.post(reverse("ordering:loan_extend", args=[loan.pk]), {"until": days(30).isoformat(), "next": "inbox"})
    assert r.status_code == 302 and r["Location"] == reverse("ordering:inbox")
    r = c.post(reverse("ordering:loan_convert", args=[loan.pk]),
               {"next": f"patient:{stocked.patient.pk}"})
    assert r.status_code == 302 and r["Location"].startswith(reverse("ordering:patient_view",
                                                                     args=[stocked.patient.pk]))
    loan.refresh_from_db()
    assert loan.loan_type == L.PERMANENT
    card = _client(stocked.handler).get(reverse("stock:device", args=[loan.device.serial]))
    assert card.status_code == 200 and "Tillsvidare" in card.content.decode()


def test_loan_page_of_another_customer_is_404(stocked, make_user):
    order, loan = lent(stocked, L.TRIAL, days(2))
    c = _client(make_user(Role.PRESCRIBER, "municipality"))
    assert c.get(reverse("ordering:loan_detail", args=[loan.pk])).status_code == 404
    assert c.post(reverse("ordering:loan_convert", args=[loan.pk])).status_code == 404


def test_line_form_takes_the_terms(shop):
    order = make_order(shop, submit=False, lines=[services.LineInput(shop.cushion.article_number, 1)])
    c = _client(shop.prescriber)
    url = reverse("ordering:line_add", args=[order.pk])
    r = c.post(url, {"article_number": shop.chair.article_number, "quantity": 1, "loan_type": L.TRIAL})
    assert r.status_code == 422 and "kräver ett slutdatum" in r.content.decode()
    r = c.post(url, {"article_number": shop.chair.article_number, "quantity": 1, "loan_type": L.TRIAL,
                     "loan_until": days(14).isoformat()})
    assert r.status_code == 302
    line = order.lines.get(article=shop.chair)
    assert (line.loan_type, line.loan_until) == (L.TRIAL, days(14))
    page = c.get(reverse("ordering:order_detail", args=[order.pk])).content.decode()
    assert "Utprovning" in page and days(14).isoformat() in page


def test_overdue_returns_page_per_customer_and_unit(stocked, make_user):
    order, loan = lent(stocked, L.TIME_LIMITED, days(1))
    groups = loans.overdue_returns(today=days(4))
    assert len(groups) == 1 and groups[0]["unit"] == order.unit and groups[0]["loans"][0].days_overdue == 3
    assert loans.overdue_returns(today=days(1)) == []
    Loan.objects.filter(pk=loan.pk).update(loan_until=days(-2))  # as if the date had passed
    c = _client(stocked.handler)
    page = c.get(reverse("supply:overdue_returns"))
    assert page.status_code == 200 and loan.device.serial in page.content.decode()
    from audit.models import PatientAccess

    assert PatientAccess.objects.filter(patient_id=stocked.patient.pk, view="overdue_returns").exists()
    assert _client(stocked.prescriber).get(reverse("supply:overdue_returns")).status_code == 403


# --------------------------------------------------------------------------- API


def test_api_order_lines_carry_the_terms(api, world, shop):
    from ordering.tests import factories as of

    patient = of.patient(world["region"])
    body = {"patient_id": patient.pk, "orderer_username": "region-orderer", "lines": [{"article_number": shop.chair.article_number, "quantity": 1,
                                                 "loan_type": "trial"}]}
    r = api.region.post("/api/v1/orders", json.dumps(body), content_type="application/json")
    assert r.status_code == 422 and r["Content-Type"].startswith("application/problem+json")
    assert "lines.0.loan_until" in json.dumps(r.json())
    body["lines"][0]["loan_until"] = days(21).isoformat()
    r = api.region.post("/api/v1/orders", json.dumps(body), content_type="application/json")
    assert r.status_code == 201, r.content
    line = r.json()["lines"][0]
    assert (line["loan_type"], line["loan_until"]) == ("trial", days(21).isoformat())
    r = api.region.get(f"/api/v1/orders/{r.json()['id']}")
    assert r.json()["lines"][0]["loan_type"] == "trial"
    body["lines"][0]["loan_type"] = "forever"
    r = api.region.post("/api/v1/orders", json.dumps(body), content_type="application/json")
    assert r.status_code == 422
