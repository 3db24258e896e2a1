"""Issue 15: e-mails sent by background work are written in the recipient's language: a user's
own language; an applicant without an account, the language the request form was filled in."""
import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation

from access.principal import ANONYMOUS, principal_for_user
from access.roles import Role
from operations.models import AccessRequest
from operations.services import access_requests as ar
from operations.services import notices
from operations.tasks import send_access_request_email
from ordering.models import Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def admins(make_user):
    """Two access admins of the region: one reads English, one Swedish."""
    en = make_user(Role.CUSTOMER_ACCESS_ADMIN, "region", email="eve@example.se", language="en")
    sv = make_user(Role.CUSTOMER_ACCESS_ADMIN, "region", email="sara@example.se", language="sv")
    return en, sv


def _request(world, **kw):
    values = dict(principal=ANONYMOUS, unit_id=world["region_unit"].pk, role=Role.ORDERER,
                  reason="Jag behöver beställa åt enheten.", manager_email="chef@example.se", first_name="Ny",
                  last_name="Person", email="ny.person@example.se", client_ip="10.0.0.1")
    values.update(kw)
    return ar.access_request_create(**values)


def _to(address):
    return [m for m in mail.outbox if m.to == [address]]


def test_the_form_filled_in_english_is_answered_in_english_and_each_admin_in_their_own(
        world, admins, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), translation.override("en"):
        req = _request(world)
    assert req.language == "en"
    [receipt] = _to("ny.person@example.se")
    assert receipt.subject == "Lyfta: Access request received: Orderer at Rehab Region"
    assert "We have received your request" in receipt.body
    [en_note] = _to("eve@example.se")
    [sv_note] = _to("sara@example.se")
    assert en_note.subject == "Lyfta: New access request: Orderer at Rehab Region"
    assert sv_note.subject == "Lyfta: Ny behörighetsansökan: Beställare vid Rehab Region"
    # The inbox message itself is stored once in Swedish, with its key.
    msg = Message.objects.get(recipient=admins[0])
    assert msg.subject == "Ny behörighetsansökan: Beställare vid Rehab Region"
    assert msg.subject_key == "Ny behörighetsansökan: %(role)s vid %(unit)s"


def test_a_swedish_form_is_answered_in_swedish(world, admins, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        req = _request(world)
    assert req.language == "sv"
    [receipt] = _to("ny.person@example.se")
    assert receipt.subject == "Lyfta: Behörighetsansökan mottagen: Beställare vid Rehab Region"
    assert "Detta e-postmeddelande går inte att svara på." in receipt.body


def test_the_request_page_stores_the_language_it_was_filled_in(world, admins):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(reverse("operations:access_request_new"), {
        "unit": world["region_unit"].pk, "role": Role.ORDERER, "reason": "I order devices for the ward.",
        "manager_email": "boss@example.se", "first_name": "Nora", "last_name": "Nyström",
        "email": "nora@example.se"})
    assert response.status_code == 302
    assert AccessRequest.objects.get(email="nora@example.se").language == "en"


def test_the_decision_with_its_activation_link_is_in_the_forms_language(world, admins,
                                                                        django_capture_on_commit_callbacks):
    with translation.override("en"):
        req = _request(world)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):  # the admin decides in Swedish
        ar.access_request_decide(actor=principal_for_user(admins[1]), request_id=req.pk, approve=True)
    [letter] = _to("ny.person@example.se")
    assert letter.subject == "Lyfta: Access request approved: Orderer at Rehab Region"
    assert re.search(r"Your user name is \S+\. Choose your password here", letter.body)
    assert re.search(r"/drift/behorighet/aktivera/\S+/", letter.body)
    assert "authenticator app" in letter.body


def test_the_task_renders_in_the_stored_language_whatever_the_workers_language(world, admins):
    req = _request(world)
    AccessRequest.objects.filter(pk=req.pk).update(language="en")
    mail.outbox.clear()
    with translation.override("sv"):
        send_access_request_email.call(req.pk, "received")
    [receipt] = _to("ny.person@example.se")
    assert receipt.subject.startswith("Lyfta: Access request received")


def test_a_rejection_to_a_user_is_an_inbox_message_in_their_language(world, admins, make_user,
                                                                     django_capture_on_commit_callbacks):
    applicant = make_user(Role.PRESCRIBER, "region", email="per@example.se", language="en")
    req = ar.access_request_create(principal=principal_for_user(applicant), unit_id=world["region_unit"].pk,
                                   role=Role.ORDERER, reason="Även beställarroll behövs.",
                                   manager_email="chef@example.se")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        ar.access_request_decide(actor=principal_for_user(admins[1]), request_id=req.pk, approve=False,
                                 reason="Inte vid den enheten.")
    [letter] = _to("per@example.se")
    assert letter.subject == "Lyfta: Access request rejected: Orderer at Rehab Region"
    msg = Message.objects.filter(recipient=applicant).latest("pk")
    with translation.override("en"):
        assert msg.display_text == ("Your request for the role Orderer at Rehab Region is rejected. Reason: "
                                    "Inte vid den enheten.")
    assert msg.text == "Din ansökan om rollen Beställare vid Rehab Region är avslagen. Motivering: Inte vid den enheten."


def test_service_notices_are_emailed_in_each_subscribers_language(make_user, django_capture_on_commit_callbacks):
    publisher = principal_for_user(make_user(Role.SUPPLY_ADMIN))
    for email, language in (("eng@example.se", "en"), ("sve@example.se", "sv")):
        user = make_user(Role.PRESCRIBER, "region", email=email, language=language)
        notices.notice_subscription_set(actor=principal_for_user(user), subscribed=True)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        notices.notice_publish(actor=publisher, kind="disruption", title="Störning", text="Lyfta är långsam.",
                               starts_at=None, affected=["ordering"])
    [en] = _to("eng@example.se")
    [sv] = _to("sve@example.se")
    assert en.subject == "Lyfta service notice: Störning" and "because you subscribe" in en.body
    assert sv.subject == "Lyfta driftinformation: Störning" and "prenumererar" in sv.body
    assert "Lyfta är långsam." in en.body and "Lyfta är långsam." in sv.body  # the handler's own words
