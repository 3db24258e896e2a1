"""Every state move of the operations workflows (issue 16), allowed and refused: access requests
(pending → approved | rejected), support cases (open → answered → open … → closed) and service
notices (current → ended). A refused move says why in Swedish and writes nothing (no row changed,
no audit row, no message, no e-mail)."""
import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from access.models import RoleAssignment, User
from access.principal import ANONYMOUS, principal_for_user
from access.roles import Role
from audit.models import AuditEvent
from core.errors import Conflict, IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from operations.models import AccessRequest, ServiceNotice, SupportCase, SupportMessage
from operations.services import access_requests as ar
from operations.services import notices, support
from operations.services._common import TooManyRequests
from ordering.models import Message
from tests import factories as f


def snapshot(*models):
    """What a refused move must leave as it was: every row of these models and the audit log."""
    rows = {m.__name__: sorted(m.objects.values_list("pk", flat=True)) for m in models}
    rows["fields"] = [list(m.objects.order_by("pk").values()) for m in models]
    rows["audit"] = AuditEvent.objects.count()
    rows["messages"] = Message.objects.count()
    rows["mail"] = len(mail.outbox)
    return rows


# --------------------------------------------------------------------------- access requests


@pytest.fixture
def people(world, make_user):
    """The region's access admin, the municipality's, a supply admin and a prescriber."""
    return {
        "region_admin": make_user(Role.CUSTOMER_ACCESS_ADMIN, "region"),
        "municipality_admin": make_user(Role.CUSTOMER_ACCESS_ADMIN, "municipality"),
        "supply_admin": make_user(Role.SUPPLY_ADMIN),
        "prescriber": make_user(Role.PRESCRIBER, "region"),
    }


def _anonymous_request(world, *, role=Role.ORDERER, unit="region_unit", email="ny.person@example.se", **kw):
    values = dict(principal=ANONYMOUS, unit_id=world[unit].pk, role=role, reason="Jag behöver beställa åt enheten.",
                  manager_email="chef@example.se", first_name="Ny", last_name="Person", email=email,
                  hsa_id="SE2321000016-NY01", client_ip="10.0.0.1")
    values.update(kw)
    return ar.access_request_create(**values)


def test_request_is_filed_pending_and_both_sides_are_told(world, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        req = _anonymous_request(world)
    assert req.status == AccessRequest.Status.PENDING and req.unit_id == world["region_unit"].pk
    # The deciders of that customer get an inbox message (e-mailed); the other customer's do not.
    told = set(Message.objects.filter(subject__startswith="Ny behörighetsansökan").values_list("recipient", flat=True))
    assert told == {people["region_admin"].pk}
    # The applicant without an account gets a receipt by e-mail.
    receipt = [m for m in mail.outbox if m.to == ["ny.person@example.se"]]
    assert len(receipt) == 1 and "mottagen" in receipt[0].subject
    assert any(m.to == [people["region_admin"].email] for m in mail.outbox)


def test_a_users_request_gets_an_inbox_receipt(world, people):
    user = people["prescriber"]
    req = ar.access_request_create(principal=principal_for_user(user), unit_id=world["region_unit"].pk,
                                   role=Role.ORDERER, reason="Även beställarroll behövs.",
                                   manager_email="chef@example.se")
    assert req.applicant_id == user.pk and req.email == user.email
    assert Message.objects.filter(recipient=user, subject__contains="mottagen").count() == 1


@pytest.mark.parametrize(("change", "field"), [
    ({"role": Role.SUPPLY_HANDLER}, "role"),  # a supply role at a customer's unit
    ({"role": Role.SYSTEM_ADMIN}, "role"),  # never requestable
    ({"unit_id": 0}, "unit"),
    ({"reason": "kort"}, "reason"),
    ({"manager_email": "inte-en-adress"}, "manager_email"),
    ({"email": ""}, "email"),
    ({"hsa_id": "inte ett hsa-id"}, "hsa_id"),
])
def test_a_bad_request_is_refused_and_writes_nothing(world, people, change, field):
    before = snapshot(AccessRequest)
    with pytest.raises(ValidationFailed) as exc:
        _anonymous_request(world, **change)
    assert field in exc.value.errors
    assert snapshot(AccessRequest) == before


def test_duplicates_and_throttling(world, people, settings):
    user = people["prescriber"]
    p = principal_for_user(user)
    ar.access_request_create(principal=p, unit_id=world["region_unit"].pk, role=Role.ORDERER,
                             reason="Även beställarroll behövs.", manager_email="chef@example.se")
    with pytest.raises(Conflict, match="redan en ansökan"):
        ar.access_request_create(principal=p, unit_id=world["region_unit"].pk, role=Role.ORDERER,
                                 reason="Även beställarroll behövs.", manager_email="chef@example.se")
    with pytest.raises(ValidationFailed, match="redan den rollen"):
        ar.access_request_create(principal=p, unit_id=world["region_unit"].pk, role=Role.PRESCRIBER,
                                 reason="Har jag redan, visst?", manager_email="chef@example.se")
    first = _anonymous_request(world)
    assert _anonymous_request(world) is None  # an anonymous duplicate: the same answer, no new row
    assert AccessRequest.objects.filter(email="ny.person@example.se").count() == 1 and first.pk
    settings.LYFTA_ACCESS_REQUEST_MAX_PER_HOUR = 2
    _anonymous_request(world, email="tva@example.se")
    before = snapshot(AccessRequest)
    with pytest.raises(TooManyRequests):
        _anonymous_request(world, email="tre@example.se")
    assert snapshot(AccessRequest) == before


def test_pending_to_approved_creates_the_account_grants_the_role_and_mails_the_link(
        world, people, django_capture_on_commit_callbacks):
    req = _anonymous_request(world)
    mail.outbox.clear()
    admin = principal_for_user(people["region_admin"])
    with django_capture_on_commit_callbacks(execute=True):
        done = ar.access_request_decide(actor=admin, request_id=req.pk, approve=True)
    assert done.status == AccessRequest.Status.APPROVED and done.decided_by_id == people["region_admin"].pk
    user = User.objects.get(pk=done.granted_user_id)
    assert user.hsa_id == "SE2321000016-NY01" and not user.has_usable_password()
    assert RoleAssignment.objects.filter(user=user, unit=world["region_unit"], role=Role.ORDERER).exists()
    assert AuditEvent.objects.filter(action="access_request.approved", object_id=str(req.pk)).exists()
    assert len(mail.outbox) == 1 and "godkänd" in mail.outbox[0].subject and "/drift/behorighet/aktivera/" in \
        mail.outbox[0].body


def test_pending_to_rejected_needs_a_reason(world, people, django_capture_on_commit_callbacks):
    req = _anonymous_request(world)
    admin = principal_for_user(people["region_admin"])
    before = snapshot(AccessRequest, User)
    with pytest.raises(ValidationFailed) as exc:
        ar.access_request_decide(actor=admin, request_id=req.pk, approve=False, reason=" ")
    assert "reason" in exc.value.errors and snapshot(AccessRequest, User) == before
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        done = ar.access_request_decide(actor=admin, request_id=req.pk, approve=False, reason="Fel enhet.")
    assert done.status == AccessRequest.Status.REJECTED and done.granted_user_id is None
    assert not User.objects.filter(email="ny.person@example.se").exists()
    assert "avslagen" in mail.outbox[0].subject and "Fel enhet." in mail.outbox[0].body


@pytest.mark.parametrize("first", [True, False])
@pytest.mark.parametrize("second", [True, False])
def test_a_decided_request_cannot_be_decided_again(world, people, first, second):
    req = _anonymous_request(world)
    admin = principal_for_user(people["region_admin"])
    ar.access_request_decide(actor=admin, request_id=req.pk, approve=first, reason="Beslut.")
    before = snapshot(AccessRequest, User, RoleAssignment)
    with pytest.raises(IllegalTransition, match="Ansökan är redan (godkänd|avslagen)"):
        ar.access_request_decide(actor=admin, request_id=req.pk, approve=second, reason="Igen.")
    assert snapshot(AccessRequest, User, RoleAssignment) == before


def test_who_decides_what(world, people):
    customer_req = _anonymous_request(world)
    supply_req = _anonymous_request(world, role=Role.SUPPLY_HANDLER, unit="supply_unit", email="hmc@example.se")
    before = snapshot(AccessRequest, User, RoleAssignment)
    # Another customer's access admin: the request does not exist for them.
    with pytest.raises(NotFound):
        ar.access_request_decide(actor=principal_for_user(people["municipality_admin"]), request_id=customer_req.pk,
                                 approve=True)
    # A customer's access admin does not decide supply roles.
    with pytest.raises(NotFound):
        ar.access_request_decide(actor=principal_for_user(people["region_admin"]), request_id=supply_req.pk,
                                 approve=True)
    # A prescriber lacks the permission.
    with pytest.raises(PermissionDenied):
        ar.access_request_decide(actor=principal_for_user(people["prescriber"]), request_id=customer_req.pk,
                                 approve=True)
    with pytest.raises(NotFound):
        ar.access_request_decide(actor=principal_for_user(people["region_admin"]), request_id="x", approve=True)
    assert snapshot(AccessRequest, User, RoleAssignment) == before
    # The supply admin decides the supply role.
    done = ar.access_request_decide(actor=principal_for_user(people["supply_admin"]), request_id=supply_req.pk,
                                    approve=True)
    assert RoleAssignment.objects.filter(user_id=done.granted_user_id, role=Role.SUPPLY_HANDLER).exists()


def test_an_existing_users_request_grants_the_role_to_that_user(world, people):
    user = people["prescriber"]
    req = ar.access_request_create(principal=principal_for_user(user), unit_id=world["region_unit"].pk,
                                   role=Role.ORDERER, reason="Även beställarroll behövs.",
                                   manager_email="chef@example.se")
    done = ar.access_request_decide(actor=principal_for_user(people["region_admin"]), request_id=req.pk, approve=True)
    assert done.granted_user_id == user.pk and User.objects.count() == 4
    assert Message.objects.filter(recipient=user, subject__contains="godkänd").exists()


def test_overdue_requests_are_reminded_once(world, people):
    req = _anonymous_request(world)
    AccessRequest.objects.filter(pk=req.pk).update(created_at=timezone.now() - dt.timedelta(days=8))
    assert ar.access_requests_remind_overdue() == 1
    assert ar.access_requests_remind_overdue() == 0
    assert Message.objects.filter(subject__startswith="Försenad behörighetsansökan").count() == 1


def test_activation_sets_the_password_once(world, people):
    req = _anonymous_request(world)
    done = ar.access_request_decide(actor=principal_for_user(people["region_admin"]), request_id=req.pk, approve=True)
    user = User.objects.get(pk=done.granted_user_id)
    with pytest.raises(ValidationFailed) as exc:
        ar.account_activate(user=user, password1="Ett-Langt-Losen-1", password2="Annat-Langt-Losen-1")
    assert "new_password2" in exc.value.errors
    user.refresh_from_db()
    assert not user.has_usable_password()
    ar.account_activate(user=user, password1="Ett-Langt-Losen-1", password2="Ett-Langt-Losen-1")
    user.refresh_from_db()
    assert user.check_password("Ett-Langt-Losen-1")


# --------------------------------------------------------------------------- support cases


@pytest.fixture
def case_world(world, make_user):
    opener = make_user(Role.PRESCRIBER, "region")
    other = make_user(Role.PRESCRIBER, "region")
    handler = make_user(Role.SUPPLY_HANDLER)
    case = support.support_case_open(principal=principal_for_user(opener), category="question", subject="Hjälp",
                                     text="Hur gör jag?", page_url="/bestallningar/")
    return {"opener": opener, "other": other, "handler": handler, "case": case,
            "o": principal_for_user(opener), "x": principal_for_user(other), "h": principal_for_user(handler)}


def _status(case) -> str:
    return SupportCase.objects.get(pk=case.pk).status


def test_support_moves_open_answered_open_closed(case_world, django_capture_on_commit_callbacks):
    c, case = case_world, case_world["case"]
    assert case.status == "open" and case.customer_id == c["opener"].role_assignments.get().unit.organisation_id
    with django_capture_on_commit_callbacks(execute=True):
        support.support_case_reply(principal=c["h"], case_id=case.pk, text="Så här gör du.")
    case.refresh_from_db()
    assert case.status == "answered" and case.unread_by_opener and case.first_answered_at is not None
    first = case.first_answered_at
    assert Message.objects.filter(recipient=c["opener"], subject__contains=case.number).count() == 1
    assert any(m.to == [c["opener"].email] for m in mail.outbox)
    support.support_case_mark_read(principal=c["o"], case_id=case.pk)
    support.support_case_reply(principal=c["o"], case_id=case.pk, text="Det gick inte.")
    assert _status(case) == "open"
    support.support_case_reply(principal=c["h"], case_id=case.pk, text="Prova igen.")
    case.refresh_from_db()
    assert case.status == "answered" and case.first_answered_at == first  # the first answer stays the first
    support.support_case_close(principal=c["o"], case_id=case.pk)
    assert _status(case) == "closed"


def test_support_staff_may_close_an_open_case(case_world):
    support.support_case_close(principal=case_world["h"], case_id=case_world["case"].pk)
    assert _status(case_world["case"]) == "closed"


def test_a_closed_case_takes_no_message_and_cannot_be_closed_again(case_world):
    c, case = case_world, case_world["case"]
    support.support_case_close(principal=c["o"], case_id=case.pk)
    before = snapshot(SupportCase, SupportMessage)
    with pytest.raises(IllegalTransition, match="avslutat och kan inte få fler meddelanden"):
        support.support_case_reply(principal=c["h"], case_id=case.pk, text="Sent svar.")
    with pytest.raises(IllegalTransition, match="avslutat och kan inte få fler meddelanden"):
        support.support_case_reply(principal=c["o"], case_id=case.pk, text="En sak till.")
    with pytest.raises(IllegalTransition, match="redan avslutat"):
        support.support_case_close(principal=c["h"], case_id=case.pk)
    assert snapshot(SupportCase, SupportMessage) == before


def test_another_users_case_does_not_exist_for_them(case_world):
    c, case = case_world, case_world["case"]
    before = snapshot(SupportCase, SupportMessage)
    for call in (lambda: support.support_case_reply(principal=c["x"], case_id=case.pk, text="Hej"),
                 lambda: support.support_case_close(principal=c["x"], case_id=case.pk),
                 lambda: support.case_for(c["x"], case.pk),
                 lambda: support.case_for(c["o"], "inte-ett-id")):
        with pytest.raises(NotFound):
            call()
    assert snapshot(SupportCase, SupportMessage) == before


@pytest.mark.parametrize(("change", "field"), [
    ({"category": "nope"}, "category"), ({"subject": ""}, "subject"), ({"text": " "}, "text"),
    ({"order_number": "KO9999999"}, "order_number"),
])
def test_a_bad_case_is_refused_and_writes_nothing(case_world, change, field):
    before = snapshot(SupportCase, SupportMessage)
    values = dict(category="question", subject="Rubrik", text="Text")
    values.update(change)
    with pytest.raises(ValidationFailed) as exc:
        support.support_case_open(principal=case_world["o"], **values)
    assert field in exc.value.errors and snapshot(SupportCase, SupportMessage) == before


def test_a_bad_reply_is_refused_and_writes_nothing(case_world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    before = snapshot(SupportCase, SupportMessage)
    with pytest.raises(ValidationFailed):
        support.support_case_reply(principal=case_world["h"], case_id=case_world["case"].pk, text="")
    with pytest.raises(ValidationFailed, match="stämmer inte"):
        support.support_case_reply(principal=case_world["h"], case_id=case_world["case"].pk, text="Bild",
                                   screenshot=SimpleUploadedFile("a.png", b"not a png"))
    assert snapshot(SupportCase, SupportMessage) == before


def test_a_page_url_of_another_host_is_dropped(case_world):
    case = support.support_case_open(principal=case_world["o"], category="fault", subject="Länk", text="x",
                                     page_url="https://evil.example/")
    assert case.page_url == ""


# --------------------------------------------------------------------------- service notices


@pytest.fixture
def publisher(make_user):
    return principal_for_user(make_user(Role.SUPPLY_ADMIN))


def test_notice_publish_then_end(publisher, django_capture_on_commit_callbacks):
    from operations.selectors import current_notices

    with django_capture_on_commit_callbacks(execute=True):
        n = notices.notice_publish(actor=publisher, kind="disruption", title="Störning", text="Lyfta är långsam.",
                                   starts_at=None, affected=["ordering", "ordering"])
    assert n.affected == ["ordering"] and [x.pk for x in current_notices()] == [n.pk]
    with django_capture_on_commit_callbacks(execute=True):
        notices.notice_end(actor=publisher, notice_id=n.pk)
    n.refresh_from_db()
    assert n.ended_at is not None and n.ends_at == n.ended_at and current_notices() == []
    assert AuditEvent.objects.filter(action="notice.ended", object_id=str(n.pk)).exists()


def test_a_planned_notice_ended_before_it_starts_keeps_its_start(publisher):
    start = timezone.now() + dt.timedelta(days=2)
    n = notices.notice_publish(actor=publisher, kind="planned", title="Underhåll", text="Planerat.", starts_at=start)
    notices.notice_end(actor=publisher, notice_id=n.pk)
    n.refresh_from_db()
    assert n.ends_at == start and n.ended_at is not None


def test_an_ended_or_expired_notice_cannot_be_ended(publisher):
    n = notices.notice_publish(actor=publisher, kind="resolved", title="Klart", text="Åtgärdat.", starts_at=None)
    notices.notice_end(actor=publisher, notice_id=n.pk)
    expired = notices.notice_publish(actor=publisher, kind="disruption", title="Kort", text="Kort störning.",
                                     starts_at=timezone.now() - dt.timedelta(hours=3),
                                     ends_at=timezone.now() - dt.timedelta(hours=1))
    before = snapshot(ServiceNotice)
    for pk in (n.pk, expired.pk):
        with pytest.raises(IllegalTransition, match="redan avslutad"):
            notices.notice_end(actor=publisher, notice_id=pk)
    with pytest.raises(NotFound):
        notices.notice_end(actor=publisher, notice_id=999999)
    assert snapshot(ServiceNotice) == before


@pytest.mark.parametrize(("change", "field"), [
    ({"kind": "nope"}, "kind"), ({"title": ""}, "title"), ({"text": ""}, "text"),
    ({"starts_at": -dt.timedelta(days=8)}, "starts_at"), ({"starts_at": dt.timedelta(days=400)}, "starts_at"),
    ({"ends_at": -dt.timedelta(hours=1)}, "ends_at"), ({"affected": ["moon"]}, "affected"),
])
def test_a_bad_notice_is_refused_and_writes_nothing(publisher, change, field):
    now = timezone.now()
    values = dict(kind="disruption", title="Rubrik", text="Text", starts_at=now, ends_at=None, affected=[])
    for key, value in change.items():
        values[key] = now + value if isinstance(value, dt.timedelta) else value
    before = snapshot(ServiceNotice)
    with pytest.raises(ValidationFailed) as exc:
        notices.notice_publish(actor=publisher, **values)
    assert field in exc.value.errors and snapshot(ServiceNotice) == before


@pytest.mark.parametrize("role", [Role.SUPPLY_HANDLER, Role.PRESCRIBER, Role.CUSTOMER_ACCESS_ADMIN])
def test_only_publishers_publish_and_end(make_user, publisher, role):
    n = notices.notice_publish(actor=publisher, kind="disruption", title="Rubrik", text="Text", starts_at=None)
    p = principal_for_user(make_user(role))
    before = snapshot(ServiceNotice)
    with pytest.raises(PermissionDenied):
        notices.notice_publish(actor=p, kind="disruption", title="Rubrik", text="Text", starts_at=None)
    with pytest.raises(PermissionDenied):
        notices.notice_end(actor=p, notice_id=n.pk)
    assert snapshot(ServiceNotice) == before


def test_system_admin_publishes(make_user):
    p = principal_for_user(make_user(Role.SYSTEM_ADMIN))
    assert notices.notice_publish(actor=p, kind="planned", title="R", text="T", starts_at=None).pk


def test_subscription_needs_an_email(world):
    user = f.UserFactory(email="")
    f.RoleAssignmentFactory(user=user, unit=world["region_unit"], role=Role.PRESCRIBER)
    with pytest.raises(ValidationFailed) as exc:
        notices.notice_subscription_set(actor=principal_for_user(user), subscribed=True)
    assert "subscribed" in exc.value.errors
