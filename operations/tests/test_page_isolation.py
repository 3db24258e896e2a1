"""Roles and customer isolation on every operations page and download (issue 16): lacking the
permission → 403, another customer's or user's object → 404, anonymous → the login page; a refused
move from a page is a Swedish message after the redirect and changes nothing."""
import datetime as dt

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from access.principal import ANONYMOUS, principal_for_user
from access.roles import Role
from conftest import login_verified
from operations.models import AccessRequest, ServiceNotice, SupportCase
from operations.services import access_requests as ar
from operations.services import notices, support

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _request(world, unit="region_unit", role=Role.ORDERER, email="a@example.se"):
    return ar.access_request_create(principal=ANONYMOUS, unit_id=world[unit].pk, role=role,
                                    reason="Behöver rollen för arbetet.", manager_email="chef@example.se",
                                    first_name="A", last_name="B", email=email)


def test_access_request_pages(world, client_for):
    region_req = _request(world)
    muni_req = _request(world, unit="municipality_unit", email="m@example.se")
    supply_req = _request(world, unit="supply_unit", role=Role.DRIVER, email="d@example.se")
    region_admin, _ = client_for(Role.CUSTOMER_ACCESS_ADMIN, "region")
    supply_admin, _ = client_for(Role.SUPPLY_ADMIN)
    prescriber, _ = client_for(Role.PRESCRIBER, "region")
    listing = reverse("operations:access_request_list")

    body = region_admin.get(listing + "?visa=alla").content.decode()
    assert "a@example.se" in body
    assert "m@example.se" not in body and "d@example.se" not in body
    body = supply_admin.get(listing).content.decode()
    assert "d@example.se" in body and "a@example.se" not in body and "m@example.se" not in body
    assert prescriber.get(listing).status_code == 403

    decide = lambda r: reverse("operations:access_request_decide", args=[r.pk])  # noqa: E731
    # Another customer's request and a supply role: 404 for the region's admin; nothing decided.
    assert region_admin.post(decide(muni_req), {"decision": "approve", "reason": ""}).status_code == 404
    assert region_admin.post(decide(supply_req), {"decision": "approve", "reason": ""}).status_code == 404
    assert prescriber.post(decide(region_req), {"decision": "approve", "reason": ""}).status_code == 403
    assert Client().post(decide(region_req), {"decision": "approve"}).status_code == 302  # to the login
    assert set(AccessRequest.objects.values_list("status", flat=True)) == {"pending"}

    # Refused moves from the page: a message on the list, nothing written.
    r = region_admin.post(decide(region_req), {"decision": "reject", "reason": ""}, follow=True)
    assert "Ange motivering" in r.content.decode()
    assert AccessRequest.objects.get(pk=region_req.pk).status == "pending"
    r = region_admin.post(decide(region_req), {"decision": "approve", "reason": ""}, follow=True)
    assert "Ansökan är godkänd" in r.content.decode()
    r = region_admin.post(decide(region_req), {"decision": "reject", "reason": "Ändrat mig"}, follow=True)
    assert "Ansökan är redan godkänd" in r.content.decode()
    assert AccessRequest.objects.get(pk=region_req.pk).status == "approved"


def test_activation_link_is_single_use_and_personal(world, make_user):
    req = _request(world)
    admin = make_user(Role.CUSTOMER_ACCESS_ADMIN, "region")
    done = ar.access_request_decide(actor=principal_for_user(admin), request_id=req.pk, approve=True)
    user = done.granted_user
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    url = reverse("operations:account_activate", args=[uid, default_token_generator.make_token(user)])
    c = Client()
    assert c.get(reverse("operations:account_activate", args=[uid, "fel-token"])).status_code == 404
    other = urlsafe_base64_encode(force_bytes(admin.pk))  # a user with a password: never through this link
    assert c.get(reverse("operations:account_activate",
                         args=[other, default_token_generator.make_token(admin)])).status_code == 404
    assert c.get(url).status_code == 200
    bad = c.post(url, {"new_password1": "Ett-Langt-Losen-1", "new_password2": "annat"})
    assert bad.status_code == 422 and "stämmer inte" in bad.content.decode()
    assert c.post(url, {"new_password1": "Ett-Langt-Losen-1", "new_password2": "Ett-Langt-Losen-1"}).status_code == 302
    assert c.get(url).status_code == 404  # used


@pytest.fixture
def cases(world, make_user):
    opener = make_user(Role.PRESCRIBER, "region")
    case = support.support_case_open(principal=principal_for_user(opener), category="question", subject="Hjälp",
                                     text="Hur gör jag?", screenshot=SimpleUploadedFile("skarm.png", PNG))
    return {"opener": opener, "case": case, "message": case.messages.get()}


@pytest.mark.parametrize("who", ["same_customer", "other_customer", "supply_driver"])
def test_support_case_pages_are_the_openers_and_supports_only(cases, make_user, who):
    user = {"same_customer": lambda: make_user(Role.PRESCRIBER, "region"),
            "other_customer": lambda: make_user(Role.PRESCRIBER, "municipality"),
            "supply_driver": lambda: make_user(Role.DRIVER)}[who]()
    c = login_verified(Client(), user)
    case, msg = cases["case"], cases["message"]
    assert c.get(reverse("operations:support_detail", args=[case.pk])).status_code == 404
    assert c.get(reverse("operations:support_screenshot", args=[msg.pk])).status_code == 404
    assert c.post(reverse("operations:support_reply", args=[case.pk]), {"text": "Hej"}).status_code == 404
    assert c.post(reverse("operations:support_close", args=[case.pk])).status_code == 404
    assert c.get(reverse("operations:support_queue")).status_code == 403
    assert cases["case"].number not in c.get(reverse("operations:support_mine")).content.decode()
    assert SupportCase.objects.get(pk=case.pk).status == "open" and case.messages.count() == 1


def test_support_pages_for_the_opener_and_the_handler(cases, client_for):
    case, msg = cases["case"], cases["message"]
    opener = login_verified(Client(), cases["opener"])
    handler, _ = client_for(Role.SUPPLY_HANDLER)
    for c in (opener, handler):
        assert c.get(reverse("operations:support_detail", args=[case.pk])).status_code == 200
        shot = c.get(reverse("operations:support_screenshot", args=[msg.pk]))
        assert shot.status_code == 200 and shot["Content-Type"] == "image/png" and shot["X-Content-Type-Options"]
    assert case.number in handler.get(reverse("operations:support_queue")).content.decode()
    assert case.number in opener.get(reverse("operations:support_mine")).content.decode()
    r = handler.post(reverse("operations:support_reply", args=[case.pk]), {"text": ""})
    assert r.status_code == 422 and case.messages.count() == 1
    assert opener.post(reverse("operations:support_close", args=[case.pk])).status_code == 302
    r = handler.post(reverse("operations:support_reply", args=[case.pk]), {"text": "Sent"}, follow=True)
    assert "avslutat och kan inte få fler meddelanden" in r.content.decode() and case.messages.count() == 1
    anon = Client()
    for url in (reverse("operations:support_detail", args=[case.pk]),
                reverse("operations:support_screenshot", args=[msg.pk]), reverse("operations:support_new")):
        r = anon.get(url)
        assert r.status_code == 302 and reverse("access:login") in r["Location"]


def test_notice_pages(world, client_for, make_user):
    admin, _ = client_for(Role.SUPPLY_ADMIN)
    n = notices.notice_publish(actor=principal_for_user(make_user(Role.SYSTEM_ADMIN)), kind="disruption",
                               title="Störning", text="Text", starts_at=None)
    end = reverse("operations:notice_end", args=[n.pk])
    for role in (Role.SUPPLY_HANDLER, Role.PRESCRIBER, Role.CUSTOMER_ACCESS_ADMIN, Role.DRIVER):
        c, _ = client_for(role)
        assert c.get(reverse("operations:notice_admin")).status_code == 403
        assert c.post(end).status_code == 403
        assert c.get(reverse("operations:notice_history")).status_code == 200  # history: any logged-in user
    assert ServiceNotice.objects.get(pk=n.pk).ended_at is None
    r = admin.post(reverse("operations:notice_admin"), {"kind": "disruption", "title": "", "text": "x"})
    assert r.status_code == 422 and ServiceNotice.objects.count() == 1
    assert admin.post(end, follow=True).status_code == 200
    r = admin.post(end, follow=True)
    assert "redan avslutad" in r.content.decode()
    assert admin.post(reverse("operations:notice_end", args=[999999])).status_code == 404
    assert Client().get(reverse("operations:notice_history")).status_code == 302


def test_public_pages_need_no_login_and_unknown_forms_404(db):
    c = Client()
    assert c.get(reverse("operations:fallback_forms")).status_code == 200
    assert c.get(reverse("operations:fallback_form_pdf", args=["nope"])).status_code == 404
    assert c.get(reverse("operations:access_request_new")).status_code == 200
    assert c.get(reverse("operations:access_request_sent")).status_code == 200


def test_an_unmatched_siths_user_lands_on_the_form_with_the_hsa_id(db):
    url = reverse("operations:access_request_new") + "?hsa_id=SE2321000016-OKAND9"
    body = Client().get(url).content.decode()
    assert 'value="SE2321000016-OKAND9"' in body


def test_overdue_requests_are_marked_on_the_list(world, client_for):
    req = _request(world)
    AccessRequest.objects.filter(pk=req.pk).update(created_at=req.created_at - dt.timedelta(days=8))
    admin, _ = client_for(Role.CUSTOMER_ACCESS_ADMIN, "region")
    body = admin.get(reverse("operations:access_request_list")).content.decode()
    assert 'class="overdue"' in body
