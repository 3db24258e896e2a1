"""Issue 15: inbox messages are stored as a key + params beside the Swedish text and read in the
reader's language (pages, API, e-mails); old rows without a key show their stored text; the
worker e-mails each recipient in their own language."""
import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation

from access.roles import Role
from conftest import login_verified
from ordering.flows import loans
from ordering.models import Message, Order
from ordering.tasks import send_loan_reminders
from supply import services as supply
from tests import factories as f

from .conftest import make_order
from .test_loans import L, days, lent

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_readers(stocked):
    """The order's prescriber reads Swedish; its orderer (another user of the unit) English."""
    shop = stocked
    shop.prescriber.email, shop.prescriber.language = "sven@example.se", "sv"
    shop.prescriber.save(update_fields=["email", "language"])
    orderer = f.UserFactory(email="emma@example.se", language="en")
    f.RoleAssignmentFactory(user=orderer, unit=shop.world["region_unit"], role=Role.ORDERER)
    shop.orderer = orderer
    return shop


def _confirmed(shop, django_capture_on_commit_callbacks):
    order = make_order(shop)
    Order.objects.filter(pk=order.pk).update(orderer=shop.orderer)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        supply.order_confirm(shop.h, order.pk)
    return Order.objects.get(pk=order.pk)


def test_a_message_is_stored_with_its_key_params_and_swedish_text(two_readers, django_capture_on_commit_callbacks):
    order = _confirmed(two_readers, django_capture_on_commit_callbacks)
    msgs = list(Message.objects.filter(order=order, kind=Message.Kind.CONFIRMED).order_by("recipient_id"))
    assert len(msgs) == 2
    for m in msgs:
        assert m.subject == f"Order {order.number} är bekräftad"  # the Swedish text, for search and audit
        assert m.subject_key == "Order %(number)s är bekräftad" and m.params["number"] == order.number
        assert "Planerat leveransdatum" in m.text and m.text_key.startswith("Order %(number)s är bekräftad av")


def test_the_worker_emails_each_recipient_in_their_own_language(two_readers, django_capture_on_commit_callbacks):
    order = _confirmed(two_readers, django_capture_on_commit_callbacks)
    by_address = {m.to[0]: m for m in mail.outbox}
    english, swedish = by_address["emma@example.se"], by_address["sven@example.se"]
    assert english.subject == f"Lyfta: Order {order.number} is confirmed"
    assert "You have" in english.body and "Du har" not in english.body
    assert swedish.subject == f"Lyfta: Order {order.number} är bekräftad"
    assert "Du har fått ett nytt meddelande" in swedish.body


def test_the_same_message_reads_in_each_readers_language_on_the_page_and_the_api(
        two_readers, django_capture_on_commit_callbacks):
    order = _confirmed(two_readers, django_capture_on_commit_callbacks)
    english = login_verified(Client(), two_readers.orderer)
    swedish = login_verified(Client(), two_readers.prescriber)
    en_page = english.get(reverse("ordering:inbox")).content.decode()
    sv_page = swedish.get(reverse("ordering:inbox")).content.decode()
    assert f"Order {order.number} is confirmed" in en_page and "Planned delivery date" in en_page
    assert "är bekräftad" not in en_page
    assert f"Order {order.number} är bekräftad" in sv_page and "Planerat leveransdatum" in sv_page
    [en_api] = [m for m in english.get("/api/v1/messages").json() if m["kind"] == "confirmed"]
    [sv_api] = [m for m in swedish.get("/api/v1/messages").json() if m["kind"] == "confirmed"]
    assert en_api["subject"] == f"Order {order.number} is confirmed"
    assert sv_api["subject"] == f"Order {order.number} är bekräftad"
    # An explicit Accept-Language wins on the API.
    [asked] = [m for m in english.get("/api/v1/messages", HTTP_ACCEPT_LANGUAGE="sv").json() if m["kind"] == "confirmed"]
    assert asked["subject"] == f"Order {order.number} är bekräftad"


def test_nested_params_are_translated_too(two_readers, django_capture_on_commit_callbacks):
    order = _confirmed(two_readers, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        supply.order_dispatch(two_readers.h, order.pk)
        supply.order_deliver(two_readers.h, order.pk, receiver_name="Astrid själv", place="stay_address")
    msg = Message.objects.get(order=order, kind=Message.Kind.DELIVERED, recipient=two_readers.orderer)
    assert msg.params["what"] == {"key": "Ordern är levererad i sin helhet.", "params": {}}
    with translation.override("en"):
        assert msg.display_text.endswith("by Astrid själv. The order is delivered in full.")
    assert msg.text.endswith("av Astrid själv. Ordern är levererad i sin helhet.")


def test_an_old_row_without_key_still_shows_its_text(two_readers):
    old = Message.objects.create(recipient=two_readers.orderer, kind=Message.Kind.INFO,
                                 subject="Gammalt meddelande", text="Skrivet före issue 15.")
    assert (old.subject_key, old.text_key, old.params) == ("", "", {})
    with translation.override("en"):
        assert (old.display_subject, old.display_text) == ("Gammalt meddelande", "Skrivet före issue 15.")
    page = login_verified(Client(), two_readers.orderer).get(reverse("ordering:inbox")).content.decode()
    assert "Gammalt meddelande" in page and "Skrivet före issue 15." in page


def test_a_key_that_cannot_be_rendered_falls_back_to_the_stored_text(two_readers):
    broken = Message.objects.create(recipient=two_readers.orderer, kind=Message.Kind.INFO, subject="Sparad rubrik",
                                    text="Sparad text", subject_key="Order %(number)s är bekräftad", params={})
    with translation.override("en"):
        assert broken.display_subject == "Sparad rubrik"


def test_the_loan_reminder_task_writes_to_each_prescriber_in_their_language(
        stocked, django_capture_on_commit_callbacks):
    """Through the task (the test settings' immediate backend runs it at once)."""
    _, loan = lent(stocked, L.TRIAL, days(2))
    stocked.prescriber.email, stocked.prescriber.language = "anna@example.se", "en"
    stocked.prescriber.save(update_fields=["email", "language"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        send_loan_reminders.enqueue()
    [letter] = [m for m in mail.outbox if m.to == ["anna@example.se"]]
    assert letter.subject.startswith(f"Lyfta: The trial of device {loan.device.serial} ends on")
    msg = Message.objects.get(kind=Message.Kind.REMINDER)
    assert msg.subject.startswith(f"Utprovningen av individ {loan.device.serial} slutar")  # stored in Swedish
    with translation.override("sv"):
        assert msg.display_text.startswith("Utprovningen av individ")


def test_a_swedish_prescriber_gets_the_loan_reminder_in_swedish(stocked, django_capture_on_commit_callbacks):
    lent(stocked, L.TRIAL, days(2))
    stocked.prescriber.email = "anna@example.se"
    stocked.prescriber.save(update_fields=["email"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        loans.loan_reminders_send()
    [letter] = [m for m in mail.outbox if m.to == ["anna@example.se"]]
    assert letter.subject.startswith("Lyfta: Utprovningen av individ") and "Du har fått" in letter.body
    assert settings.LANGUAGE_CODE == "sv"
