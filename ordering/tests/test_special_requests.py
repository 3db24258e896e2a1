"""Special requests (issue 17, docs/prescribing.md): states in the customer order's move table,
messages at each step, the consultants' queue and the measured service level."""
import datetime as dt

import pytest
from django.utils import timezone

from access.principal import principal_for_user
from access.roles import Role
from catalogue.models import PrescribingLevel
from catalogue.prescribing import prescribing_rule_set
from core.errors import IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from ordering.flows import customer as services
from ordering.flows import special
from ordering.models import Message, OrderStatus
from ordering.transitions import MOVES

from .conftest import make_order

pytestmark = pytest.mark.django_db
S = OrderStatus
WHY = {"reason": "Behöver utprovas", "need": "Kan inte gå utan stöd", "tried": "Rollator, käpp"}


@pytest.fixture
def consult(shop):
    prescribing_rule_set(actor=shop.h, level=PrescribingLevel.CONSULTATION, article=shop.cushion)
    shop.order = make_order(shop, submit=False, lines=[services.LineInput(shop.cushion.article_number, 2)])
    return shop


def test_the_moves_are_in_the_customer_table():
    table = MOVES["customer"]
    assert table[(S.DRAFT, S.SPECIAL_REQUESTED)] == "customer"
    assert table[(S.SPECIAL_REQUESTED, S.SUBMITTED)] == "supply"
    assert table[(S.INFO_REQUESTED, S.SPECIAL_REQUESTED)] == "customer"
    assert (S.REJECTED, S.SUBMITTED) not in table


def test_approved_request_becomes_a_normal_order_then_confirmed_and_delivered(consult, stocked):
    order = special.special_request_submit(consult.p, consult.order.pk, **WHY)
    assert order.status == S.SPECIAL_REQUESTED
    req = order.extra["special_request"]
    assert req["need"] == WHY["need"] and req["due_on"] and "konsultation" in req["grounds"][0]
    assert list(special.special_request_queue(consult.h)) == [order]
    special.special_request_approve(consult.h, order.pk, note="OK enligt riktlinje")
    order.refresh_from_db()
    assert order.status == S.SUBMITTED and order.extra["special_request"]["decisions"][0]["outcome"] == "approved"
    from supply import services as supply

    supply.order_confirm(consult.h, order.pk)
    order.refresh_from_db()
    assert order.status == S.CONFIRMED
    supply.order_dispatch(consult.h, order.pk)
    supply.order_deliver(consult.h, order.pk, receiver_name="Astrid", place="stay_address")
    order.refresh_from_db()
    assert order.status == S.DELIVERED and order.lines.get().delivered_quantity == 2
    statuses = [e.to_status for e in order.events.filter(event_type="transition")]
    assert statuses == ["draft", "special_requested", "submitted", "confirmed", "dispatched", "delivered"]
    # The prescriber is told at each step: sent, approved, confirmed, delivery acknowledged.
    kinds = list(Message.objects.filter(order=order, recipient=consult.prescriber).order_by("id")
                 .values_list("kind", "subject"))
    subjects = [s for _k, s in kinds]
    assert any("är skickad" in s for s in subjects) and any("godkänt" in s for s in subjects)
    assert [k for k, _s in kinds][-2:] == [Message.Kind.CONFIRMED, Message.Kind.DELIVERED]
    times = special.decision_times([order.pk])
    assert times[0]["weekdays"] == 0 and times[0]["within"]


def test_ask_for_information_then_supplement_then_reject(consult):
    order = special.special_request_submit(consult.p, consult.order.pk, **WHY)
    special.special_request_ask(consult.h, order.pk, question="Vilken sitthöjd?")
    order.refresh_from_db()
    assert order.status == S.INFO_REQUESTED
    assert Message.objects.filter(order=order, subject__startswith="Komplettering").exists()
    with pytest.raises(IllegalTransition):
        special.special_request_approve(consult.h, order.pk)
    special.special_request_submit(consult.p, order.pk, **{**WHY, "need": "Sitthöjd 45 cm"})
    order.refresh_from_db()
    assert order.status == S.SPECIAL_REQUESTED and len(order.extra["special_request"]["rounds"]) == 2
    with pytest.raises(ValidationFailed):
        special.special_request_reject(consult.h, order.pk, reason="")
    special.special_request_reject(consult.h, order.pk, reason="Finns likvärdig i sortimentet")
    order.refresh_from_db()
    assert order.status == S.REJECTED and order.closed_reason
    with pytest.raises(IllegalTransition):
        special.special_request_submit(consult.p, order.pk, **WHY)
    assert [r["outcome"] for r in special.decision_times([order.pk])] == ["info_requested", "rejected"]


def test_justification_is_required_and_direct_orders_need_none(consult, shop):
    with pytest.raises(ValidationFailed) as exc:
        special.special_request_submit(consult.p, consult.order.pk, **{**WHY, "tried": " "})
    assert "tried" in exc.value.errors
    plain = make_order(shop, submit=False, lines=[services.LineInput(shop.chair.article_number, 1)])
    with pytest.raises(ValidationFailed):
        special.special_request_submit(shop.p, plain.pk, **WHY)


def test_only_the_supply_centre_decides_and_other_customers_see_nothing(consult, make_user):
    order = special.special_request_submit(consult.p, consult.order.pk, **WHY)
    with pytest.raises(PermissionDenied):
        special.special_request_approve(consult.p, order.pk)
    other = principal_for_user(make_user(Role.PRESCRIBER, "municipality"))
    with pytest.raises(NotFound):
        special.special_request_submit(other, order.pk, **WHY)
    driver = principal_for_user(make_user(Role.DRIVER))
    with pytest.raises(PermissionDenied):
        special.special_request_approve(driver, order.pk)


def test_the_customer_may_withdraw_a_request(consult):
    order = special.special_request_submit(consult.p, consult.order.pk, **WHY)
    services.order_withdraw(consult.p, order.pk, reason="Behövs inte")
    order.refresh_from_db()
    assert order.status == S.WITHDRAWN


def test_service_level_counts_late_decisions(consult, settings):
    settings.LYFTA_SPECIAL_REQUEST_WEEKDAYS = 1
    order = special.special_request_submit(consult.p, consult.order.pk, **WHY)
    ev = order.events.get(to_status=S.SPECIAL_REQUESTED)
    type(ev).objects.filter(pk=ev.pk).update(at=timezone.now() - dt.timedelta(days=14))
    special.special_request_approve(consult.h, order.pk)
    level = special.service_level()
    assert level["decisions"] == 1 and level["within"] == 0 and level["share"] == 0


def _client(user):
    from django.test import Client

    from conftest import login_verified
    return login_verified(Client(), user)


def test_pages_request_queue_and_decide(consult, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    from django.core.files.uploadedfile import SimpleUploadedFile

    pc = _client(consult.prescriber)
    url = f"/bestallningar/{consult.order.pk}/sarskilt-beslut/"
    assert "Skicka som särskilt beslut" in pc.get(f"/bestallningar/{consult.order.pk}/").content.decode()
    assert pc.get(url).status_code == 200
    bad = pc.post(url, {"reason": "x", "need": "", "tried": "y"})
    assert bad.status_code == 422
    pdf = SimpleUploadedFile("intyg.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    assert pc.post(url, {**WHY, "file": pdf}).status_code == 302
    consult.order.refresh_from_db()
    assert consult.order.status == S.SPECIAL_REQUESTED and consult.order.attachments.count() == 1
    hc = _client(consult.handler)
    queue = hc.get("/bestallningar/sarskilda-beslut/").content.decode()
    assert consult.order.number in queue and WHY["need"] in queue
    r = hc.post(f"/bestallningar/sarskilda-beslut/{consult.order.pk}/fraga/", {f"o{consult.order.pk}-text": "Mått?"})
    assert r.status_code == 302
    consult.order.refresh_from_db()
    assert consult.order.status == S.INFO_REQUESTED
    assert "Komplettera" in pc.get(f"/bestallningar/{consult.order.pk}/").content.decode()
    assert pc.post(url, WHY).status_code == 302
    hc.post(f"/bestallningar/sarskilda-beslut/{consult.order.pk}/godkann/", {})
    consult.order.refresh_from_db()
    assert consult.order.status == S.SUBMITTED
    assert hc.post(f"/bestallningar/sarskilda-beslut/{consult.order.pk}/nej/", {}).status_code == 404
    assert pc.get("/bestallningar/sarskilda-beslut/").status_code == 403
